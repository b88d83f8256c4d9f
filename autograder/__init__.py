"""Keras Model Wars: Keras-3-native model inspection, checks that teach, and the course's commands.

`check`, `hint` and `progress` load on first use (PEP 562): they need nbformat, which takes a second to import,
and the grader's small tools, such as the kernel launcher that starts every student's kernel, never use them.
"""

from __future__ import annotations

from typing import Any

from .describe import describe
from .lesson import setup_lesson
from .quiet import quiet_tensorflow

__version__ = "0.1.0"
__all__ = ["describe", "setup_lesson", "quiet_tensorflow", "check", "hint", "progress"]
_SELFPACED = ("check", "hint", "progress")


def __getattr__(name: str) -> Any:
    """Import the self-paced helpers the first time one is asked for."""
    if name not in _SELFPACED:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    from . import selfpaced

    value = getattr(selfpaced, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SELFPACED])
