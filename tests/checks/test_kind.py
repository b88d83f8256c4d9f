"""Tests of `checks.assert_sequential` and `checks.assert_functional`: which API built the model?"""

from __future__ import annotations

import pytest

from autograder import checks

from . import models

SEQUENTIAL_FORMULATIONS = {
    "list": models.reference_sequential,
    "add": models.added_one_by_one,
    "activation-layers": models.activation_layers,
    "input-dim": models.legacy_input_dim,
    "unknown-input": models.unknown_input,
}


@pytest.mark.parametrize("build", SEQUENTIAL_FORMULATIONS.values(), ids=SEQUENTIAL_FORMULATIONS.keys())
def test_a_sequential_model_passes_assert_sequential(build):
    """Does a `keras.Sequential`, built any way, pass `assert_sequential`?"""
    checks.assert_sequential(build())


NOT_SEQUENTIAL = {
    "functional": (
        models.reference_functional,
        models.message(
            "Your model is a Functional `keras.Model`", "not a `keras.Sequential`",
            "The layers may be right", "create an empty `keras.Sequential` model, then add each layer in order",
        ),
    ),
    "subclassed": (
        models.subclassed,
        models.message("Your model is a subclass of `keras.Model` (TinySubclass), not a `keras.Sequential`",
                       "Build it the Sequential way"),
    ),
    "none": (lambda: None, models.message("returned None instead of a model")),
}


@pytest.mark.parametrize("build, fragment", NOT_SEQUENTIAL.values(), ids=NOT_SEQUENTIAL.keys())
def test_what_is_not_sequential_is_rejected(build, fragment):
    """Is a Functional or subclassed model rejected by `assert_sequential`, with a message that says which it is?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_sequential(build())


@pytest.mark.parametrize(
    "build",
    [models.reference_functional, models.two_heads, models.two_heads_dict, models.siamese_nested],
    ids=["one-input", "two-heads", "dicts", "nested-model"],
)
def test_a_functional_model_passes_assert_functional(build):
    """Does a Functional model, with one input or several, pass `assert_functional`?"""
    checks.assert_functional(build())


NOT_FUNCTIONAL = {
    "sequential": (
        models.reference_sequential,
        models.message("Your model is a `keras.Sequential`, but this exercise asks for a Functional model",
                       "create the inputs with `keras.Input(...)`", "`keras.Model(inputs=..., outputs=...)`"),
    ),
    "subclassed": (
        models.subclassed,
        models.message("Your model is a subclass of `keras.Model` (TinySubclass), not a Functional model",
                       "Build it the Functional way"),
    ),
}


@pytest.mark.parametrize("build, fragment", NOT_FUNCTIONAL.values(), ids=NOT_FUNCTIONAL.keys())
def test_what_is_not_functional_is_rejected(build, fragment):
    """Is a Sequential or subclassed model rejected by `assert_functional`, with the Functional recipe?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_functional(build())
