"""Check of what a model predicts: that it can predict on the data, that every number is finite, and the range."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder.model.description import ModelDescription

from ._model import describe_model
from .shapes import fmt_shape, require_known_inputs


def _as_arrays(result: Any, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Name each output of `model.predict`: by its dict key, else by the model's output names."""
    if isinstance(result, dict):
        return {str(name): np.asarray(value) for name, value in result.items()}
    if isinstance(result, (list, tuple)):
        names = list(names) if len(names) == len(result) else [f"output {i + 1}" for i in range(len(result))]
        return {name: np.asarray(value) for name, value in zip(names, result, strict=True)}
    return {"output": np.asarray(result)}


def _describe_batch(x: Any) -> str:
    if isinstance(x, dict):
        return "a dict of inputs (" + ", ".join(f"{k!r}: {fmt_shape(np.shape(v))}" for k, v in x.items()) + ")"
    try:
        return f"shape {fmt_shape(np.shape(x))}"
    except ValueError:  # a list of arrays of different shapes
        return "several inputs"


def _keras_error(error: Exception) -> str:
    """The gist of a Keras error: without terminal colours, the 'Exception encountered' header or the argument dump."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).split("Arguments received")[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Exception encountered")] or lines
    gist = " ".join(lines).rstrip()
    return f"{type(error).__name__}: {gist}" + ("" if gist.endswith((".", "!", "?")) else ".")


def _check_features(desc: ModelDescription, x: Any) -> None:
    """Raise AssertionError when `x` is one array whose rows do not fit the model's one input."""
    if isinstance(x, dict) or len(desc.inputs) != 1 or not hasattr(x, "shape"):
        return
    expected, found = tuple(desc.inputs[0].shape)[1:], tuple(x.shape)[1:]
    if len(expected) == len(found) and all(e is None or e == f for e, f in zip(expected, found, strict=True)):
        return
    raise AssertionError(
        f"Your model takes inputs of shape {fmt_shape(desc.inputs[0].shape)}, but the data has shape "
        f"{fmt_shape(x.shape)}. Start the model with `keras.Input(shape={fmt_shape(found)})`, so that it takes "
        "every feature of the data."
    )


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"lie between {low} and {high}"
    return f"be at least {low}" if low is not None else f"be at most {high}"


def assert_predictions(model: Any, x: Any, low: float | None = None, high: float | None = None) -> None:
    """Raise AssertionError unless the model predicts finite numbers within [low, high] for `x`.

    Args:
        model: the student's model.
        x: a batch of inputs (an array, or a dict of arrays by input name).
        low: the smallest allowed prediction; None for no bound.
        high: the largest allowed prediction; None for no bound.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    _check_features(desc, x)
    try:
        result = model.predict(x, verbose=0)
    except Exception as error:  # noqa: BLE001 (the student's model, so any error is theirs to see)
        raise AssertionError(
            f"Your model could not predict on a batch of {_describe_batch(x)}: {_keras_error(error)} "
            "Check that its input shape (and, for several inputs, their names) matches the data."
        ) from None
    for name, values in _as_arrays(result, [o.name for o in desc.outputs]).items():
        if values.size == 0:
            continue
        if not np.all(np.isfinite(values)):
            raise AssertionError(
                f"Some of your model's predictions ({name}) are NaN or infinite. "
                "Check the activations and, if you trained it, lower the learning rate."
            )
        lo, hi = float(values.min()), float(values.max())
        if (low is not None and lo < low) or (high is not None and hi > high):
            raise AssertionError(
                f"Your model's predictions ({name}) should {_range(low, high)}; "
                f"yours range from {lo:.3g} to {hi:.3g}. For probabilities, end with a sigmoid "
                "(one unit) or a softmax (one unit per class)."
            )
