"""Tests of `assert_output_activation`: what the layer producing a named output does last."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder.checks.outputs import assert_output_activation

from . import models


@pytest.mark.parametrize("build", [models.two_heads, models.two_heads_dict], ids=["named-layers", "dict-keys"])
def test_the_reference_heads_pass(build):
    """Do a sigmoid `passed` and a linear `grade` pass, whether outputs are named layers or dict keys?"""
    model = build()
    assert_output_activation(model, "passed", "sigmoid")
    assert_output_activation(model, "grade", "linear")
    assert_output_activation(model, "grade", None)


def test_an_activation_layer_or_function_counts():
    """Does an output made by an `Activation` layer, or a Dense given the function, pass?"""
    inputs = keras.Input(shape=(3,), name="features")
    by_layer = layers.Activation("sigmoid", name="passed")(layers.Dense(1)(inputs))
    by_function = layers.Dense(1, activation=keras.activations.sigmoid, name="also")(inputs)
    model = keras.Model(inputs, [by_layer, by_function])
    assert_output_activation(model, "passed", "sigmoid")
    assert_output_activation(model, "also", keras.activations.sigmoid)


def linear_passed() -> keras.Model:
    profile, scores = models.exam_inputs()
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], [layers.Dense(1, name="passed")(x), layers.Dense(1, activation="sigmoid", name="grade")(x)])


WRONG = {
    "passed-linear": (linear_passed, "passed", "sigmoid", models.message(
        "Output 'passed' should end with the activation 'sigmoid', so that it gives a probability between 0 and 1; "
        "the layer that produces it ('passed') has 'linear'.", "give it `activation='sigmoid'`")),
    "grade-sigmoid": (linear_passed, "grade", "linear", models.message(
        "Output 'grade' should end with the activation 'linear'", "leave the activation out")),
    "unknown-output": (models.two_heads, "mark", "sigmoid", "Your model has no output named 'mark'"),
    "subclassed": (models.subclassed, "passed", "sigmoid", "Your model is a subclass of `keras.Model`"),
    "none": (lambda: None, "passed", "sigmoid", "returned None instead of a model"),
}


@pytest.mark.parametrize("build, output, activation, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_activation_is_rejected_with_the_fix(build, output, activation, fragment):
    """Is a wrong or unreadable output activation rejected, naming the layer and the fix?"""
    with pytest.raises(AssertionError, match=fragment):
        assert_output_activation(build(), output, activation)
