"""Tests of `assert_refusals`: a student's function must raise ValueError, with a message that says why."""

from __future__ import annotations

import pytest

from autograder.checks.refusals import REASONS, Refusal, assert_refusals, names_the_reason

from . import models

CASES = [
    Refusal("a model with two inputs", "two inputs", "several inputs"),
    Refusal("a model that applies one Dense layer twice", "twice", "a layer applied twice"),
    Refusal("a model with a skip connection", "skip", "a branch or a skip connection"),
]
WHY = {"two inputs": "it has 2 inputs", "twice": "layer 'dense' is shared: it is called 2 times",
       "skip": "'dense' feeds two layers: a skip connection"}


def right(model):
    raise ValueError(WHY[model])


class NotAStack(ValueError):
    pass


def own_class(model):
    raise NotAStack(WHY[model])


@pytest.mark.parametrize("function", [right, own_class], ids=["ValueError", "subclass"])
def test_a_function_that_says_why_passes(function):
    """Does a function that raises ValueError (or a subclass) naming each reason pass?"""
    assert_refusals(function, CASES)


def returns(model):
    return "a model"


def functional_to_sequential(model):
    raise NotImplementedError()


def type_error(model):
    raise TypeError("bad")


def silent(model):
    raise ValueError()


def chain_first(model):
    raise ValueError("the model is not a plain chain" if model != "two inputs" else WHY[model])


def one_for_all(model):
    raise ValueError("several inputs, several outputs, a layer applied twice, or a branch or a skip connection")


WRONG = {
    "returns": (returns, "returns returned str for a model with two inputs; it should raise ValueError instead, "
                         "because a Sequential model cannot have several inputs."),
    "not done": (functional_to_sequential, "functional_to_sequential raised NotImplementedError on a model with two "
                                           "inputs (not done yet). Replace `raise NotImplementedError()`"),
    "other error": (type_error, "type_error raised TypeError on a model with two inputs: bad. Raise ValueError there"),
    "no message": (silent, "silent raised ValueError for a model with two inputs, but its message does not say why: "
                           "it has no message. Name what rules a Sequential model out here: several inputs."),
    "chain before calls": (chain_first, "raised ValueError for a model that applies one Dense layer twice, but its "
                                        "message does not say why: 'the model is not a plain chain'. Name what rules "
                                        "a Sequential model out here: a layer applied twice. A layer applied twice "
                                        "also breaks the chain"),
    "one message for all": (one_for_all, "one_for_all gives the same message for every model it refuses"),
}


@pytest.mark.parametrize("function, expected", WRONG.values(), ids=WRONG.keys())
def test_a_function_that_does_not_refuse_or_say_why_fails(function, expected):
    """Is a function that returns, raises another error, says nothing, gives the wrong reason, or lists every
    reason rejected with a message that names the fix?"""
    with pytest.raises(AssertionError, match=models.message(expected)):
        assert_refusals(function, CASES)


def test_each_reason_is_named_by_its_own_words():
    """Does the reason of each everyday message read as that reason, and an unknown reason get refused?"""
    assert names_the_reason("This model has 2 inputs", "several inputs")
    assert names_the_reason("It has two OUTPUTS", "several outputs")
    assert names_the_reason("dense_3 is applied more than once", "a layer applied twice")
    assert not names_the_reason("dense_3 is applied more than once", "a branch or a skip connection")
    assert set(REASONS) == {"several inputs", "several outputs", "a layer applied twice", "a branch or a skip connection"}
    with pytest.raises(ValueError, match="unknown reason"):
        Refusal("a model", None, "too big")
