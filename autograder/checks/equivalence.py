"""Checks that one model is another in a new form: the same layer objects, the same predictions."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.model.introspection import api_kind

from ._errors import NOT_DONE, not_done_yet, raised
from ._model import describe_model
from .shapes import fmt_shape, require_known_inputs

REUSE_HINT = (
    "Reuse the layer objects the model already has, in the order it runs them, after a new input of the same "
    "shape: only the same objects carry the same parameters."
)
WHOLE_SHAPE = (
    "Give the new input the model's whole input shape: every dimension after the batch size, however many "
    "there are."
)
"""The fix for a conversion of a Sequential model that raised."""
AS_STACK = (
    "This model is a plain chain, one input and one output, each layer used once: it can be Sequential, so return "
    "a `keras.Sequential` of its own layers here rather than raise."
)
"""The fix for a conversion of a Functional chain that raised."""


def _own_layers(model: Any) -> list:
    """The model's layers without its `InputLayer`s."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def converted(function: Callable[[Any], Any], original: Any, fix: str | None = None) -> Any:
    """Return `function(original)`; raise AssertionError, addressed to the student, when the function fails.

    Args:
        function: the student's conversion, for example `sequential_to_functional`.
        original: the model to convert (one input of known shape).
        fix: what to change when the function raises an error other than the unsolved placeholder; by default
            `WHOLE_SHAPE` for a Sequential model and `AS_STACK` for a Functional one.
    """
    try:
        return function(original)
    except Exception as error:  # noqa: BLE001 (the student's function, so any error is theirs to see)
        name = getattr(function, "__name__", "your function")
        kind = api_kind(original).capitalize()
        where = f"a {kind} model with input shape {fmt_shape(tuple(original.inputs[0].shape))}"
        fix = fix or (WHOLE_SHAPE if kind == "Sequential" else AS_STACK)
        raise AssertionError(f"{raised(name, error, where)} {NOT_DONE if not_done_yet(error) else fix}") from None


def assert_reuses_layers(candidate: Any, original: Any) -> None:
    """Raise AssertionError unless `candidate` is built from `original`'s layer objects, and from nothing else.

    Copies do not count, even with the same settings: a new `Dense` layer has new weights.

    Args:
        candidate: the student's model.
        original: the model it should reuse the layers of.
    """
    require_known_inputs(describe_model(candidate))
    if candidate is original:
        raise AssertionError(
            "Your function returned the very model it was given. Build a new Functional model around its layers. "
            + REUSE_HINT
        )
    _require_the_same_layers(candidate, original)


def assert_same_layers_in_order(candidate: Any, original: Any) -> None:
    """Raise AssertionError unless `candidate` runs exactly `original`'s layer objects, each once, in its order.

    A model used as a layer counts as one layer. Copies do not count: a new `Dense` layer has new weights.

    Args:
        candidate: the student's model.
        original: the model whose layers it should run, in the same order.
    """
    require_known_inputs(describe_model(candidate))
    _require_the_same_layers(candidate, original)
    theirs, given = _own_layers(candidate), _own_layers(original)
    for layer in given:
        uses = sum(mine is layer for mine in theirs)
        if uses > 1:
            raise AssertionError(
                f"Your model uses the layer {layer.name!r} {uses} times; the model it was given runs it once. "
                "Use each of its layers once."
            )
    if [id(layer) for layer in theirs] != [id(layer) for layer in given]:
        order = ", ".join(repr(layer.name) for layer in given)
        raise AssertionError(
            f"Your model uses the right layer objects, in another order: "
            f"{', '.join(repr(layer.name) for layer in theirs)}. The model it was given runs {order}. "
            "Keep the order in which the model runs them."
        )


def _require_the_same_layers(candidate: Any, original: Any) -> None:
    """Raise AssertionError unless `candidate` holds every layer object of `original`, and no other."""
    theirs, given = _own_layers(candidate), _own_layers(original)
    ids = {id(layer) for layer in theirs}
    missing = [layer.name for layer in given if id(layer) not in ids]
    if missing:
        names = ", ".join(repr(n) for n in missing)
        raise AssertionError(
            f"Your model does not use the layer object(s) {names} of the model it was given, so it does not share "
            "their parameters. New layers, or copies such as `keras.models.clone_model`, start from new weights. "
            + REUSE_HINT
        )
    known = {id(layer) for layer in given}
    extra = [layer.name for layer in theirs if id(layer) not in known]
    if extra:
        names = ", ".join(repr(n) for n in extra)
        raise AssertionError(
            f"Your model has layer(s) the model it was given does not have: {names}. Use only the original layers, "
            "in their order, so that both models compute the same thing."
        )


def _example_batch(model: Any, rows: int, seed: int) -> np.ndarray:
    """A batch of random numbers that fits `model`'s single input."""
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).normal(size=(rows, *shape)).astype("float32")


def assert_same_predictions(candidate: Any, original: Any, x: Any = None, rows: int = 4, seed: int = 0) -> None:
    """Raise AssertionError unless both models predict the same numbers for the same batch.

    Args:
        candidate: the student's model.
        original: the model whose predictions it should reproduce (one input).
        x: the batch to predict on; None draws `rows` random examples that fit `original`'s input.
        rows: how many random examples to draw when `x` is None.
        seed: the seed of those random examples.
    """
    desc = describe_model(candidate)
    require_known_inputs(desc)
    if x is None:
        x = _example_batch(original, rows, seed)
    expected = np.asarray(original(x, training=False))
    try:
        found = candidate(x, training=False)
    except Exception as error:  # noqa: BLE001 (the student's model, so any error is theirs to see)
        raise AssertionError(
            f"Your model could not run on a batch of shape {fmt_shape(np.shape(x))}, which the model it was given "
            f"accepts: {type(error).__name__}: {str(error)[:200]}. Give it the same input shape. " + REUSE_HINT
        ) from None
    if isinstance(found, (list, tuple, dict)):
        raise AssertionError(
            f"Your model has {len(found)} outputs; the model it was given has one. "
            "Make the last layer's output the model's only output."
        )
    found = np.asarray(found)
    if found.shape != expected.shape:
        raise AssertionError(
            f"Your model's predictions have shape {fmt_shape(found.shape)}; the original's have shape "
            f"{fmt_shape(expected.shape)}. Use every layer, in the order of `model.layers`, and end with the last one."
        )
    if not np.allclose(found, expected, rtol=1e-5, atol=1e-5):
        worst = float(np.max(np.abs(found - expected)))
        raise AssertionError(
            f"For the same batch your model's predictions differ from the original's (by up to {worst:.3g}). "
            "Use every layer of `model.layers` once, in order, and nothing else."
        )
