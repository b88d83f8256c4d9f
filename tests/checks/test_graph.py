"""Tests of the graph checks: `assert_depends_on` (which output uses which input) and `assert_shared_layer`."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder import checks, describe
from autograder.checks.graph import reachable

from . import models


@pytest.mark.parametrize("build", [models.two_heads, models.two_heads_dict], ids=["named-layers", "dict-keys"])
@pytest.mark.parametrize("output", ["passed", "grade"])
@pytest.mark.parametrize("input_", ["profile", "scores"])
def test_each_output_of_the_joined_model_depends_on_each_input(build, output, input_):
    """Does each output of the reference depend on each input, whether outputs are named layers or dict keys?"""
    checks.assert_depends_on(build(), output=output, input=input_)


def test_a_sequential_output_depends_on_its_input():
    """Does a Sequential model's output depend on its named input?"""
    model = keras.Sequential([keras.Input(shape=(3,), name="features"), layers.Dense(2), layers.Dense(1, name="out")])
    checks.assert_depends_on(model, output="out", input="features")


def test_reachable_follows_the_graph_downstream_only():
    """Does `reachable` list every layer downstream of an input, and nothing upstream or beside it?"""
    desc = describe(models.two_heads_not_joined())
    assert reachable(desc, "profile") == {"passed"}
    assert reachable(desc, "scores") == {"grade"}


NOT_DEPENDING = {
    "passed-without-scores": (
        "passed", "scores",
        models.message("Output 'passed' does not depend on input 'scores': nothing in your graph leads from 'scores' "
                       "to 'passed'.", "Join the inputs before the output layers", "`layers.concatenate([...])`"),
    ),
    "grade-without-profile": (
        "grade", "profile", models.message("Output 'grade' does not depend on input 'profile'"),
    ),
    "unknown-output": (
        "mark", "profile",
        models.message("Your model has no output named 'mark'; its outputs are named 'passed', 'grade'.",
                       "`layers.Dense(..., name='mark')`"),
    ),
    "unknown-input": (
        "passed", "history",
        models.message("Your model has no input named 'history'; its inputs are named 'profile', 'scores'.",
                       "`keras.Input(shape=..., name='history')`"),
    ),
}


@pytest.mark.parametrize("output, input_, fragment", NOT_DEPENDING.values(), ids=NOT_DEPENDING.keys())
def test_an_output_that_ignores_an_input_is_rejected(output, input_, fragment):
    """Is an output computed without an input rejected, naming both and how to join the inputs?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_depends_on(models.two_heads_not_joined(), output=output, input=input_)


@pytest.mark.parametrize(
    "build, fragment",
    [
        (models.unknown_input, "Keras does not know your model's input shape yet"),
        (models.subclassed, "Your model is a subclass of `keras.Model`"),
        (lambda: None, "returned None instead of a model"),
    ],
    ids=["unknown-input", "subclassed", "none"],
)
def test_a_model_without_a_known_graph_is_rejected(build, fragment):
    """Is a model whose graph Keras does not know rejected with the reason, rather than a KeyError?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_depends_on(build(), output="passed", input="profile")


# Shared layers

SHARED = {"layer": models.siamese, "nested-model": models.siamese_nested}


@pytest.mark.parametrize("build", SHARED.values(), ids=SHARED.keys())
def test_a_layer_or_model_called_on_both_inputs_is_shared(build):
    """Does one layer object, or a small model used as a layer, called on each input pass?"""
    model = build()
    checks.assert_shared_layer(model)
    checks.assert_shared_layer(model, inputs=["exam_a", "exam_b"])


def test_a_layer_called_twice_on_one_side_passes_when_no_inputs_are_named():
    """With no inputs named, does any layer called twice count as shared?"""
    checks.assert_shared_layer(models.siamese_one_sided())


NOT_SHARED_MESSAGE = models.message(
    "No layer in your model is used more than once, so no parameters are shared.",
    "Create the layer once", "call that same object on each input",
)

NOT_SHARED = {
    "two-encoders": (models.siamese_two_encoders, ["exam_a", "exam_b"], NOT_SHARED_MESSAGE),
    "sequential": (models.reference_sequential, [], NOT_SHARED_MESSAGE),
    "one-sided": (
        models.siamese_one_sided, ["exam_a", "exam_b"],
        models.message("Your model reuses 'encoder', but not on every one of the inputs 'exam_a', 'exam_b'. "
                       "Call the same layer object on each of them."),
    ),
    "reused-after-join": (
        models.siamese_after_join, ["exam_a", "exam_b"],
        models.message("Your model reuses 'twice', but each call of it sees the inputs 'exam_a', 'exam_b' already "
                       "joined, so nothing is shared between them.",
                       "Call the same layer object on each input on its own, before you join them"),
    ),
    "unknown-input-name": (
        models.siamese, ["exam_a", "exam_c"],
        models.message("Your model has no input named 'exam_c'; its inputs are named 'exam_a', 'exam_b'."),
    ),
    "subclassed": (models.subclassed, [], models.message("Your model is a subclass of `keras.Model`")),
}


@pytest.mark.parametrize("build, inputs, fragment", NOT_SHARED.values(), ids=NOT_SHARED.keys())
def test_a_model_without_a_shared_layer_is_rejected(build, inputs, fragment):
    """Is a model that shares no layer, or shares one on only some inputs, rejected with how to share it?"""
    with pytest.raises(AssertionError, match=fragment):
        checks.assert_shared_layer(build(), inputs=inputs)


def test_a_shared_layer_may_be_followed_by_a_join_and_more_layers():
    """Does an encoder called on each exam still pass when the encodings are joined and go through more layers?"""
    exam_a, exam_b = models.exam_pair()
    encoder = layers.Dense(4, activation="relu")
    x = layers.Dense(4)(layers.concatenate([encoder(exam_a), encoder(exam_b)]))
    checks.assert_shared_layer(keras.Model([exam_a, exam_b], layers.Dense(1)(x)), inputs=["exam_a", "exam_b"])


def test_a_single_named_input_only_needs_to_reach_the_shared_layer():
    """With one input named, does a layer reused after the join pass, since there is nothing to tell apart?"""
    checks.assert_shared_layer(models.siamese_after_join(), inputs=["exam_a"])
