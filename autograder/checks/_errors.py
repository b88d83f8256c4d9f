"""How a check words an error raised by the student's own function, so that the message is never blank."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

NOT_DONE = "Replace `raise NotImplementedError()` in the exercise with your code."
"""The fix for an exercise that still holds the placeholder of the student's version."""


def not_done_yet(error: BaseException) -> bool:
    """Whether `error` is the empty `NotImplementedError()` that an exercise holds before it is solved."""
    return isinstance(error, NotImplementedError) and not str(error).strip()


def raised(name: str, error: BaseException, where: str) -> str:
    """The sentence `name raised Error on where: its text.`, readable when the error has no text.

    Args:
        name: the student's function, for example `can_be_sequential`.
        error: what it raised.
        where: what it was called on, for example `a model with two inputs`.

    Returns:
        One sentence, ending with a full stop: the error's text when it has one, else "(not done yet)" for an empty
        `NotImplementedError` and "with no message" for any other error.
    """
    kind = type(error).__name__
    text = str(error).strip()[:200]
    if text:
        return f"{name} raised {kind} on {where}: {text}{'' if text[-1] in '.!?' else '.'}"
    if not_done_yet(error):
        return f"{name} raised {kind} on {where} (not done yet)."
    return f"{name} raised {kind} on {where}, with no message."
