"""Tests of `assert_skip_connection`: an addition that reads the model's input and the block's output."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder.checks.skips import assert_skip_connection

from . import models


def residual(add=lambda a, b: layers.add([a, b]), n: int = 5, named: bool = True) -> keras.Model:
    """Dense(16, relu) -> Dense(n), whose output `add(input, block_output)` adds to the input; then Dense(1)."""
    inputs = keras.Input(shape=(n,), name="features" if named else None)
    block = layers.Dense(n)(layers.Dense(16, activation="relu")(inputs))
    outputs = layers.Dense(1, activation="sigmoid")(add(inputs, block))
    return keras.Model({"features": inputs} if not named else inputs, outputs)


RIGHT = {
    "layers.add": residual,
    "Add()": lambda: residual(lambda a, b: layers.Add()([a, b])),
    "block first": lambda: residual(lambda a, b: layers.Add()([b, a])),
    "ops.add": lambda: residual(lambda a, b: keras.ops.add(a, b)),
    "plus": lambda: residual(lambda a, b: a + b),
    "input named by a dict key": lambda: residual(named=False),
}


@pytest.mark.parametrize("build", RIGHT.values(), ids=RIGHT.keys())
def test_every_way_to_add_the_input_to_the_block_passes(build):
    """Does an addition of the input and the block's output pass, however it is written?"""
    assert_skip_connection(build(), "features")


def plain_chain() -> keras.Model:
    inputs = keras.Input(shape=(5,), name="features")
    x = layers.Dense(5)(layers.Dense(16, activation="relu")(inputs))
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def hidden_skip() -> keras.Model:
    """The lesson's demo: two hidden tensors added, the input left out."""
    inputs = keras.Input(shape=(5,), name="features")
    x = layers.Dense(16, activation="relu")(inputs)
    return keras.Model(inputs, layers.Dense(1)(layers.add([x, layers.Dense(16)(x)])))


def input_twice() -> keras.Model:
    """The input added to itself: nothing goes through a block."""
    inputs = keras.Input(shape=(5,), name="features")
    return keras.Model(inputs, layers.Dense(1)(layers.add([inputs, inputs])))


WRONG = {
    "no addition": (plain_chain, "Your model adds no tensors, so it has no skip connection"),
    "hidden tensors": (hidden_skip, "but not the input 'features': its skip connection does not start at the model's input"),
    "input twice": (input_twice, "Your addition reads the input 'features', but not the block's output"),
    "input with another name": (models.reference_functional, "Your model has no input named 'features'"),
}


@pytest.mark.parametrize("build, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_model_without_that_skip_connection_is_rejected(build, fragment):
    """Is a model with no addition, an addition of hidden tensors, or of the input to itself rejected, saying why?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_skip_connection(build(), "features")
