"""Keep the checker's own code out of the traceback a student sees when a check fails.

A failing check raises `AssertionError` from inside `autograder/checks/`. IPython would show that code above the
message: several lines of the checker, then the one sentence that teaches. Every module of `autograder/checks/`
therefore says `__tracebackhide__ = True` at module level, and `setup_lesson()` asks the notebook's IPython shell to
drop such frames, so that the student sees the test's own line and the message.

IPython honours `__tracebackhide__` by itself only halfway (IPython 9, `ultratb.VerboseTB`): it reads the frame's
`f_locals` (a module-level flag lives in `f_globals`), only in the `Context` and `Verbose` modes (not `Plain`), and
never hides the last frame, which for a failed check is the checker's `raise`. Hence the handler here, which drops
a frame flagged in either place, the last one too, in every mode, and leaves at least one frame. pytest reads the
same flag in both places, so checker frames stay out of pytest's reports too (`--full-trace` shows them).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

HIDE = "__tracebackhide__"
"""The flag a frame (a function's locals) or a whole module (its globals) sets to `True` to stay out of tracebacks."""


def is_hidden(frame: Any) -> bool:
    """Whether a frame asks to stay out of tracebacks: `__tracebackhide__ is True` in its locals or its globals.

    Only `True` counts: IPython marks its own bottom frame with a string, and that frame must stay.
    """
    for scope in (frame.f_locals, frame.f_globals):
        try:
            if HIDE in scope:
                return scope[HIDE] is True
        except Exception:  # noqa: BLE001 (exec() may pass any mapping; such a frame is simply not hidden)
            continue
    return False


def without_hidden_frames(tb: TracebackType | None) -> TracebackType | None:
    """A copy of the traceback chain `tb` without its hidden frames; `tb` itself when every frame is hidden."""
    kept, start = [], tb
    while tb is not None:
        if not is_hidden(tb.tb_frame):
            kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return start
    result = None
    for entry in reversed(kept):
        result = TracebackType(result, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return result


def hide_frames_of(error: BaseException) -> None:
    """Drop hidden frames from `error`'s traceback and from those of the exceptions chained to it."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        error.__traceback__ = without_hidden_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def _show_without_hidden_frames(shell: Any, etype: type, value: BaseException, tb: TracebackType | None,
                                tb_offset: int | None = None) -> None:
    """IPython's custom-exception handler: show the error as IPython would, minus the hidden frames."""
    hide_frames_of(value)
    shell.showtraceback((etype, value, value.__traceback__), tb_offset=tb_offset, running_compiled_code=True)


def hide_checker_frames() -> bool:
    """Make the running IPython shell, if any, leave hidden frames out of a failed check's traceback.

    Failed checks raise `AssertionError`; other errors keep IPython's own display. A student's traceback then ends
    with the test's line that failed, followed by the message.

    Returns:
        Whether a shell was found (False in plain Python, where nothing needs changing).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((AssertionError,), _show_without_hidden_frames)
    return True
