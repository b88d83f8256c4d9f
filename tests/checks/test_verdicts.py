"""Tests of `assert_verdicts`: a student's yes/no function judged on models whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.verdicts import Case, assert_verdicts

CASES = [
    Case("a plain stack", "stack", True, "it is a chain."),
    Case("a model with two inputs", "two inputs", False, "a Sequential model has one input."),
]


def right(model):
    return model == "stack"


def test_a_right_function_passes_with_plain_or_numpy_booleans():
    """Does a function that answers every case right pass, whether it returns bool or numpy.bool_?"""
    assert_verdicts(right, CASES)
    assert_verdicts(lambda m: np.bool_(m == "stack"), CASES)


def always_true(model):
    return True


def in_words(model):
    return "yes"


def broken(model):
    raise KeyError("inputs")


def can_be_sequential(model):
    raise NotImplementedError()


def silent(model):
    raise ValueError()


WRONG = {
    "wrong-answer": (always_true, "always_true returned True for a model with two inputs; it should return False: "
                                  "a Sequential model has one input."),
    "string": (in_words, "in_words returned 'yes' (a str) for a plain stack; return True or False"),
    "none": (lambda m: None, "returned None (a NoneType) for a plain stack"),
    "raises": (broken, "broken raised KeyError on a plain stack: 'inputs'. It should return True or False for any model."),
    "not-done-yet": (can_be_sequential, "can_be_sequential raised NotImplementedError on a plain stack (not done yet). "
                                        "Replace `raise NotImplementedError()` in the exercise with your code. "
                                        "It should return True or False for any model."),
    "raises-without-text": (silent, "silent raised ValueError on a plain stack, with no message. "
                                    "It should return True or False for any model."),
}


@pytest.mark.parametrize("function, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_function_is_told_the_first_case_it_gets_wrong(function, fragment):
    """Is the first wrong, non-boolean or failing answer reported with the model, the right answer and why?"""
    with pytest.raises(AssertionError) as caught:
        assert_verdicts(function, CASES)
    assert fragment in str(caught.value)
