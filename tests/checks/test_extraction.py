"""Tests of `checks.assert_extracts` and `assert_refuses_unknown_layer`: a feature extractor, right and wrong."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from autograder import checks

from . import models

X = np.linspace(-1, 1, 8 * 4).reshape(4, 8)


def _named():
    return models.stack(layers.Dense(16, activation="relu", name="first"), layers.Dense(8, activation="relu", name="second"),
                        layers.Dense(1, activation="sigmoid", name="answer"))


def by_get_layer(model, name):
    return keras.Model(model.inputs, model.get_layer(name).output)


RIGHT = {
    "sequential": (_named, "second"),
    "sequential-first-layer": (_named, "first"),
    "functional": (models.reference_functional, None),
}


@pytest.mark.parametrize("build, name", RIGHT.values(), ids=RIGHT.keys())
def test_a_right_extractor_passes_on_sequential_and_functional_models(build, name):
    """Does an extractor built from the model's inputs to a layer's output pass, for both kinds of model?"""
    model = build()
    name = name or model.layers[1].name
    checks.assert_extracts(by_get_layer, model, name, X)
    checks.assert_refuses_unknown_layer(by_get_layer, model)


WRONG = {
    "raises": (lambda model, name: (_ for _ in ()).throw(NotImplementedError()), "(not done yet)"),
    "model-input": (lambda model, name: keras.Model(model.input, model.get_layer(name).output),
                    "its `inputs` list works for every kind of model"),
    "the-model-itself": (lambda model, name: model, "returned the model it was given"),
    "a-tensor": (lambda model, name: model.get_layer(name).output, "returned a symbolic tensor"),
    "every-layer": (lambda model, name: keras.Model(model.inputs, [layer.output for layer in model.layers]),
                    "has 3 outputs; it should have one, the output of layer 'second'"),
    "the-last-layer": (lambda model, name: keras.Model(model.inputs, model.layers[-1].output),
                       "gives out (None, 1), but layer 'second' gives out (None, 8)"),
    "new-layers": (lambda model, name: by_get_layer(keras.models.clone_model(model), name),
                   "does not give the activations of layer 'second'"),
}


@pytest.mark.parametrize("extract, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_extractor_is_told_what_is_wrong(extract, fragment):
    """Is each wrong extractor rejected with the message that names the idea to revisit?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        checks.assert_extracts(extract, _named(), "second", X)


def _raises(error):
    def extract(model, name):
        raise error
    return extract


UNKNOWN = {
    "returns": (lambda model, name: None, "returned NoneType for a name the model does not have"),
    "key-error": (_raises(KeyError("nope")), "raised KeyError on the unknown name 'no_such_layer'"),
    "value-error-without-names": (_raises(ValueError("unknown")), "does not list the model's layer names"),
}


@pytest.mark.parametrize("extract, fragment", UNKNOWN.values(), ids=UNKNOWN.keys())
def test_an_unknown_name_must_stop_with_the_names(extract, fragment):
    """For a name the model lacks, are returning, another error, and a ValueError without the names each rejected?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        checks.assert_refuses_unknown_layer(extract, _named())
