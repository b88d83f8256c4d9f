"""Tests of the checks of a model with several outputs: a loss for each output, and each loss's weight."""

from __future__ import annotations

import keras
import pytest

from autograder.checks.output_losses import assert_loss_weights, assert_output_losses

from . import models

LOSSES = {"passed": "binary_crossentropy", "grade": "mean_squared_error"}
WEIGHTS = {"passed": 1.0, "grade": 0.5}


def _two_heads(**settings):
    return lambda: models.compiled(models.two_heads(), **settings)


RIGHT = {
    "dicts": _two_heads(optimizer="adam", loss={"passed": "binary_crossentropy", "grade": "mse"},
                        loss_weights={"grade": 0.5, "passed": 1.0}),
    "lists": _two_heads(optimizer="adam", loss=["bce", "mean_squared_error"], loss_weights=[1, 0.5]),
    "objects": _two_heads(optimizer=keras.optimizers.Adam(), loss_weights={"passed": 1, "grade": 0.5},
                          loss={"passed": keras.losses.BinaryCrossentropy(), "grade": keras.losses.MeanSquaredError()}),
    "dict-outputs-in-keras-order": lambda: models.compiled(
        models.two_heads_dict(), optimizer="adam", loss=["mse", "bce"], loss_weights=[0.5, 1.0]),
}


@pytest.mark.parametrize("build", RIGHT.values(), ids=RIGHT.keys())
def test_every_way_of_giving_losses_and_weights_passes(build):
    """Do losses and weights pass as dicts by name, lists in output order, strings, aliases or objects?"""
    model = build()
    assert_output_losses(model, LOSSES, optimizer="adam")
    assert_loss_weights(model, WEIGHTS)


def test_a_missing_weight_counts_one_as_in_keras():
    """Does an output left out of `loss_weights` count 1.0, as Keras counts it?"""
    assert_loss_weights(_two_heads(optimizer="adam", loss=LOSSES, loss_weights={"grade": 0.5})(), WEIGHTS)


LOSS_MUTANTS = {
    "uncompiled": (models.two_heads, "Your model is not compiled yet"),
    "sgd": (_two_heads(optimizer="sgd", loss=LOSSES), "Your model's optimizer is 'sgd', but this exercise asks for"),
    "no-optimizer": (_two_heads(loss=LOSSES), "(Keras uses 'rmsprop' when `compile` is given no optimizer)"),
    "one-loss": (_two_heads(optimizer="adam", loss="mse"),
                 "Output 'passed' is trained with 'mean_squared_error'; it needs binary cross-entropy, the loss for a "
                 "yes/no answer. One loss given for the whole model applies to every output."),
    "swapped-list": (_two_heads(optimizer="adam", loss=["mse", "bce"]),
                     "Outputs 'passed' and 'grade' have each other's loss. A list follows the order of the model's "
                     "outputs (`model.output_names`: 'passed', 'grade')"),
    "missing": (_two_heads(optimizer="adam", loss={"passed": "bce"}), "Output 'grade' has no loss"),
    "mae": (_two_heads(optimizer="adam", loss={"passed": "bce", "grade": "mae"}),
            "Output 'grade' is trained with 'mean_absolute_error'; it needs mean squared error"),
}


@pytest.mark.parametrize("build, fragment", LOSS_MUTANTS.values(), ids=LOSS_MUTANTS.keys())
def test_a_wrong_loss_is_rejected_output_by_output(build, fragment):
    """Is each wrong, missing or misplaced loss rejected, naming the output and the kind of loss it needs?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_output_losses(build(), LOSSES, optimizer="adam")


WEIGHT_MUTANTS = {
    "no-weights": (_two_heads(optimizer="adam", loss=LOSSES),
                   "The loss of output 'grade' counts 1 in the total loss (the default: `compile` got no weight for "
                   "it); it should count 0.5."),
    "swapped": (_two_heads(optimizer="adam", loss=LOSSES, loss_weights=[0.5, 1.0]),
                "Outputs 'passed' and 'grade' have each other's loss weight."),
    "list-losses-dict-weights": (_two_heads(optimizer="adam", loss=["bce", "mse"], loss_weights=WEIGHTS),
                                 "with a list of losses, Keras reads a dict of weights as a list too, in the "
                                 "alphabetical order of its names."),
    "other": (_two_heads(optimizer="adam", loss=LOSSES, loss_weights={"passed": 1.0, "grade": 0.1}),
              "The loss of output 'grade' counts 0.1 in the total loss; it should count 0.5."),
    "one-number": (_two_heads(optimizer="adam", loss=LOSSES, loss_weights=0.5),
                   "The loss of output 'passed' counts 0.5 in the total loss; it should count 1."),
}


@pytest.mark.parametrize("build, fragment", WEIGHT_MUTANTS.values(), ids=WEIGHT_MUTANTS.keys())
def test_a_wrong_weight_is_rejected_output_by_output(build, fragment):
    """Is each missing, swapped or wrong weight rejected, naming the output, its weight and the expected one?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_loss_weights(build(), WEIGHTS)
