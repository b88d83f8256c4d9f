"""Check of what a model predicts: the shape, that every number is finite, and the range."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._model import describe_model
from .shapes import fmt_shape, require_known_inputs


def _as_arrays(result: Any) -> dict[str, np.ndarray]:
    if isinstance(result, dict):
        return {name: np.asarray(value) for name, value in result.items()}
    if isinstance(result, (list, tuple)):
        return {f"output {i + 1}": np.asarray(value) for i, value in enumerate(result)}
    return {"output": np.asarray(result)}


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
    try:
        result = model.predict(x, verbose=0)
    except Exception as error:  # the student's model, so any error is theirs to see
        shape = fmt_shape(np.shape(x)) if not isinstance(x, dict) else "a dict of inputs"
        raise AssertionError(
            f"Your model could not predict on a batch of {shape}: {type(error).__name__}: {error}. "
            "Check that its input shape matches the data."
        ) from None
    for name, values in _as_arrays(result).items():
        if not np.all(np.isfinite(values)):
            raise AssertionError(
                f"Some of your model's predictions ({name}) are NaN or infinite. "
                "Check the activations and, if you trained it, lower the learning rate."
            )
        lo, hi = float(values.min()), float(values.max())
        if (low is not None and lo < low) or (high is not None and hi > high):
            raise AssertionError(
                f"Your model's predictions ({name}) should lie between {low} and {high}; "
                f"yours range from {lo:.3g} to {hi:.3g}. For probabilities, end with a sigmoid "
                "(one unit) or a softmax (one unit per class)."
            )
