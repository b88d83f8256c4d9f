"""Tests of `checks.assert_freezes_all_but_last` and `assert_training_moves_only_last`."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autograder import checks

from . import models

X, Y = np.linspace(-1, 1, 4 * 8).reshape(4, 8), np.full((4, 1), 0.5)


def reference(model):
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.layers[-1].trainable = True
    return model


@pytest.mark.parametrize("build", [models.reference_sequential, models.reference_functional],
                         ids=["sequential", "functional"])
def test_freezing_all_but_the_last_layer_passes(build):
    """Does the reference pass on a Sequential model and on a Functional one (whose layers hold an InputLayer)?"""
    model = build()
    checks.assert_freezes_all_but_last(reference, model)
    checks.assert_training_moves_only_last(model, X, Y)


def _whole_model(model):
    model.trainable = False
    model.layers[-1].trainable = True
    return model


def _every_layer(model):
    for layer in model.layers:
        layer.trainable = False
    return model


def _a_copy(model):
    return reference(keras.models.clone_model(model))


WRONG = {
    "every-layer": (_every_layer, "is frozen too. Keep it trainable"),
    "whole-model": (_whole_model, "The model itself is frozen"),
    "first-only": (lambda model: (setattr(model.layers[0], "trainable", False), model)[1],
                   "These layers are still trainable: ['dense"),
    "a-copy": (_a_copy, "returned another model object"),
    "nothing-returned": (lambda model: None, "returned None"),
}


@pytest.mark.parametrize("freeze, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_freeze_is_told_what_is_wrong(freeze, fragment):
    """Is each wrong way of freezing rejected with the message that names the idea?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        checks.assert_freezes_all_but_last(freeze, models.reference_sequential())


def test_training_catches_a_layer_left_trainable_and_a_frozen_last_layer():
    """Does training a model with a middle layer left trainable, or with every layer frozen, fail with the layer?"""
    half = models.reference_sequential()
    half.layers[0].trainable = False
    with pytest.raises(AssertionError, match="Training changed the weights of layer 'dense"):
        checks.assert_training_moves_only_last(half, X, Y)
    frozen = _every_layer(models.reference_sequential())
    with pytest.raises(AssertionError, match="as it was; it should learn"):
        checks.assert_training_moves_only_last(frozen, X, Y)
