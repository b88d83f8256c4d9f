"""Tests of `checks.assert_input_names` and `checks.assert_output_names`: data can be passed by name."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder import checks

from . import models

INPUTS = ["profile", "scores"]
OUTPUTS = ["passed", "grade"]


def _dict_outputs_by_layer_name():
    profile, scores = models.exam_inputs()
    x = layers.concatenate([profile, scores])
    passed, grade = layers.Dense(1, name="passed")(x), layers.Dense(1, name="grade")(x)
    return keras.Model([profile, scores], {"passed": passed, "grade": grade})


@pytest.mark.parametrize(
    "build",
    [models.two_heads, models.two_heads_dict, _dict_outputs_by_layer_name],
    ids=["named-layers", "dict-keys", "dict-keys-and-named-layers"],
)
def test_named_inputs_and_outputs_pass(build):
    """Do the names pass, whether the outputs are named layers or the keys of a dict?"""
    model = build()
    checks.assert_input_names(model, INPUTS)
    checks.assert_output_names(model, OUTPUTS)


def test_names_may_be_listed_in_any_order():
    """Do the names pass when listed in another order than the model's?"""
    model = models.two_heads()
    checks.assert_input_names(model, list(reversed(INPUTS)))
    checks.assert_output_names(model, list(reversed(OUTPUTS)))


def _misnamed_input():
    profile, scores = keras.Input(shape=(5,), name="profile"), keras.Input(shape=(3,), name="practice")
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], [layers.Dense(1, name="passed")(x), layers.Dense(1, name="grade")(x)])


WRONG_INPUT_NAMES = {
    "unnamed": (
        models.two_heads_unnamed,
        models.message("Your model should have 2 input(s) named 'profile', 'scores'; yours has 2, named 'input_layer",
                       "Missing: 'profile', 'scores'.",
                       "Name each input when you create it, for example `keras.Input(shape=..., name='profile')`."),
    ),
    "one-misnamed": (
        _misnamed_input,
        models.message("yours has 2, named 'profile', 'practice'. Missing: 'scores'.", "name='scores')`."),
    ),
    "one-input": (
        lambda: models.reference_functional(n_features=5),
        models.message("should have 2 input(s) named 'profile', 'scores'; yours has 1, named 'input_layer"),
    ),
    "unknown-input": (models.unknown_input, models.message("Keras does not know your model's input shape yet")),
    "none": (lambda: None, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, fragment", WRONG_INPUT_NAMES.values(), ids=WRONG_INPUT_NAMES.keys())
def test_wrong_input_names_are_rejected_with_the_fix(build, fragment):
    """Are missing input names rejected, naming the names expected, the names found and how to name an input?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_input_names(build(), INPUTS)


def test_an_extra_input_is_rejected_without_a_missing_list():
    """Is a model with one input too many rejected, with no 'Missing:' when nothing is missing?"""
    with pytest.raises(AssertionError, match="should have 1 input\\(s\\) named 'profile'; yours has 2") as error:
        checks.assert_input_names(models.two_heads(), ["profile"])
    assert "Missing" not in str(error.value)


def _dict_with_other_keys():
    profile, scores = models.exam_inputs()
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], {"pass": layers.Dense(1, name="passed")(x), "mark": layers.Dense(1)(x)})


WRONG_OUTPUT_NAMES = {
    "unnamed": (
        models.two_heads_unnamed,
        models.message("Your model should have 2 output(s) named 'passed', 'grade'; yours has 2, named 'dense",
                       "Missing: 'passed', 'grade'.",
                       "for example `layers.Dense(1, name='passed')`, or pass the outputs as a dict"),
    ),
    "dict-keys-win-over-layer-names": (
        _dict_with_other_keys,
        models.message("yours has 2, named 'mark', 'pass'. Missing: 'passed', 'grade'."),
    ),
    "one-output": (
        lambda: models.reference_functional(n_features=5),
        models.message("should have 2 output(s) named 'passed', 'grade'; yours has 1"),
    ),
}


@pytest.mark.parametrize("build, fragment", WRONG_OUTPUT_NAMES.values(), ids=WRONG_OUTPUT_NAMES.keys())
def test_wrong_output_names_are_rejected_with_the_fix(build, fragment):
    """Are missing output names rejected, naming the names expected and found, and both ways to name an output?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_output_names(build(), OUTPUTS)


def test_a_sequential_model_s_output_is_named_after_its_last_layer():
    """Is a Sequential model's one output named after its last layer?"""
    model = models.stack(layers.Dense(4, activation="relu"), layers.Dense(1, name="passed"))
    checks.assert_output_names(model, ["passed"])
