"""Tests of the equivalence checks: a Functional model built from a Sequential's own layers, predicting the same."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from autograder.checks.equivalence import (
    assert_reuses_layers,
    assert_same_layers_in_order,
    assert_same_predictions,
    converted,
)

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
                                     "Reuse the layer objects the model already has, in the order it runs them")),
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
                                        "Give it the same input shape.")),
}


@pytest.mark.parametrize("convert, fragment", NOT_SAME.values(), ids=NOT_SAME.keys())
def test_a_model_that_predicts_otherwise_is_rejected(convert, fragment):
    """Is a model whose predictions differ in value, shape or number rejected, saying what to change?"""
    original = models.reference_sequential()
    with pytest.raises(AssertionError, match=fragment):
        assert_same_predictions(convert(original), original)


def test_a_conversion_that_raises_is_told_about_the_input_shape():
    """When the student's function fails, is the error shown with the model's input shape and what to change?"""
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
        "every dimension after the batch size, however many there are.",
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


def test_no_message_spells_out_the_solution():
    """Do the messages name the idea (reuse the layers, keep the whole input shape) without the solution's code?"""
    from autograder.checks import equivalence

    for text in (equivalence.REUSE_HINT, equivalence.WHOLE_SHAPE):
        assert "for layer in" not in text and "shape[1:]" not in text and "keras.Input(" not in text


def test_a_conversion_of_a_functional_model_names_it_and_takes_its_own_fix():
    """For a Functional model, does the message say so, and give the fix the caller chose?"""
    def refuse(model):
        raise ValueError("not a chain")

    with pytest.raises(AssertionError, match=models.message(
        "refuse raised ValueError on a Functional model with input shape (None, 8): not a chain.", "Return it.",
    )):
        converted(refuse, models.reference_functional(), fix="Return it.")
    with pytest.raises(AssertionError, match=models.message("not a chain. This model is a plain chain")):
        converted(refuse, models.reference_functional())


def as_sequential(model: keras.Model, chosen: list | None = None) -> keras.Sequential:
    """A Sequential model of a Functional model's own layer objects (default: all but its InputLayer)."""
    return keras.Sequential([keras.Input(shape=model.inputs[0].shape[1:])] + (chosen or model.layers[1:]))


def nested_chain() -> keras.Model:
    """A Functional chain whose middle layer is a small Sequential model."""
    inputs = keras.Input(shape=(models.N_FEATURES,))
    inner = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(4, activation="tanh")], name="inner")
    return keras.Model(inputs, layers.Dense(1)(inner(layers.Dense(16, activation="relu")(inputs))))


@pytest.mark.parametrize("build", [models.reference_functional, nested_chain], ids=["dense-chain", "nested-model"])
def test_a_sequential_of_the_same_layers_in_order_passes(build):
    """Does a Sequential model of the Functional model's own layers, in order (a nested model as one), pass?"""
    original = build()
    assert_same_layers_in_order(as_sequential(original), original)
    assert_same_predictions(as_sequential(original), original)


OUT_OF_ORDER = {
    "clone": (lambda m: as_sequential(keras.models.clone_model(m)),
              models.message("does not use the layer object(s)")),
    "missing": (lambda m: as_sequential(m, m.layers[1:-1]),
                models.message("does not use the layer object(s) 'dense")),
    "twice": (lambda m: as_sequential(m, m.layers[1:2] + m.layers[1:2] + m.layers[2:]),
              models.message("uses the layer 'dense", "2 times; the model it was given runs it once")),
    "reordered": (lambda m: as_sequential(m, [m.layers[2], m.layers[1], m.layers[3]]),
                  "uses the right layer objects, in another order"),
}


def square_chain() -> keras.Model:
    """Dense(8) -> Dense(8) -> Dense(1) on 8 features: swapping the first two layers still builds."""
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, layers.Dense(1)(layers.Dense(8)(layers.Dense(8, activation="relu")(inputs))))


@pytest.mark.parametrize("convert, fragment", OUT_OF_ORDER.values(), ids=OUT_OF_ORDER.keys())
def test_a_sequential_of_other_layers_or_another_order_is_rejected(convert, fragment):
    """Is a Sequential model of copies, of too few layers, of a layer twice or of the layers reordered rejected?"""
    original = square_chain()
    with pytest.raises(AssertionError, match=fragment):
        assert_same_layers_in_order(convert(original), original)
