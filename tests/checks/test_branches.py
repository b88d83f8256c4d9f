"""Tests of the branch checks: each input through a Dense layer of its own, then the branches concatenated."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder.checks.branches import assert_joined_by_concatenation, assert_own_branch

from . import models

INPUTS = ("profile", "practice_scores")


def _inputs():
    return keras.Input(shape=(5,), name="profile"), keras.Input(shape=(3,), name="practice_scores")


def reference():
    """Each input through its own Dense(8, relu), the two concatenated, one sigmoid output."""
    profile, practice = _inputs()
    joined = layers.concatenate([layers.Dense(8, activation="relu")(profile),
                                 layers.Dense(8, activation="relu")(practice)])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(joined))


def activation_layers_and_class_join():
    """The branches as Dense then Activation layers, joined by `layers.Concatenate()`, a Dense after the join."""
    profile, practice = _inputs()
    a = layers.Activation("relu")(layers.Dense(8)(profile))
    b = layers.ReLU()(layers.Dense(8)(practice))
    x = layers.Dense(4, activation=keras.activations.relu)(layers.Concatenate()([b, a]))
    passed = layers.Activation("sigmoid", name="passed")(layers.Dense(1)(x))
    return keras.Model({"practice_scores": practice, "profile": profile}, {"passed": passed})


def joined_raw():
    """A mutant: the raw inputs are concatenated at once."""
    profile, practice = _inputs()
    x = layers.Dense(8, activation="relu")(layers.concatenate([profile, practice]))
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))


def one_branch_shared():
    """A mutant: one Dense object called on both inputs (they have the same size here)."""
    profile, practice = keras.Input(shape=(4,), name="profile"), keras.Input(shape=(4,), name="practice_scores")
    branch = layers.Dense(8, activation="relu")
    x = layers.concatenate([branch(profile), branch(practice)])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))


def branch(units=8, activation="relu", join=layers.concatenate, skip=False):
    """A model with one branch per input, with these settings: a mutant unless they are the reference's."""
    profile, practice = _inputs()
    a = layers.Dense(units, activation=activation)(profile)
    b = layers.Dense(8, activation="relu")(practice)
    parts = [a, b, profile] if skip else [a, b]
    joined = join(parts) if join is not layers.add else layers.add([a, b])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(joined))


def output_beside_the_join():
    """A mutant: the branches are concatenated, but the output is computed from one branch only."""
    profile, practice = _inputs()
    a, b = layers.Dense(8, activation="relu")(profile), layers.Dense(8, activation="relu")(practice)
    joined = layers.concatenate([a, b])
    return keras.Model([profile, practice], [layers.Dense(1, activation="sigmoid", name="passed")(a),
                                             layers.Dense(1, name="other")(joined)])


@pytest.mark.parametrize("build", [reference, activation_layers_and_class_join], ids=["reference", "layers"])
def test_every_way_of_writing_the_branches_passes(build):
    """Do branches pass whether the activation is an argument, a function or a layer, and the join a function or a
    layer, with dict inputs and outputs and a Dense layer after the join?"""
    model = build()
    for name in INPUTS:
        assert_own_branch(model, name, units=8, activation="relu")
    assert_joined_by_concatenation(model, INPUTS, "passed")


BRANCH_MUTANTS = {
    "joined-raw": (joined_raw, "The input 'profile' goes straight into 'concatenate"),
    "shared-branch": (one_branch_shared, "that reads 'profile' also reads 'practice_scores': it is shared, so 'profile' has no branch of its own"),
    "wide-branch": (lambda: branch(units=16), "has 16 units; it should have 8 units."),
    "linear-branch": (lambda: branch(activation=None), "applies no activation; it should apply 'relu'."),
    "raw-input-too": (lambda: branch(skip=True), "The input 'profile' is read by 2 layers"),
    "unknown-input": (models.siamese, "Your model has no input named 'profile'"),
}


@pytest.mark.parametrize("build, fragment", BRANCH_MUTANTS.values(), ids=BRANCH_MUTANTS.keys())
def test_an_input_without_a_branch_of_its_own_is_rejected(build, fragment):
    """Is each input that skips its branch, shares it, or has the wrong units or activation rejected, naming it?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        for name in INPUTS:
            assert_own_branch(build(), name, units=8, activation="relu")


JOIN_MUTANTS = {
    "added": (lambda: branch(join=layers.add), "joins the branches of 'profile' and 'practice_scores' with Add"),
    "output-beside": (output_beside_the_join, "The output 'passed' is not computed from the concatenation"),
}


@pytest.mark.parametrize("build, fragment", JOIN_MUTANTS.values(), ids=JOIN_MUTANTS.keys())
def test_branches_not_concatenated_before_the_output_are_rejected(build, fragment):
    """Are branches added rather than concatenated, or an output that skips the join, rejected with the reason?"""
    with pytest.raises(AssertionError, match=models.message(fragment)):
        assert_joined_by_concatenation(build(), INPUTS, "passed")


def test_branches_never_joined_are_rejected():
    """Is a model whose two inputs never meet rejected, saying that nothing joins them?"""
    with pytest.raises(AssertionError, match="Nothing in your model joins the branches of 'profile' and 'scores'"):
        assert_joined_by_concatenation(models.two_heads_not_joined(), ("profile", "scores"), "passed")
