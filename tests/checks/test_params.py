"""Tests of `checks.assert_param_count`: the total number of weights."""

from __future__ import annotations

import pytest
from keras import layers

from autograder import checks

from . import models


@pytest.mark.parametrize(
    "build",
    [models.reference_sequential, models.activation_layers, models.legacy_input_dim, models.built_by_call,
     models.reference_functional],
    ids=["reference", "activation-layers", "input-dim", "built-by-call", "functional"],
)
def test_the_reference_count_passes(build):
    """Does every formulation of the reference have its 289 weights?"""
    checks.assert_param_count(build(), models.REFERENCE_PARAMS)


def test_non_trainable_weights_count_too():
    """Are a BatchNormalization layer's moving averages counted, as `model.count_params()` counts them?"""
    model = models.stack(layers.BatchNormalization(), layers.Dense(1))
    checks.assert_param_count(model, 4 * models.N_FEATURES + models.N_FEATURES + 1)


def test_a_shared_layer_counts_once():
    """Are a shared layer's weights counted once, although it is called twice?"""
    checks.assert_param_count(models.siamese(), (4 + 1) * 4 + (8 + 1) * 1)


MUTANTS = {
    "wrong-units": (
        lambda: models.stack(layers.Dense(32, activation="relu"), layers.Dense(8, activation="relu"),
                             layers.Dense(1, activation="sigmoid")),
        models.message("Your model should have 289 parameters; yours has 561 (dense",
                       "a weight for each input and unit, and a bias for each unit", "`model.summary()`"),
    ),
    "missing-layer": (
        lambda: models.stack(layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")),
        models.message("should have 289 parameters; yours has 161 (", ": 144, ", ": 17)"),
    ),
    "wrong-input": (
        lambda: models.reference_sequential(n_features=5),
        models.message("should have 289 parameters; yours has 241"),
    ),
    "unknown-input": (
        models.unknown_input,
        models.message("Keras does not know your model's input shape yet", "`keras.Input`"),
    ),
    "none": (lambda: None, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, fragment", MUTANTS.values(), ids=MUTANTS.keys())
def test_a_wrong_count_is_rejected_with_each_layer_s_count(build, fragment):
    """Is a wrong total rejected, with the total expected, the total found per layer, and how to count?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_param_count(build(), models.REFERENCE_PARAMS)
