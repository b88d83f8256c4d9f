"""Checks of a feature extractor: a model from another model's inputs to the output of one of its inner layers."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

import warnings
from typing import Any

import numpy as np

from ._errors import raised
from ._model import assert_is_model
from .shapes import _same, fmt_shape

NO_INPUT_YET = "has never been called and thus has no defined input"
"""What Keras 3 says when asked for `model.input` of a Sequential model."""


def _call(model: Any, x: Any) -> np.ndarray:
    with warnings.catch_warnings():  # a model built on a list of one input warns when given one array
        warnings.simplefilter("ignore")
        return np.asarray(model(np.asarray(x, dtype="float32"), training=False))


def _layer_activations(model: Any, layer_name: str, x: Any) -> np.ndarray:
    """What the layer named `layer_name` gives out when `model` reads `x` (the grader's own computation)."""
    import keras

    inside = keras.Model(model.inputs, model.get_layer(layer_name).output)
    return _call(inside, x)


def assert_extracts(function: Any, model: Any, layer_name: str, x: Any) -> None:
    """Raise AssertionError unless `function(model, layer_name)` is a model that gives that layer's activations.

    Args:
        function: the learner's `feature_extractor`.
        model: a built model with one input, holding a layer named `layer_name`.
        layer_name: the inner layer to look at.
        x: a batch of inputs for `model`.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    try:
        extractor = function(model, layer_name)
    except Exception as error:  # noqa: BLE001 (the learner's error, worded for the learner)
        message = raised(name, error, f"layer {layer_name!r}")
        if NO_INPUT_YET in str(error):
            message += (" A Sequential model has no `input` in Keras 3 until it is called on a symbolic tensor; "
                        "its `inputs` list works for every kind of model.")
        raise AssertionError(message) from None
    assert_is_model(extractor)
    if extractor is model:
        raise AssertionError(
            f"{name} returned the model it was given; return a new model that stops at layer {layer_name!r}."
        )
    if len(extractor.inputs) != len(model.inputs) or not all(
            _same(tuple(mine.shape), tuple(theirs.shape)) for mine, theirs in zip(extractor.inputs, model.inputs, strict=True)):
        yours = ", ".join(fmt_shape(tuple(t.shape)) for t in extractor.inputs)
        theirs = ", ".join(fmt_shape(tuple(t.shape)) for t in model.inputs)
        raise AssertionError(
            f"The model {name} returned takes {yours}; it should take what the given model takes, {theirs}. "
            "Start it from the given model's own inputs."
        )
    if len(extractor.outputs) != 1:
        raise AssertionError(
            f"The model {name} returned has {len(extractor.outputs)} outputs; it should have one, the output of "
            f"layer {layer_name!r}."
        )
    expected = _layer_activations(model, layer_name, x)
    found_shape = tuple(extractor.outputs[0].shape)
    wanted_shape = tuple(model.get_layer(layer_name).output.shape)
    if not _same(found_shape, wanted_shape):
        raise AssertionError(
            f"The model {name} returned gives out {fmt_shape(found_shape)}, but layer {layer_name!r} gives out "
            f"{fmt_shape(wanted_shape)}. Its output should be the output of the layer with that name."
        )
    found = _call(extractor, x)
    if found.shape != expected.shape or not np.allclose(found, expected, atol=1e-5):
        raise AssertionError(
            f"The model {name} returned does not give the activations of layer {layer_name!r}: for the first "
            f"example it gives {np.round(found[0], 3).tolist()}, the layer gives {np.round(expected[0], 3).tolist()}. "
            "Build it on the given model's own layers, which hold what it learned, not on new ones."
        )


def assert_refuses_unknown_layer(function: Any, model: Any, layer_name: str = "no_such_layer") -> None:
    """Raise AssertionError unless `function(model, layer_name)` raises ValueError listing the model's layer names.

    Args:
        function: the learner's `feature_extractor`.
        model: a built model without a layer named `layer_name`.
        layer_name: a name the model does not have.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    names = [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]
    try:
        result = function(model, layer_name)
    except ValueError as error:
        missing = [n for n in names if n not in str(error)]
        if missing:
            raise AssertionError(
                f"{name} raised ValueError for the unknown name {layer_name!r}, but its message does not list the "
                f"model's layer names (it lacks {missing}). List them, so that whoever mistyped sees the right ones. "
                f"Your message: {str(error)[:200]!r}"
            ) from None
        return
    except Exception as error:  # noqa: BLE001 (the learner's error, worded for the learner)
        raise AssertionError(
            raised(name, error, f"the unknown name {layer_name!r}")
            + " For a name the model does not have, raise ValueError, with the model's layer names in the message."
        ) from None
    raise AssertionError(
        f"{name}(model, {layer_name!r}) returned {type(result).__name__} for a name the model does not have. "
        "Stop there instead: raise ValueError, with the model's layer names in the message."
    )
