"""Read nbgrader's cell metadata: which cells are tests, answers, or read-only set-up."""

from __future__ import annotations

import re
from typing import Any

from .quiet import NOISE_PATTERN


def nbgrader_meta(cell: Any) -> dict:
    """The cell's nbgrader metadata, or an empty dict."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def is_test_cell(cell: Any) -> bool:
    """An autograded test: a graded code cell that holds no answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_manual_answer(cell: Any) -> bool:
    """An answer graded by hand: a graded cell in which the student writes."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def is_answer_cell(cell: Any) -> bool:
    """A code cell where the student writes an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution"))


def is_readonly_setup(cell: Any) -> bool:
    """A read-only code cell that the tests rely on (imports, data)."""
    meta = nbgrader_meta(cell)
    return (
        cell.get("cell_type") == "code"
        and bool(meta.get("locked"))
        and not meta.get("grade")
        and not meta.get("solution")
    )


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
