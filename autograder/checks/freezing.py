"""Checks of freezing for fine-tuning: every layer but the last frozen, and training moves only the last one."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

import warnings
from typing import Any

import numpy as np

from ._errors import raised
from ._model import assert_is_model


def assert_freezes_all_but_last(function: Any, model: Any) -> None:
    """Raise AssertionError unless `function(model)` freezes every layer of `model.layers` but the last, and
    returns `model` itself, with only the last layer's weights in `model.trainable_weights`.

    Args:
        function: the learner's `freeze_all_but_last`.
        model: a built model with at least two layers holding weights, all trainable.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    try:
        result = function(model)
    except Exception as error:  # noqa: BLE001 (the learner's error, worded for the learner)
        raise AssertionError(raised(name, error, "a model")) from None
    assert_is_model(result)
    if result is not model:
        raise AssertionError(
            f"{name} returned another model object. Change the model it was given and return that same object: "
            "whoever holds the model should find it ready for fine-tuning."
        )
    *rest, last = model.layers
    still = [layer.name for layer in rest if layer.trainable]
    if still:
        raise AssertionError(
            f"These layers are still trainable: {still}. Every layer but the last should be frozen "
            "(`trainable = False`), so that training leaves what they learned alone."
        )
    if not last.trainable:
        raise AssertionError(
            f"The last layer, {last.name!r}, is frozen too. Keep it trainable: it is the one that learns the new task."
        )
    if not model.trainable:
        raise AssertionError(
            "The model itself is frozen (`model.trainable` is False), and a frozen model trains nothing, its last "
            "layer included. Freeze the layers one by one instead."
        )
    ours = {id(v) for v in last.trainable_weights}
    theirs = {id(v) for v in model.trainable_weights}
    if ours != theirs or not ours:
        raise AssertionError(
            f"`model.trainable_weights` should hold the last layer's {len(ours)} weight tensors and nothing else; "
            f"it holds {len(theirs)}. Check which layers you froze."
        )


def assert_training_moves_only_last(model: Any, x: Any, y: Any) -> None:
    """Raise AssertionError unless training `model`, compiled afresh, changes the last layer's weights and no other.

    Args:
        model: the model after freezing.
        x: a small batch of inputs.
        y: targets shaped like the model's output.
    """
    __tracebackhide__ = True
    before = [[w.copy() for w in layer.get_weights()] for layer in model.layers]
    # Compiled afresh; eagerly, because two small steps do not repay tracing a training graph.
    model.compile(optimizer="adam", loss="mse", run_eagerly=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(np.asarray(x, dtype="float32"), np.asarray(y, dtype="float32"), epochs=2, batch_size=len(x), verbose=0)
    *rest, last = model.layers
    for layer, old in zip(rest, before, strict=False):
        if any(not np.array_equal(a, b) for a, b in zip(old, layer.get_weights(), strict=False)):
            raise AssertionError(
                f"Training changed the weights of layer {layer.name!r}, which should be frozen: after freezing, "
                "only the last layer may learn."
            )
    if all(np.array_equal(a, b) for a, b in zip(before[-1], last.get_weights(), strict=False)):
        raise AssertionError(
            f"Training left the last layer, {last.name!r}, as it was; it should learn. Keep it trainable."
        )
