"""Tests of `checks.assert_compiled`: the optimizer, loss and metrics given to `model.compile(...)`."""

from __future__ import annotations

import keras
import pytest

from autograder import checks

from . import models

EXPECTED = {"loss": "binary_crossentropy", "optimizer": "adam", "metrics": ["accuracy"]}


def _compiled(**settings):
    return lambda: models.compiled(models.reference_sequential(), **settings)


EQUIVALENT_SETTINGS = {
    "strings": _compiled(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
    "loss-alias-bce": _compiled(optimizer="adam", loss="bce", metrics=["accuracy"]),
    "loss-object": _compiled(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"]),
    "loss-function": _compiled(optimizer="adam", loss=keras.losses.binary_crossentropy, metrics=["accuracy"]),
    "optimizer-object": _compiled(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="bce",
                                  metrics=["accuracy"]),
    "optimizer-capitalised": _compiled(optimizer="Adam", loss="bce", metrics=["accuracy"]),
    "metric-acc": _compiled(optimizer="adam", loss="bce", metrics=["acc"]),
    "metric-object": _compiled(optimizer="adam", loss="bce", metrics=[keras.metrics.BinaryAccuracy()]),
    "more-metrics": _compiled(optimizer="adam", loss="bce", metrics=["accuracy", keras.metrics.AUC()]),
    "functional": lambda: models.compiled(models.reference_functional(), optimizer="adam", loss="bce",
                                          metrics=["acc"]),
}


@pytest.mark.parametrize("build", EQUIVALENT_SETTINGS.values(), ids=EQUIVALENT_SETTINGS.keys())
def test_every_spelling_of_the_settings_passes(build):
    """Do the settings pass however they are spelled: aliases, loss and optimizer objects, `acc`?"""
    checks.assert_compiled(build(), **EXPECTED)


def test_expected_settings_may_use_aliases_too():
    """Do expectations written as `loss="bce"`, `metrics=["acc"]` accept the full names?"""
    model = _compiled(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])()
    checks.assert_compiled(model, loss="bce", optimizer="Adam", metrics=["acc"])


def test_unasked_settings_are_not_checked():
    """With only a loss expected, does any optimizer and no metric pass?"""
    checks.assert_compiled(_compiled(optimizer="sgd", loss="bce")(), loss="binary_crossentropy")


MUTANTS = {
    "uncompiled": (
        models.reference_sequential,
        models.message("Your model is not compiled yet. Call `model.compile(optimizer='adam', "
                       "loss='binary_crossentropy', metrics=['accuracy'])` before returning it."),
    ),
    "loss-mse": (
        _compiled(optimizer="adam", loss="mse", metrics=["accuracy"]),
        models.message("Your model's loss should be 'binary_crossentropy'; yours is 'mean_squared_error'. "
                       "Pass `loss='binary_crossentropy'` to `model.compile`."),
    ),
    "loss-object-mse": (
        _compiled(optimizer="adam", loss=keras.losses.MeanSquaredError(), metrics=["accuracy"]),
        models.message("should be 'binary_crossentropy'; yours is 'mean_squared_error'"),
    ),
    "loss-categorical": (
        _compiled(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]),
        models.message("should be 'binary_crossentropy'; yours is 'categorical_crossentropy'"),
    ),
    "no-loss": (
        _compiled(optimizer="adam", metrics=["accuracy"]),
        models.message("Your model's loss should be 'binary_crossentropy'; yours is none."),
    ),
    "optimizer-sgd": (
        _compiled(optimizer="sgd", loss="bce", metrics=["accuracy"]),
        models.message("Your model's optimizer should be 'adam'; yours is 'sgd'. "
                       "Pass `optimizer='adam'` to `model.compile`."),
    ),
    "optimizer-default": (
        _compiled(loss="bce", metrics=["accuracy"]),
        models.message("Your model's optimizer should be 'adam'; yours is 'rmsprop'."),
    ),
    "no-metrics": (
        _compiled(optimizer="adam", loss="bce"),
        models.message("Your model should report the metric 'accuracy'; its metrics are none. "
                       "Pass `metrics=['accuracy']` to `model.compile`, so that training shows it."),
    ),
    "other-metric": (
        _compiled(optimizer="adam", loss="bce", metrics=["mae"]),
        models.message("should report the metric 'accuracy'; its metrics are 'mean_absolute_error'."),
    ),
    "none": (lambda: None, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, fragment", MUTANTS.values(), ids=MUTANTS.keys())
def test_wrong_settings_are_rejected_with_the_fix(build, fragment):
    """Is each wrong setting rejected, naming the setting expected, the one found and the `compile` argument to fix?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_compiled(build(), **EXPECTED)


def test_an_auc_metric_is_not_accuracy():
    """Is a model that reports only AUC rejected when accuracy is expected?"""
    with pytest.raises(AssertionError, match="its metrics are 'auc'"):
        checks.assert_compiled(_compiled(optimizer="adam", loss="bce", metrics=[keras.metrics.AUC()])(),
                               metrics=["accuracy"])


# A model with two outputs: one loss per output, by name.

LOSSES = {"passed": "binary_crossentropy", "grade": "mse"}


def _two_heads(**settings):
    return lambda: models.compiled(models.two_heads(), **settings)


TWO_HEADS_COMPILED = {
    "dict": _two_heads(optimizer="adam", loss={"passed": "bce", "grade": "mean_squared_error"}),
    "list": _two_heads(optimizer="adam", loss=["bce", "mse"]),
    "objects": _two_heads(optimizer="adam", loss={"grade": keras.losses.MeanSquaredError(),
                                                  "passed": keras.losses.BinaryCrossentropy()}),
    "dict-outputs": lambda: models.compiled(models.two_heads_dict(), optimizer="adam",
                                            loss={"passed": "bce", "grade": "mse"}),
}


@pytest.mark.parametrize("build", TWO_HEADS_COMPILED.values(), ids=TWO_HEADS_COMPILED.keys())
def test_one_loss_per_output_passes(build):
    """Do the losses by output pass, given as a dict, a list in output order, or loss objects?"""
    checks.assert_compiled(build(), loss=LOSSES, optimizer="adam")


def test_one_loss_for_all_outputs_passes_a_single_expected_loss():
    """Does a single loss given to a two-output model pass when that one loss is expected?"""
    checks.assert_compiled(_two_heads(optimizer="adam", loss="mse")(), loss="mean_squared_error")


TWO_HEADS_MUTANTS = {
    "one-loss-for-both": (
        _two_heads(optimizer="adam", loss="mse"),
        models.message("The loss of output 'passed' should be 'binary_crossentropy'; yours is 'mean_squared_error'. "
                       "Give each output its loss by name: `model.compile(loss={'passed': 'binary_crossentropy', "
                       "'grade': 'mse'}, ...)`."),
    ),
    "swapped-list": (
        _two_heads(optimizer="adam", loss=["mse", "bce"]),
        models.message("The loss of output 'passed' should be 'binary_crossentropy'; yours is 'mean_squared_error'."),
    ),
    "missing-output": (
        _two_heads(optimizer="adam", loss={"passed": "bce"}),
        models.message("The loss of output 'grade' should be 'mse'; yours is none."),
    ),
}


@pytest.mark.parametrize("build, fragment", TWO_HEADS_MUTANTS.values(), ids=TWO_HEADS_MUTANTS.keys())
def test_wrong_losses_by_output_are_rejected(build, fragment):
    """Is a wrong loss on one output rejected, naming that output and the dict to pass?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_compiled(build(), loss=LOSSES)


def test_two_different_losses_fail_a_single_expected_loss():
    """When one loss is expected for every output, is a model with two different losses rejected, listing both?"""
    with pytest.raises(AssertionError, match=models.message(
        "Your model's loss should be 'bce'; yours is 'binary_crossentropy', 'mean_squared_error'."
    )):
        checks.assert_compiled(_two_heads(optimizer="adam", loss=["bce", "mse"])(), loss="bce")
