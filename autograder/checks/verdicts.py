"""Check a student's yes/no function against models whose answer is known, one case at a time."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import NOT_DONE, not_done_yet, raised


@dataclass(frozen=True)
class Case:
    """One model to judge, and the answer expected for it."""

    label: str
    """What the model is, as the message names it, for example `a model with two inputs`."""
    model: Any
    """The model given to the student's function."""
    expected: bool
    """The right answer."""
    reason: str
    """Why that answer is right, written to the student."""


def assert_verdicts(function: Callable[[Any], Any], cases: Sequence[Case]) -> None:
    """Raise AssertionError at the first case where `function(case.model)` is not `case.expected`.

    Args:
        function: the student's function, for example `can_be_sequential`.
        cases: the models to try, coarse to fine.
    """
    name = getattr(function, "__name__", "your function")
    for case in cases:
        try:
            found = function(case.model)
        except Exception as error:  # noqa: BLE001 (the student's function, so any error is theirs to see)
            fix = f" {NOT_DONE}" if not_done_yet(error) else ""
            raise AssertionError(
                f"{raised(name, error, case.label)}{fix} It should return True or False for any model."
            ) from None
        if not isinstance(found, (bool, np.bool_)):
            raise AssertionError(
                f"{name} returned {found!r} (a {type(found).__name__}) for {case.label}; "
                "return True or False, not a string or None."
            )
        if bool(found) != case.expected:
            raise AssertionError(
                f"{name} returned {bool(found)} for {case.label}; it should return {case.expected}: {case.reason}"
            )
