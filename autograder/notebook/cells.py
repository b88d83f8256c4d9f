"""Read nbgrader's cell metadata (which cells are tests, answers, or read-only set-up) and test cells' outcomes.

The roles come from nbgrader's own predicates (`nbgrader.utils.is_grade`, `is_solution`, `is_locked`), imported on
first use: importing nbgrader takes seconds, and the kernel launcher never needs it. Cells may be `NotebookNode`s or
plain JSON dicts (the class report reads hundreds of notebooks without nbformat's validation).
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from .quiet import NOISE_PATTERN

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*$.*?(^[ \t]*### END HIDDEN TESTS[ \t]*$\n?|\Z)", re.M | re.S)
"""A hidden-test region with its markers; a region that is never closed runs to the end of the cell."""


def nbgrader_meta(cell: Any) -> dict:
    """The cell's nbgrader metadata, or an empty dict."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def _role(cell: Any) -> tuple[bool, bool, bool]:
    """(graded, answer, locked), as nbgrader's own predicates see the cell."""
    from nbgrader.utils import is_grade, is_locked, is_solution

    view = SimpleNamespace(metadata=cell.get("metadata", {}))  # all the predicates read
    return bool(is_grade(view)), bool(is_solution(view)), bool(is_locked(view))


def is_test_cell(cell: Any) -> bool:
    """An autograded test: a graded code cell that holds no answer."""
    graded, answer, _ = _role(cell)
    return cell.get("cell_type") == "code" and graded and not answer


def is_manual_answer(cell: Any) -> bool:
    """An answer graded by hand: a graded cell in which the student writes."""
    graded, answer, _ = _role(cell)
    return graded and answer


def is_answer_cell(cell: Any) -> bool:
    """A code cell where the student writes an answer."""
    return cell.get("cell_type") == "code" and _role(cell)[1]


def is_readonly_setup(cell: Any) -> bool:
    """A read-only code cell that the tests rely on (imports, data): locked, neither graded nor an answer."""
    graded, answer, locked = _role(cell)
    return cell.get("cell_type") == "code" and locked and not graded and not answer


def strip_hidden_tests(source: str, placeholder: str = "") -> str:
    """A test cell's source with each hidden-test region, markers included, replaced by `placeholder` (a line of its
    own) or removed."""
    return HIDDEN_TESTS.sub(lambda found: placeholder + "\n" if placeholder else "", source)


def is_noise(text: str) -> bool:
    """Whether a piece of stderr is TensorFlow or Keras chatter rather than the student's output."""
    return re.search(NOISE_PATTERN, text) is not None


def error_message(error: BaseException) -> str:
    """What a test cell's error says to the student: an assertion's own text, else the error's name and text."""
    if isinstance(error, AssertionError):
        return str(error) or "AssertionError"
    return f"{type(error).__name__}: {error}"


def failure_message(cell: Any) -> str | None:
    """What a test cell's outputs say went wrong, or None when it passed.

    A cell fails, as in nbgrader, when it raised an error or wrote to stderr; TensorFlow noise is ignored.
    """
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            name, value = output.get("ename", "Error"), output.get("evalue", "")
            if name == "NotImplementedError":
                return "Not done yet: replace `raise NotImplementedError()` in the exercise with your code."
            if name == "NameError":
                return f"{value}. Run the exercise's cell (and the cells above it) first."
            return value if name == "AssertionError" and value else f"{name}: {value}"
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            if not is_noise(text):
                return f"The cell wrote to stderr, which counts as a failure: {text.strip()[:300]}"
    return None
