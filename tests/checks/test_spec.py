"""Tests of `autograder.model.spec`: expected layers written the way a student writes them."""

from __future__ import annotations

import keras
import pytest

from autograder import spec


@pytest.mark.parametrize(
    "expected, text",
    [
        (spec.Dense(16, "relu"), "Dense(16, activation='relu')"),
        (spec.Dense(1), "Dense(1, activation='linear')"),
        (spec.Dense(4, None), "Dense(4)"),
        (spec.Dense(None, "sigmoid"), "Dense(..., activation='sigmoid')"),
        (spec.Layer("Dropout"), "Dropout()"),
        (spec.LayerSpec("Activation", activation="relu"), "Activation('relu')"),
    ],
)
def test_a_spec_reads_like_the_keras_code(expected, text):
    """Does an expected layer print the way a student would write it?"""
    assert str(expected) == text


def test_an_activation_given_as_a_function_is_read_as_its_name():
    """Does `spec.Dense(16, keras.activations.relu)` expect the same layer as `spec.Dense(16, "relu")`?"""
    assert spec.Dense(16, keras.activations.relu) == spec.Dense(16, "relu")
    assert spec.Dense(16, "ReLU") == spec.Dense(16, "relu")
