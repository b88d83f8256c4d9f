"""Tests of `autograder.model.names`: equivalent spellings of activations, losses, optimizers and metrics compare equal."""

from __future__ import annotations

import keras
import pytest

from autograder.model.names import activation_name, loss_name, metric_name, optimizer_name, snake_case


@pytest.mark.parametrize(
    "name, expected",
    [("BinaryCrossentropy", "binary_crossentropy"), ("SGD", "sgd"), ("AdamW", "adam_w"), ("AUC", "auc"),
     ("already_snake", "already_snake")],
)
def test_snake_case_splits_words_not_acronyms(name, expected):
    """Does `snake_case` split a class name at each word, keeping an acronym whole?"""
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("relu", "relu"),
        ("ReLU", "relu"),
        (keras.activations.relu, "relu"),
        (keras.activations.softmax, "softmax"),
        (None, "linear"),
        ("linear", "linear"),
        ({"module": "keras.activations", "class_name": "function", "config": "tanh", "registered_name": "function"},
         "tanh"),
        ({"value": ("code", None, None)}, "custom"),
    ],
    ids=["string", "capitalised", "function", "softmax-function", "none", "linear", "serialized-function",
         "serialized-lambda"],
)
def test_activation_name(value, expected):
    """Does each way of giving an activation read as one lowercase name, and serialized code not as 'linear'?"""
    assert activation_name(value) == expected


def _my_activation(x):
    return x


def test_a_custom_activation_function_keeps_its_own_name():
    """Does a student's own activation function read as its function name?"""
    assert activation_name(_my_activation) == "_my_activation"


@pytest.mark.parametrize(
    "value",
    ["binary_crossentropy", "bce", "BinaryCrossentropy", keras.losses.BinaryCrossentropy(),
     keras.losses.binary_crossentropy,
     {"module": "keras.losses", "class_name": "BinaryCrossentropy", "config": {"name": "renamed"}}],
    ids=["name", "alias", "class-name", "object", "function", "serialized-object"],
)
def test_loss_spellings_agree(value):
    """Do all spellings of binary cross-entropy give `binary_crossentropy`?"""
    assert loss_name(value) == "binary_crossentropy"


@pytest.mark.parametrize(
    "value, expected",
    [("mse", "mean_squared_error"), ("MeanSquaredError", "mean_squared_error"), ("mae", "mean_absolute_error"),
     ("categorical_crossentropy", "categorical_crossentropy"), (None, None)],
)
def test_loss_aliases(value, expected):
    """Are Keras's short loss names read as the full names, and a missing loss as None?"""
    assert loss_name(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("acc", "accuracy"), ("accuracy", "accuracy"), (keras.metrics.BinaryAccuracy(), "binary_accuracy"),
     (keras.metrics.AUC(), "auc"), ("mae", "mean_absolute_error"), (None, None)],
    ids=["acc", "accuracy", "object", "auc", "mae", "none"],
)
def test_metric_name(value, expected):
    """Are metric aliases and objects read as canonical names?"""
    assert metric_name(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("adam", "adam"), ("Adam", "adam"), (keras.optimizers.Adam(), "adam"), (keras.optimizers.RMSprop(), "rmsprop"),
     ({"class_name": "SGD", "config": {}}, "sgd"), (None, None)],
    ids=["name", "capitalised", "object", "rmsprop", "serialized", "none"],
)
def test_optimizer_name(value, expected):
    """Is an optimizer, by name, object or serialization, read as its lowercase class name?"""
    assert optimizer_name(value) == expected
