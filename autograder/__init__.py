"""Keras Model Wars: the lessons' public face.

The lessons import from here: `setup_lesson`, `check`, `hint`, `progress`, `checks`, `spec`, `describe`,
`draw_model`, `draw_network` and `load_exam_results`. The rooms behind it:

- `lesson/` (set-up, self-paced help, drawings, data) -> `checks/` (checks that teach) -> `model/` (descriptions of
  Keras models), for learners;
- `grading/` (the `grade`, `doctor` and `register` commands) -> `judge/` (the tests again, outside the kernel) ->
  `isolation/` (confinement, watchdog, zygote) -> `notebook/` (cells, results, the course's folders), for
  instructors; `class_report/` and `export/` read what grading wrote.

Everything but `setup_lesson` loads on first use (PEP 562): the grader's small tools, such as the kernel launcher
that starts every student's kernel, import this package and must stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

from .lesson.setup import setup_lesson

__version__ = "0.1.0"

_LAZY = {
    "check": "autograder.lesson.selfpaced",
    "hint": "autograder.lesson.selfpaced",
    "progress": "autograder.lesson.selfpaced",
    "describe": "autograder.model.introspection",
    "draw_model": "autograder.lesson.graph_drawing",
    "draw_network": "autograder.lesson.network_drawing",
    "load_exam_results": "autograder.lesson.datasets",
    "quiet_tensorflow": "autograder.notebook.quiet",
}
"""Each lazily loaded name, and the module that defines it."""
_SUBMODULES = {"spec": "autograder.model.spec", "checks": "autograder.checks"}
"""Modules the lessons import by name from the package."""

__all__ = ["setup_lesson", *_LAZY, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    """Import a lazily loaded name, or a lesson-facing module, the first time it is asked for."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(_SUBMODULES[name])
    else:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
