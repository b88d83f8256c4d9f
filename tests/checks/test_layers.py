"""Tests of `checks.assert_layers` and `checks.effective_layers`: the layers, coarse (how many) to fine (activation)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from autograder import checks, describe, spec

from . import models

REFERENCE_TEXT = "Dense(16, activation='relu'), Dense(8, activation='relu'), Dense(1, activation='sigmoid')"


def _functional_activation_layers():
    inputs = keras.Input(shape=(models.N_FEATURES,))
    x = layers.Activation("relu")(layers.Dense(16)(inputs))
    x = layers.ReLU()(layers.Dense(8)(x))
    return keras.Model(inputs, layers.Activation("sigmoid")(layers.Dense(1)(x)))


EQUIVALENT_LAYERS = {
    "list": models.reference_sequential,
    "add": models.added_one_by_one,
    "activation-functions": models.activation_functions,
    "activation-layers": models.activation_layers,
    "relu-layers": models.relu_layers,
    "input-dim": models.legacy_input_dim,
    "input-shape": models.legacy_input_shape,
    "unknown-input": models.unknown_input,
    "build": models.built_by_build,
    "built-by-call": models.built_by_call,
    "functional": models.reference_functional,
    "functional-activation-layers": _functional_activation_layers,
}


@pytest.mark.parametrize("build", EQUIVALENT_LAYERS.values(), ids=EQUIVALENT_LAYERS.keys())
def test_every_equivalent_formulation_passes(build):
    """Do the layers pass however they are written: a list or `.add()`, activations as strings, functions or layers?"""
    checks.assert_layers(build(), models.REFERENCE_LAYERS)


def test_a_functional_model_with_the_right_layers_passes_layers_but_not_sequential():
    """Does a Functional model with the reference's layers pass `assert_layers`, yet fail `assert_sequential`?"""
    model = models.reference_functional()
    checks.assert_layers(model, models.REFERENCE_LAYERS)
    with pytest.raises(AssertionError, match="Your model is a Functional `keras.Model`"):
        checks.assert_sequential(model)


def _stack(*stack_layers):
    return lambda: models.stack(*stack_layers)


def _dense(units, activation=None):
    return layers.Dense(units, activation=activation)


MUTANTS = {
    "wrong-units": (
        _stack(_dense(32, "relu"), _dense(8, "relu"), _dense(1, "sigmoid")),
        models.message("Layer 1 should be Dense(16, activation='relu'); yours is Dense(32, activation='relu'). "
                       "Change its units to 16."),
    ),
    "wrong-output-activation": (
        _stack(_dense(16, "relu"), _dense(8, "relu"), _dense(1)),
        models.message("Layer 3 should be Dense(1, activation='sigmoid'); yours is Dense(1, activation='linear'). "
                       "Change its activation to 'sigmoid'."),
    ),
    "wrong-hidden-activation": (
        _stack(_dense(16, "relu"), _dense(8, "tanh"), _dense(1, "sigmoid")),
        models.message("Layer 2 should be Dense(8, activation='relu'); yours is Dense(8, activation='tanh'). "
                       "Change its activation to 'relu'."),
    ),
    "leaky-relu-layer": (
        _stack(_dense(16), layers.ReLU(negative_slope=0.1), _dense(8, "relu"), _dense(1, "sigmoid")),
        models.message("Layer 1 should be Dense(16, activation='relu'); yours is Dense(16, activation='leaky_relu')",
                       "Change its activation to 'relu'."),
    ),
    "missing-layer": (
        _stack(_dense(16, "relu"), _dense(1, "sigmoid")),
        models.message(f"Your model should have 3 layers: {REFERENCE_TEXT}. ",
                       "Yours has 2: Dense(16, activation='relu'), Dense(1, activation='sigmoid'). "
                       "Add the missing layer(s)."),
    ),
    "extra-layer": (
        _stack(_dense(16, "relu"), _dense(8, "relu"), _dense(8, "relu"), _dense(1, "sigmoid")),
        models.message("Your model should have 3 layers", "Yours has 4", "Remove the extra layer(s)."),
    ),
    "activation-twice": (
        _stack(_dense(16, "relu"), layers.Activation("relu"), _dense(8, "relu"), _dense(1, "sigmoid")),
        models.message("Yours has 4: Dense(16, activation='relu'), Activation('relu'),", "Remove the extra layer(s)."),
    ),
    "dropout-for-dense": (
        _stack(_dense(16, "relu"), layers.Dropout(0.5), _dense(1, "sigmoid")),
        models.message("Layer 2 should be Dense(8, activation='relu'); yours is Dropout(). Use `layers.Dense` there."),
    ),
    "swapped-layers": (
        _stack(_dense(8, "relu"), _dense(16, "relu"), _dense(1, "sigmoid")),
        models.message("Layer 1 should be Dense(16, activation='relu'); yours is Dense(8, activation='relu')"),
    ),
    "no-layers": (
        lambda: keras.Sequential([keras.Input(shape=(models.N_FEATURES,))]),
        models.message("Yours has 0: no layers. Add the missing layer(s)."),
    ),
    "none": (lambda: None, models.message("returned None instead of a model")),
    "numpy-array": (
        lambda: np.zeros((2, 1)),
        models.message("returned an array of shape (2, 1), not a Keras model"),
    ),
}


