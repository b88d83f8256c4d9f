"""Checks of which API built the model: Sequential, Functional or a subclass."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from typing import Any

from ._model import describe_model

HOW_SEQUENTIAL = (
    "Build it the Sequential way: create an empty `keras.Sequential` model, then add each layer in order with "
    "its `add()` method (or pass them all as a list when you create it)."
)
HOW_FUNCTIONAL = (
    "Build it the Functional way: create the inputs with `keras.Input(...)`, call each layer on a tensor, "
    "then finish with `keras.Model(inputs=..., outputs=...)`."
)


def assert_sequential(model: Any) -> None:
    """Raise AssertionError unless `model` is a `keras.Sequential`.

    Args:
        model: the student's model.
    """
    kind = describe_model(model).api
    if kind == "functional":
        raise AssertionError(
            "Your model is a Functional `keras.Model` (layers called on tensors, then `keras.Model(inputs, outputs)`), "
            "not a `keras.Sequential`. The layers may be right, but this exercise is about the Sequential API. "
            + HOW_SEQUENTIAL
        )
    if kind != "sequential":
        raise AssertionError(
            f"Your model is a subclass of `keras.Model` ({type(model).__name__}), not a `keras.Sequential`. "
            + HOW_SEQUENTIAL
        )


def assert_functional(model: Any) -> None:
    """Raise AssertionError unless `model` is a Functional `keras.Model` (and not a `keras.Sequential`).

    Args:
        model: the student's model.
    """
    kind = describe_model(model).api
    if kind == "sequential":
        raise AssertionError(
            "Your model is a `keras.Sequential`, but this exercise asks for a Functional model. " + HOW_FUNCTIONAL
        )
    if kind != "functional":
        raise AssertionError(
            f"Your model is a subclass of `keras.Model` ({type(model).__name__}), not a Functional model. "
            + HOW_FUNCTIONAL
        )
