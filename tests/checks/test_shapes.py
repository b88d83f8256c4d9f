"""Tests of the shape checks: one input or output (`assert_input_shape`, ...), or several by name (`..._shapes`)."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder import checks
from autograder.checks.shapes import fmt_shape

from . import models

INPUT = (None, models.N_FEATURES)

EQUIVALENT_INPUTS = {
    "keras-input": models.reference_sequential,
    "add": models.added_one_by_one,
    "activation-functions": models.activation_functions,
    "activation-layers": models.activation_layers,
    "relu-layers": models.relu_layers,
    "input-dim": models.legacy_input_dim,
    "input-shape": models.legacy_input_shape,
    "build": models.built_by_build,
    "built-by-call": models.built_by_call,
    "functional": models.reference_functional,
}


@pytest.mark.parametrize(
    "shape, text", [((None, 8), "(None, 8)"), ((8,), "(8,)"), ((None, 2, 3), "(None, 2, 3)"), ((), "()")]
)
def test_fmt_shape_writes_shapes_as_keras_prints_them(shape, text):
    """Is a shape written the way Keras prints it, with a trailing comma for one dimension?"""
    assert fmt_shape(shape) == text


@pytest.mark.parametrize("build", EQUIVALENT_INPUTS.values(), ids=EQUIVALENT_INPUTS.keys())
def test_every_way_of_giving_the_input_passes(build):
    """Does each way of telling Keras the input shape (Input, input_dim, input_shape, build, a call) pass?"""
    model = build()
    checks.assert_input_shape(model, INPUT)
    checks.assert_output_shape(model, (None, 1))


def _subclassed_error():
    return models.message(
        "Your model is a subclass of `keras.Model`", "cannot be checked", "Build it with `keras.Sequential([...])`"
    )


WRONG_INPUTS = {
    "unknown-input": (
        models.unknown_input,
        models.message("Keras does not know your model's input shape yet",
                       "Start the model with `keras.Input(shape=(8,))`"),
    ),
    "wrong-features": (
        lambda: models.reference_sequential(n_features=5),
        models.message("Your model's input shape should be (None, 8); yours is (None, 5).",
                       "Start the model with `keras.Input(shape=(8,))`"),
    ),
    "wrong-features-legacy": (
        lambda: keras.Sequential([layers.Dense(16, activation="relu", input_dim=7), layers.Dense(1)]),
        models.message("should be (None, 8); yours is (None, 7)", "`keras.Input(shape=(8,))`"),
    ),
    "extra-dimension": (
        lambda: keras.Sequential([keras.Input(shape=(1, 8)), layers.Dense(1)]),
        models.message("should be (None, 8); yours is (None, 1, 8)"),
    ),
    "two-inputs": (
        models.two_heads,
        models.message("Your model should have 1 input; it has 2 ('profile', 'scores').",
                       "Give it a single input, `keras.Input(shape=(8,))`"),
    ),
    "subclassed": (models.subclassed, _subclassed_error()),
    "none": (lambda: None, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, fragment", WRONG_INPUTS.values(), ids=WRONG_INPUTS.keys())
def test_a_wrong_input_is_rejected_with_the_fix(build, fragment):
    """Is each model with a wrong or unknown input rejected, with the shape expected, the shape found and the fix?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_input_shape(build(), INPUT)


def test_a_fixed_batch_size_is_checked_when_asked_for():
    """When the expected shape fixes the batch size, is a model that accepts any batch size rejected?"""
    with pytest.raises(AssertionError, match=models.message("should be (32, 8); yours is (None, 8)")):
        checks.assert_input_shape(models.reference_sequential(), (32, models.N_FEATURES))


