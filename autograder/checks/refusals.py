"""Check that a student's function refuses what it cannot do, with a `ValueError` whose message says why."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import NOT_DONE, not_done_yet, raised

REASONS: dict[str, tuple[tuple[str, ...], str]] = {
    "several inputs": (("input",), "Count the model's inputs first."),
    "several outputs": (("output",), "Count the model's outputs before you look at its layers."),
    "a layer applied twice": (
        ("twice", "shared", "more than once", "reuse", "times", "again", "called", "calls"),
        "A layer applied twice also breaks the chain, so look for it before you look for branches.",
    ),
    "a branch or a skip connection": (
        ("branch", "skip", "chain", "residual", "fork", "split", "join", "merge", "concat", "add", "feeds", "reads"),
        "Say that a tensor goes two ways, or that a layer reads two tensors.",
    ),
}
"""Why a model cannot be Sequential: the words, any one of which names the reason in a message (lower case), and
a tip for the student whose message misses them."""


@dataclass(frozen=True)
class Refusal:
    """One model the student's function must refuse, and the reason its message must give."""

    label: str
    """What the model is, as the message names it, for example `a model with two inputs`."""
    model: Any
    """The model given to the student's function."""
    reason: str
    """Why it must be refused: one of `REASONS`."""

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r}; use one of {', '.join(map(repr, REASONS))}")


def names_the_reason(message: str, reason: str) -> bool:
    """Whether `message` holds one of the words that name `reason`."""
    text = message.lower()
    return any(word in text for word in REASONS[reason][0])


def assert_refusals(function: Callable[[Any], Any], refusals: Sequence[Refusal]) -> None:
    """Raise AssertionError unless `function` raises ValueError for each model, with a message that says why.

    The refusals are tried in order; the first one that goes wrong is reported. When every message names its
    reason but all of them are one and the same text, that text lists reasons rather than finding them.

    Args:
        function: the student's function, for example `functional_to_sequential`.
        refusals: the models it must refuse, coarse to fine.
    """
    name = getattr(function, "__name__", "your function")
    messages = []
    for case in refusals:
        words, tip = REASONS[case.reason]
        try:
            found = function(case.model)
        except ValueError as error:
            text = str(error).strip()
            if not names_the_reason(text, case.reason):
                shown = repr(text[:200]) if text else "it has no message"
                raise AssertionError(
                    f"{name} raised ValueError for {case.label}, but its message does not say why: {shown}. "
                    f"Name what rules a Sequential model out here: {case.reason}. {tip}"
                ) from None
            messages.append(text)
            continue
        except Exception as error:  # noqa: BLE001 (the student's function, so any error is theirs to see)
            fix = NOT_DONE if not_done_yet(error) else "Raise ValueError there, with a message that says why."
            raise AssertionError(f"{raised(name, error, case.label)} {fix}") from None
        raise AssertionError(
            f"{name} returned {type(found).__name__ if found is not None else 'None'} for {case.label}; it should "
            f"raise ValueError instead, because a Sequential model cannot have {case.reason}."
        )
    if len(messages) > 1 and len(set(messages)) == 1:
        raise AssertionError(
            f"{name} gives the same message for every model it refuses ({messages[0][:200]!r}). Find the reason "
            "that applies to each model, and say that one."
        )
