"""Tests of `checks.assert_is_model`, the coarsest check: did the student's function return a model at all?"""

from __future__ import annotations

import importlib
import pkgutil

import keras
import numpy as np
import pytest
from keras import layers

from autograder import checks

from . import models


@pytest.mark.parametrize(
    "build",
    [models.reference_sequential, models.reference_functional, models.subclassed],
    ids=["sequential", "functional", "subclassed"],
)
def test_any_keras_model_passes(build):
    """Does every kind of Keras model pass?"""
    checks.assert_is_model(build())


def _functional_outputs():
    inputs = keras.Input(shape=(models.N_FEATURES,))
    return layers.Dense(1, activation="sigmoid")(inputs)


NOT_MODELS = {
    "none": (lambda: None, models.message("returned None instead of a model", "End it with `return model`")),
    "class": (
        lambda: keras.Sequential,
        models.message("returned the class Sequential, not a model object", "`keras.Sequential()`"),
    ),
    "numpy-array": (
        lambda: np.zeros((4, 1)),
        models.message("returned an array of shape (4, 1), not a Keras model", "model.predict(...)",
                       "`return model`"),
    ),
    "symbolic-tensor": (
        _functional_outputs,
        models.message("returned a symbolic tensor", "not a model",
                       "`return keras.Model(inputs=inputs, outputs=outputs)`"),
    ),
    "layer": (
        lambda: layers.Dense(1),
        models.message("returned a single layer (Dense), not a model", "keras.Sequential([...])"),
    ),
    "list-of-layers": (
        lambda: [layers.Dense(1)],
        models.message("returned an object of type list, not a Keras model", "`return model`"),
    ),
}


@pytest.mark.parametrize("make, fragment", NOT_MODELS.values(), ids=NOT_MODELS.keys())
def test_what_is_not_a_model_is_rejected_with_the_fix(make, fragment):
    """Is each thing that is not a model rejected with a message that says what it is and what to return?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_is_model(make())


def _carried(value):
    """`value` as the grader sees it when the judge calls the student's function outside the kernel."""
    from autograder.judge.wire import Decoder, Encoder

    encoder = Encoder()
    return Decoder(encoder.blobs).decode(encoder.encode(value))


@pytest.mark.parametrize("make, fragment", NOT_MODELS.values(), ids=NOT_MODELS.keys())
def test_what_is_not_a_model_gets_the_same_message_outside_the_kernel(make, fragment):
    """Judged outside the kernel, where a tensor or a layer arrives only as its type's name, is each thing that is not
    a model rejected with the message the student's notebook shows?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_is_model(_carried(make()))


@pytest.mark.parametrize(
    "check",
    [checks.assert_sequential, checks.assert_functional, lambda obj: checks.assert_layers(obj, []),
     lambda obj: checks.assert_input_shape(obj, (None, 8)), lambda obj: checks.assert_compiled(obj, loss="mse")],
    ids=["sequential", "functional", "layers", "input-shape", "compiled"],
)
def test_every_check_starts_by_asking_for_a_model(check):
    """Does every check give the 'returned None' message, not a TypeError, when the function returned None?"""
    with pytest.raises(AssertionError, match="returned None instead of a model"):
        check(None)


def test_every_check_is_exported_from_the_package():
    """Is every `assert_...` function of every check module reachable as `checks.assert_...`?"""
    defined = set()
    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"{checks.__name__}.{info.name}")
        defined |= {name for name, value in vars(module).items()
                    if name.startswith("assert_") and getattr(value, "__module__", "") == module.__name__}
    assert defined <= set(checks.__all__)
    assert all(hasattr(checks, name) for name in checks.__all__)
