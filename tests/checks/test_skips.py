"""Tests of `assert_skip_connection`: an addition that reads the model's input and the block's output."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder import spec
from autograder.checks.skips import assert_flat_layers, assert_skip_connection, built

from . import models


def residual(add=lambda a, b: layers.add([a, b]), n: int = 5, named: bool = True) -> keras.Model:
    """Dense(16, relu) -> Dense(n), whose output `add(input, block_output)` adds to the input; then Dense(1)."""
    inputs = keras.Input(shape=(n,), name="features" if named else None)
    block = layers.Dense(n)(layers.Dense(16, activation="relu")(inputs))
    outputs = layers.Dense(1, activation="sigmoid")(add(inputs, block))
    return keras.Model({"features": inputs} if not named else inputs, outputs)


def nested_block() -> keras.Model:
    """The block written as a small Sequential model, used as one layer."""
    inputs = keras.Input(shape=(5,), name="features")
    block = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(16, activation="relu"), layers.Dense(5)], name="block")
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(layers.add([inputs, block(inputs)])))


RIGHT = {
    "nested block": nested_block,
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


def broadcast() -> keras.Model:
    """A block that ends in one unit, added to the input with `+`: Keras broadcasts it, so it builds."""
    inputs = keras.Input(shape=(5,), name="features")
    block = layers.Dense(1)(layers.Dense(16, activation="relu")(inputs))
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(inputs + block))


def input_twice() -> keras.Model:
    """The input added to itself: nothing goes through a block."""
    inputs = keras.Input(shape=(5,), name="features")
    return keras.Model(inputs, layers.Dense(1)(layers.add([inputs, inputs])))


WRONG = {
    "no addition": (plain_chain, "Your model adds no tensors, so it has no skip connection"),
    "hidden tensors": (hidden_skip, "but not the input 'features': its skip connection does not start at the model's input"),
    "broadcast": (broadcast, "adds 'dense"),
    "input twice": (input_twice, "Your addition reads the input 'features', but not the block's output"),
    "input with another name": (models.reference_functional, "Your model has no input named 'features'"),
}


@pytest.mark.parametrize("build, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_model_without_that_skip_connection_is_rejected(build, fragment):
    """Is a model with no addition, an addition of hidden tensors, or of the input to itself rejected, saying why?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_skip_connection(build(), "features")


def test_a_broadcast_addition_is_told_to_match_the_shapes():
    """Is a block of 1 unit added to a 5-feature input with `+` (which Keras broadcasts) told why it is no skip?"""
    with pytest.raises(AssertionError, match=models.message(
        "of shape (None, 1), to the input 'features', of shape (None, 5)", "exactly as many numbers per example",
    )):
        assert_skip_connection(broadcast(), "features")


def build_residual_model(n_features):
    raise NotImplementedError()


def sixteen_wide(n_features):
    inputs = keras.Input(shape=(n_features,), name="features")
    return keras.Model(inputs, layers.add([inputs, layers.Dense(16)(inputs)]))


@pytest.mark.parametrize("function, expected", [
    (build_residual_model, "build_residual_model raised NotImplementedError on n_features=5 (not done yet). Replace"),
    (sixteen_wide, "sixteen_wide raised ValueError on n_features=5: Inputs have incompatible shapes. Received shapes "
                   "(5,) and (16,). If Keras refused the addition, compare the two shapes."),
])
def test_a_builder_that_raises_is_told_what_to_look_at(function, expected):
    """When the student's builder raises, is it said with the argument, and is an addition's shape named?"""
    with pytest.raises(AssertionError, match=models.message(expected)):
        built(function, 5)
    assert built(lambda n: n * 2, 5) == 10


RESIDUAL_LAYERS = [spec.Dense(16, "relu"), spec.Dense(5, None), spec.Layer("Add"), spec.Dense(1, "sigmoid")]


@pytest.mark.parametrize("build", [residual, nested_block, lambda: residual(lambda a, b: a + b)],
                         ids=["inline", "nested block", "plus"])
def test_the_layers_read_the_same_inline_or_in_a_nested_block(build):
    """Do the block's layers count the same whether written inline or as a small Sequential model used as a layer?"""
    assert_flat_layers(build(), RESIDUAL_LAYERS)


@pytest.mark.parametrize("build, fragment", [
    (plain_chain, "Your model should run 4 layers: Dense(16, activation='relu'), Dense(5), Add(), "
                  "Dense(1, activation='sigmoid'). Yours runs 3"),
    (hidden_skip, "Layer 2 should be Dense(5); yours is Dense(16, activation='linear'). Change its units to 5."),
], ids=["no addition", "hidden tensors"])
def test_other_layers_are_named_one_at_a_time(build, fragment):
    """Is a model with a layer too few, or a layer of the wrong width, told which one to change?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_flat_layers(build(), RESIDUAL_LAYERS)