WRONG_OUTPUTS = {
    "two-units": (
        lambda: models.stack(layers.Dense(16, activation="relu"), layers.Dense(2, activation="softmax")),
        models.message("Your model's output shape should be (None, 1); yours is (None, 2).",
                       "The last layer decides it: give it 1 unit."),
    ),
    "hidden-layer-last": (
        lambda: models.stack(layers.Dense(1, activation="sigmoid"), layers.Dense(16, activation="relu")),
        models.message("should be (None, 1); yours is (None, 16)", "give it 1 unit."),
    ),
    "two-outputs": (
        models.two_heads,
        models.message("Your model should have 1 output; it has 2 ('passed', 'grade').",
                       "End it with a single layer of 1 unit."),
    ),
    "unknown-input": (
        models.unknown_input,
        models.message("Keras does not know your model's input shape yet", "`keras.Input`, given the shape of one example,"),
    ),
    "subclassed": (models.subclassed, _subclassed_error()),
}


@pytest.mark.parametrize("build, fragment", WRONG_OUTPUTS.values(), ids=WRONG_OUTPUTS.keys())
def test_a_wrong_output_is_rejected_with_the_fix(build, fragment):
    """Is each model with a wrong output shape rejected, naming the shape expected, the shape found and the fix?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_output_shape(build(), (None, 1))


def test_the_output_units_are_named_in_the_plural():
    """Does the fix for a three-class output ask for '3 units'?"""
    with pytest.raises(AssertionError, match=models.message("give it 3 units.")):
        checks.assert_output_shape(models.reference_sequential(), (None, 3))


EXAM_INPUTS = {"profile": (None, 5), "scores": (None, 3)}
EXAM_OUTPUTS = {"passed": (None, 1), "grade": (None, 1)}


@pytest.mark.parametrize("build", [models.two_heads, models.two_heads_dict], ids=["lists", "dicts"])
def test_named_shapes_pass_whether_given_as_lists_or_dicts(build):
    """Do the named inputs and outputs pass, whether the model was given them as lists or as dicts?"""
    model = build()
    checks.assert_input_shapes(model, EXAM_INPUTS)
    checks.assert_output_shapes(model, EXAM_OUTPUTS)


def _wide_profile():
    profile, scores = keras.Input(shape=(6,), name="profile"), keras.Input(shape=(3,), name="scores")
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], [layers.Dense(1, name="passed")(x), layers.Dense(1, name="grade")(x)])


def _wide_grade():
    profile, scores = models.exam_inputs()
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], [layers.Dense(1, name="passed")(x), layers.Dense(3, name="grade")(x)])


WRONG_NAMED_SHAPES = {
    "wrong-input-shape": (
        _wide_profile,
        models.message("Input 'profile' should have shape (None, 5); yours has (None, 6).",
                       "Create it with `keras.Input(shape=(5,), name='profile')`."),
    ),
    "unnamed-inputs": (
        models.two_heads_unnamed,
        models.message("Your model has no input named 'profile'; its inputs are named 'input_layer",
                       "Name it when you create it: `keras.Input(shape=..., name='profile')`."),
    ),
    "wrong-output-shape": (
        _wide_grade,
        models.message("Output 'grade' should have shape (None, 1); yours has (None, 3).",
                       "Give the layer that produces it 1 unit."),
    ),
    "unnamed-outputs": (
        lambda: keras.Model(*_unnamed_outputs()),
        models.message("Your model has no output named 'passed'; its outputs are named 'dense",
                       "Name the layer that produces it: `layers.Dense(..., name='passed')`."),
    ),
    "single-output": (
        lambda: models.reference_functional(n_features=5),
        models.message("Your model has no input named 'profile'"),
    ),
}


def _unnamed_outputs():
    profile, scores = models.exam_inputs()
    x = layers.concatenate([profile, scores])
    return [profile, scores], [layers.Dense(1)(x), layers.Dense(1)(x)]


@pytest.mark.parametrize("build, fragment", WRONG_NAMED_SHAPES.values(), ids=WRONG_NAMED_SHAPES.keys())
def test_a_wrong_named_shape_is_rejected_with_the_fix(build, fragment):
    """Is a missing or misshapen named input or output rejected with the names found and the code to fix it?"""
    model = build()
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_input_shapes(model, EXAM_INPUTS)
        checks.assert_output_shapes(model, EXAM_OUTPUTS)
