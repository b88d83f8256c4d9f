"""Checks of the names of a model's inputs and outputs, so that data can be passed by name."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Callable, Sequence
from typing import Any

from ._model import describe_model
from .shapes import require_known_inputs


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) or "none"


def _compare(found: Sequence[str], expected: Sequence[str], kind: str, fix: Callable[[str], str]) -> None:
    """Raise AssertionError unless `found` and `expected` hold the same names; `fix(name)` shows how to add one."""
    if sorted(found) == sorted(expected):
        return
    missing = [n for n in expected if n not in found]
    example = next(iter(missing or expected), kind)
    raise AssertionError(
        f"Your model should have {len(expected)} {kind}(s) named {_quoted(expected)}; "
        f"yours has {len(found)}, named {_quoted(found)}. "
        + (f"Missing: {_quoted(missing)}. " if missing else "")
        + fix(example)
    )


def assert_input_names(model: Any, names: Sequence[str]) -> None:
    """Raise AssertionError unless the model's inputs have exactly these names, in any order.

    Args:
        model: the student's model.
        names: the expected input names, for example `["profile", "practice_scores"]`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    _compare(
        [i.name for i in desc.inputs], list(names), "input",
        lambda name: f"Name each input when you create it, for example `keras.Input(shape=..., name={name!r})`.",
    )


def assert_output_names(model: Any, names: Sequence[str]) -> None:
    """Raise AssertionError unless the model's outputs have exactly these names, in any order.

    An output is named after the layer that produces it, or by its key when the outputs are given as a dict.

    Args:
        model: the student's model.
        names: the expected output names, for example `["passed", "grade"]`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    _compare(
        [o.name for o in desc.outputs], list(names), "output",
        lambda name: f"Name the last layer of each branch, for example `layers.Dense(1, name={name!r})`, "
        "or pass the outputs as a dict: `keras.Model(inputs, outputs={...})`.",
    )
