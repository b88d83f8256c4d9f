"""Tests of `checks.assert_summary`, `assert_hidden_activation` and `assert_output_meaning`: a model read as the
`summary()` table an exercise expects, and what its answer means."""

from __future__ import annotations

import pytest
from keras import layers

from autograder import checks

from . import models

ROWS = [("Dense", (None, 16), 144), ("Dense", (None, 8), 136), ("Dense", (None, 1), 9)]

EQUIVALENT_MODELS = {
    "reference": models.reference_sequential,
    "added-one-by-one": models.added_one_by_one,
    "activation-layers": models.activation_layers,
    "activation-functions": models.activation_functions,
    "legacy-input-dim": models.legacy_input_dim,
    "functional": models.reference_functional,
}


@pytest.mark.parametrize("build", EQUIVALENT_MODELS.values(), ids=EQUIVALENT_MODELS.keys())
def test_every_formulation_of_the_reference_reads_as_the_expected_summary(build):
    """Does the reference pass however it is written: add() or a list, separate Activation layers, input_dim?"""
    model = build()
    checks.assert_summary(model, ROWS)
    checks.assert_hidden_activation(model, "relu")
    checks.assert_output_meaning(model, "probability")


WRONG_SUMMARIES = {
    "missing-layer": (lambda: models.stack(layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")),
                      models.message("The expected summary has 3 layers (Dense (None, 16) 144;",
                                     "yours has 2 (Dense (None, 16) 144; Dense (None, 1) 17).", "Add the missing")),
    "wrong-units": (lambda: models.stack(layers.Dense(16, activation="relu"), layers.Dense(4, activation="relu"),
                                         layers.Dense(1, activation="sigmoid")),
                    models.message("Layer 2 should read Dense (None, 8) 136", "yours reads Dense (None, 4) 68.",
                                   "Change its units to 8.")),
    "no-bias": (lambda: models.stack(layers.Dense(16, activation="relu", use_bias=False),
                                     layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")),
                models.message("Layer 1 should read Dense (None, 16) 144", "yours reads Dense (None, 16) 128.",
                               "plus one bias per unit")),
    "wrong-class": (lambda: models.stack(layers.Dense(16, activation="relu"), layers.Dropout(0.1),
                                         layers.Dense(1, activation="sigmoid")),
                    models.message("Layer 2 should read Dense (None, 8) 136", "yours reads Dropout (None, 16) 0.",
                                   "Use `layers.Dense` there.")),
    "no-input": (models.unknown_input, models.message("Start the model with `keras.Input")),
}


@pytest.mark.parametrize("build, fragment", WRONG_SUMMARIES.values(), ids=WRONG_SUMMARIES.keys())
def test_a_model_off_the_expected_summary_is_told_which_row_and_column(build, fragment):
    """Is each model that differs from the expected table rejected with the row and column that differ?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_summary(build(), ROWS)


def test_a_hidden_layer_with_another_activation_is_named():
    """Is a hidden layer with the wrong activation named, with the activation the exercise asked for?"""
    model = models.stack(layers.Dense(16, activation="tanh"), layers.Dense(8, activation="relu"),
                         layers.Dense(1, activation="sigmoid"))
    with pytest.raises(AssertionError, match="Layer 1 is a hidden layer, so it should use 'relu'; yours uses 'tanh'."):
        checks.assert_hidden_activation(model, "relu")


def _ending(units, activation):
    return models.stack(layers.Dense(4, activation="relu"), layers.Dense(units, activation=activation))


WRONG_MEANINGS = {
    "linear-for-probability": (_ending(1, None), "probability",
                               models.message("should be one probability of \"yes\"", "applies 'linear'",
                                              "Lesson 2 (\"The output layer\")")),
    "softmax-on-one-unit": (_ending(1, "softmax"), "probability", "so one unit always answers 1.0"),
    "sigmoid-for-classes": (_ending(3, "sigmoid"), "class probabilities",
                            "together they need not add up to 1"),
    "sigmoid-for-a-number": (_ending(1, "sigmoid"), "number", "applies 'sigmoid', which gives a probability"),
}


@pytest.mark.parametrize("model, meaning, fragment", WRONG_MEANINGS.values(), ids=WRONG_MEANINGS.keys())
def test_an_output_that_does_not_give_the_answer_names_the_idea_not_the_activation(model, meaning, fragment):
    """Is an output layer that gives the wrong kind of answer rejected, pointing to lesson 2, without the fix?"""
    with pytest.raises(AssertionError, match=fragment) as raised:
        checks.assert_output_meaning(model, meaning)
    wanted = {"probability": "sigmoid", "class probabilities": "softmax", "number": "linear"}[meaning]
    assert f"'{wanted}'" not in str(raised.value)


def test_the_three_meanings_pass_with_their_output_layers():
    """Do sigmoid, softmax and linear outputs pass as a probability, class probabilities and a number?"""
    checks.assert_output_meaning(_ending(1, "sigmoid"), "probability")
    checks.assert_output_meaning(_ending(3, "softmax"), "class probabilities")
    checks.assert_output_meaning(models.stack(layers.Dense(3), layers.Activation("softmax")), "class probabilities")
    checks.assert_output_meaning(_ending(1, None), "number")
    with pytest.raises(ValueError, match="unknown meaning"):
        checks.assert_output_meaning(_ending(1, None), "grade")
