"""Tests of `checks.assert_predictions`: the model predicts on the data, finite numbers, in the expected range."""

from __future__ import annotations

import numpy as np
import pytest
from keras import layers

from autograder import checks

from . import models

X = np.ones((4, models.N_FEATURES), dtype="float32")
EXAMS = {"profile": np.ones((4, 5), dtype="float32"), "scores": np.ones((4, 3), dtype="float32")}


def _constant(model, value):
    """`model` with every weight set to `value`, so that its predictions are known in advance."""
    model.set_weights([np.full_like(w, value) for w in model.get_weights()])
    return model


def test_probabilities_from_a_sigmoid_pass():
    """Does the reference, which ends with a sigmoid, predict finite numbers between 0 and 1?"""
    checks.assert_predictions(models.reference_sequential(), X, low=0, high=1)


def test_dict_input_passes_for_a_model_with_named_inputs():
    """Does a model with two named inputs predict on a dict of arrays by input name?"""
    checks.assert_predictions(models.two_heads(), EXAMS)


MUTANTS = {
    "linear-output": (
        lambda: _constant(models.stack(layers.Dense(1)), 1.0), X,
        models.message("Your model's predictions (output) should lie between 0 and 1; yours range from 9 to 9.",
                       "For probabilities, end with a sigmoid (one unit) or a softmax (one unit per class)."),
    ),
    "nan-weights": (
        lambda: _constant(models.reference_sequential(), np.nan), X,
        models.message("Some of your model's predictions (output) are NaN or infinite.",
                       "Check the activations"),
    ),
    "wrong-input-shape": (
        lambda: models.reference_sequential(n_features=5), X,
        models.message("Your model takes inputs of shape (None, 5), but the data has shape (4, 8). "
                       "Start the model with `keras.Input(shape=(8,))`, so that it takes every feature of the data."),
    ),
    "dict-missing-an-input": (
        models.two_heads, {"profile": EXAMS["profile"]},
        models.message("Your model could not predict on a batch of a dict of inputs ('profile': (4, 5)): ",
                       "Check that its input shape (and, for several inputs, their names) matches the data."),
    ),
    "dict-for-one-input": (
        models.reference_sequential, {"features": X},
        models.message("Your model could not predict on a batch of a dict of inputs ('features': (4, 8)): "),
    ),
    "unknown-input": (
        models.unknown_input, X, models.message("Keras does not know your model's input shape yet"),
    ),
    "none": (lambda: None, X, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, x, fragment", MUTANTS.values(), ids=MUTANTS.keys())
def test_bad_predictions_are_rejected_with_the_fix(build, x, fragment):
    """Are predictions out of range, NaN, or impossible rejected, saying what was found and what to check?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_predictions(build(), x, low=0, high=1)


def test_one_bound_is_phrased_as_one_bound():
    """With only a lower bound, does the message ask for 'at least' rather than 'between 0 and None'?"""
    model = _constant(models.stack(layers.Dense(1)), -1.0)
    with pytest.raises(AssertionError, match=models.message("should be at least 0; yours range from -9 to -9.")):
        checks.assert_predictions(model, X, low=0)


def test_a_wrong_output_is_named_by_its_dict_key():
    """With several outputs, does the message name the output whose predictions are out of range?"""
    model = _constant(models.two_heads_dict(), 1.0)  # `grade` is linear: 4 x (8 + 1) + 1 = 37
    with pytest.raises(AssertionError, match=models.message("predictions (grade) should lie between 0 and 1")):
        checks.assert_predictions(model, EXAMS, low=0, high=1)


def test_a_wrong_output_of_a_list_is_named_by_its_layer():
    """When the outputs are a list, is the wrong one named after its output layer rather than by position?"""
    model = _constant(models.two_heads(), 1.0)
    with pytest.raises(AssertionError, match=models.message("predictions (grade) should lie between 0 and 1")):
        checks.assert_predictions(model, EXAMS, low=0, high=1)


def test_a_keras_error_reaches_the_student_without_terminal_colours():
    """When Keras cannot predict, is its error passed on as plain text, without colour codes or argument dumps?"""
    with pytest.raises(AssertionError) as error:
        checks.assert_predictions(models.two_heads(), {"profile": EXAMS["profile"]})
    text = str(error.value)
    assert "\x1b[" not in text and "Arguments received" not in text and "Exception encountered" not in text
