"""Tests of the equivalence checks: a Functional model built from a Sequential's own layers, predicting the same."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from autograder.checks.equivalence import assert_reuses_layers, assert_same_predictions, converted

from . import models


def loop(model: keras.Sequential, chosen: list | None = None) -> keras.Model:
    """The reference answer: a new input of the same shape, then the chosen layers (default: all) called in order."""
    inputs = keras.Input(shape=model.inputs[0].shape[1:])
    x = inputs
    for layer in model.layers if chosen is None else chosen:
        x = layer(x)
    return keras.Model(inputs, x)


ORIGINALS = {
    "dense-stack": models.reference_sequential,
    "dropout-activation": lambda: models.stack(layers.Dense(4), layers.Activation("relu"), layers.Dropout(0.5), layers.Dense(2)),
    "two-dimensional-input": lambda: keras.Sequential([keras.Input(shape=(4, 3)), layers.Flatten(), layers.Dense(2)]),
    "legacy-input-dim": models.legacy_input_dim,
}
CONVERSIONS = {"loop": loop, "own-graph": lambda m: keras.Model(m.inputs, m.outputs)}


@pytest.mark.parametrize("convert", CONVERSIONS.values(), ids=CONVERSIONS.keys())
@pytest.mark.parametrize("build", ORIGINALS.values(), ids=ORIGINALS.keys())
def test_a_model_built_from_the_same_layers_passes(build, convert):
    """Does a Functional model around the Sequential's own layers pass both checks, whatever the layers?"""
    original = build()
    candidate = convert(original)
    assert_reuses_layers(candidate, original)
    assert_same_predictions(candidate, original)


def test_predictions_are_compared_on_a_given_batch():
    """Does a batch given by the caller replace the random one?"""
    original = models.reference_sequential()
    assert_same_predictions(loop(original), original, x=np.ones((3, models.N_FEATURES), dtype="float32"))


def cloned(original: keras.Sequential) -> keras.Model:
    clone = keras.models.clone_model(original)
    return keras.Model(clone.inputs, clone.outputs)


NOT_REUSED = {
    "same-object": (lambda m: m, "Your function returned the very model it was given."),
    "clone": (cloned, models.message("does not use the layer object(s) 'dense", "`keras.models.clone_model`",
                                     "`for layer in model.layers: x = layer(x)`")),
    "last-layer-missing": (lambda m: loop(m, m.layers[:-1]), models.message("does not use the layer object(s)")),
    "extra-layer": (lambda m: loop(m, m.layers + [layers.Dense(1, name="extra")]),
                    models.message("has layer(s) the model it was given does not have: 'extra'")),
    "unbuilt": (lambda m: models.unknown_input(), "Keras does not know your model's input shape yet"),
}


@pytest.mark.parametrize("convert, fragment", NOT_REUSED.values(), ids=NOT_REUSED.keys())
def test_a_model_with_other_layers_is_rejected(convert, fragment):
    """Is a model that does not use exactly the original's layer objects rejected, saying how to reuse them?"""
    original = models.reference_sequential()
    with pytest.raises(AssertionError, match=fragment):
        assert_reuses_layers(convert(original), original)


NOT_SAME = {
    "clone": (cloned, models.message("your model's predictions differ from the original's (by up to")),
    "last-layer-missing": (lambda m: loop(m, m.layers[:-1]),
                           models.message("Your model's predictions have shape (4, 8); the original's have shape (4, 1)")),
    "two-outputs": (lambda m: keras.Model(m.inputs, [m.outputs[0], m.outputs[0]]),
                    "Your model has 2 outputs; the model it was given has one."),
    "wrong-input-size": (lambda m: models.reference_sequential(3),
                         models.message("Your model could not run on a batch of shape (4, 8)",
                                        "`keras.Input(shape=model.inputs[0].shape[1:])`")),
}


@pytest.mark.parametrize("convert, fragment", NOT_SAME.values(), ids=NOT_SAME.keys())
def test_a_model_that_predicts_otherwise_is_rejected(convert, fragment):
    """Is a model whose predictions differ in value, shape or number rejected, saying what to change?"""
    original = models.reference_sequential()
    with pytest.raises(AssertionError, match=fragment):
        assert_same_predictions(convert(original), original)


def test_a_conversion_that_raises_is_told_about_the_input_shape():
    """When the student's function fails, is the error shown with the model's input shape and how to copy it?"""
    def last_size_only(model):
        return loop_with_input(model, keras.Input(shape=(model.inputs[0].shape[-1],)))

    def loop_with_input(model, inputs):
        x = inputs
        for layer in model.layers:
            x = layer(x)
        return keras.Model(inputs, x)

    original = ORIGINALS["two-dimensional-input"]()
    with pytest.raises(AssertionError, match=models.message(
        "last_size_only raised ValueError on a Sequential model with input shape (None, 4, 3)",
        "`keras.Input(shape=model.inputs[0].shape[1:])`",
    )):
        converted(last_size_only, original)
    assert converted(loop, original).inputs[0].shape == (None, 4, 3)


def sequential_to_functional(model):
    raise NotImplementedError()


def no_message(model):
    raise ValueError()


UNTOLD = {
    "not-done-yet": (sequential_to_functional,
                     "sequential_to_functional raised NotImplementedError on a Sequential model with input shape "
                     "(None, 8) (not done yet). Replace `raise NotImplementedError()` in the exercise with your code."),
    "no-message": (no_message, "no_message raised ValueError on a Sequential model with input shape (None, 8), "
                               "with no message. Give the new input the model's whole input shape"),
}


@pytest.mark.parametrize("convert, expected", UNTOLD.values(), ids=UNTOLD.keys())
def test_a_conversion_that_raises_without_a_message_still_reads_well(convert, expected):
    """When the student's function raises an error with no text, does the message say so instead of ': .'?"""
    with pytest.raises(AssertionError) as caught:
        converted(convert, models.reference_sequential())
    assert str(caught.value).startswith(expected)
    assert ": ." not in str(caught.value)
