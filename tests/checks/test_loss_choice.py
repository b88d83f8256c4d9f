"""Tests of `checks.assert_compiled_for_output`: the loss must fit the output layer, and the message never names it."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder import checks
from autograder.model.names import loss_name

from . import models


def _compiled(activation="sigmoid", units=1, **settings):
    model = models.stack(layers.Dense(4, activation="relu"), layers.Dense(units, activation=activation))
    return models.compiled(model, **settings) if settings else model


FITTING = {
    "sigmoid-bce": _compiled(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
    "sigmoid-bce-object": _compiled(optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(),
                                    metrics=["acc"]),
    "softmax-sparse": _compiled("softmax", 3, optimizer="adam", loss="sparse_categorical_crossentropy",
                                metrics=["accuracy"]),
    "linear-mse": _compiled(None, 1, optimizer="adam", loss="mse", metrics=["accuracy"]),
}


@pytest.mark.parametrize("model", FITTING.values(), ids=FITTING.keys())
def test_a_loss_that_fits_the_output_passes(model):
    """Does each output pass with a loss made for what it gives, however the loss is spelled?"""
    checks.assert_compiled_for_output(model)


WRONG = {
    "not-compiled": (_compiled(), "Your model is not compiled yet."),
    "mse-for-a-probability": (_compiled(optimizer="adam", loss="mse", metrics=["accuracy"]),
                              models.message("ends in 'sigmoid': it answers with one probability of \"yes\".",
                                             "Its loss is 'mean_squared_error', which is made for a plain number.",
                                             "Pick the loss that \"How wrong is an answer?\" pairs")),
    "bce-for-classes": (_compiled("softmax", 3, optimizer="adam", loss="bce", metrics=["accuracy"]),
                        "which is made for one probability of \"yes\""),
    "sgd": (_compiled(optimizer="sgd", loss="bce", metrics=["accuracy"]), "optimizer should be 'adam'; yours is 'sgd'"),
    "no-metric": (_compiled(optimizer="adam", loss="bce"), "should report its 'accuracy' while it learns"),
}


@pytest.mark.parametrize("model, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_setting_is_named_and_a_wrong_loss_is_not_corrected(model, fragment):
    """Is each wrong setting rejected with its message, and does no message name a loss the model was not given?"""
    with pytest.raises(AssertionError, match=fragment) as raised:
        checks.assert_compiled_for_output(model)
    right = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}
    given = loss_name(getattr(model, "loss", None))
    assert all(loss not in str(raised.value) for loss in right.values() if loss != given)