@pytest.mark.parametrize("build, fragment", MUTANTS.values(), ids=MUTANTS.keys())
def test_a_wrong_model_is_rejected_with_the_fix(build, fragment):
    """Is each wrong model rejected, with a message naming the layer expected, the layer found and the fix?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_layers(build(), models.REFERENCE_LAYERS)


def test_one_expected_layer_is_counted_in_the_singular():
    """Does a one-layer expectation read '1 layer', not '1 layers'?"""
    with pytest.raises(AssertionError, match=models.message("Your model should have 1 layer: Dense(1, ")):
        checks.assert_layers(models.reference_sequential(), [spec.Dense(1, "sigmoid")])


def test_a_spec_without_units_or_activation_accepts_any():
    """Does `spec.Dense(None, None)` accept any Dense layer, and `spec.Layer` any layer of its class?"""
    model = models.stack(_dense(5, "tanh"), layers.Dropout(0.2), _dense(1, "sigmoid"))
    checks.assert_layers(model, [spec.Dense(None, None), spec.Layer("Dropout"), spec.Dense(1, "sigmoid")])


def test_an_expected_activation_may_be_given_as_a_function():
    """Does an expectation written with `keras.activations.relu` accept a layer written with `"relu"`?"""
    expected = [spec.Dense(16, keras.activations.relu), spec.Dense(8, "relu"), spec.Dense(1, "sigmoid")]
    checks.assert_layers(models.reference_sequential(), expected)


def test_an_activation_layer_is_not_folded_into_a_dense_that_feeds_other_layers():
    """When a Dense layer feeds both an activation and another layer, is the activation kept as a layer of its own?"""
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(4)(inputs)
    x = layers.concatenate([layers.ReLU()(hidden), hidden])
    found = checks.effective_layers(describe(keras.Model(inputs, layers.Dense(1)(x))))
    assert [layer.class_name for layer in found] == ["Dense", "ReLU", "Concatenate", "Dense"]
    assert found[0].activation == "linear"


def test_an_activation_layer_is_not_folded_into_a_dense_with_its_own_activation():
    """Is `Activation` after `Dense(..., activation="relu")` kept, rather than replacing the Dense's activation?"""
    found = checks.effective_layers(describe(models.stack(_dense(4, "relu"), layers.Activation("sigmoid"))))
    assert [str(layer) for layer in found] == ["Dense(4, activation='relu')", "Activation('sigmoid')"]


def test_folding_an_activation_keeps_its_output_shape():
    """Does a folded Dense-plus-activation keep the output shape of the activation layer?"""
    found = checks.effective_layers(describe(models.activation_layers()))
    assert [layer.output_shape for layer in found] == [(None, 16), (None, 8), (None, 1)]
