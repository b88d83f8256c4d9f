"""Read back what `python -m autograder grade` wrote: the autograded notebooks' test messages, and grades.csv.

The class report and the exporters read these files; neither runs a notebook.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from .cells import failure_message, is_test_cell, nbgrader_meta


@dataclass(frozen=True)
class GradeRow:
    """One student's row of grades.csv."""

    student_id: str
    """The student id."""
    status: str
    """`graded`, or `failed` when the submission could not be graded."""
    reason: str
    """Why it failed, or which tests lost points."""
    seconds: float
    """How long grading it took."""


def read_notebook_json(path: Path) -> dict | None:
    """A notebook as plain JSON (no schema validation: fast for a class of hundreds), or None when unreadable."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat files may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_test_messages(folder: Path) -> dict[str, dict[str, str | None]]:
    """What each test cell of the autograded notebooks in `folder` says went wrong.

    Args:
        folder: a student's autograded folder, `autograded/<student>/<assignment>/`.

    Returns:
        Per notebook name (without `.ipynb`, as nbgrader names it), per grade id: the failure message, or None
        when the cell passed. Empty when the folder holds no readable notebook.
    """
    found: dict[str, dict[str, str | None]] = {}
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else ():
        nb = read_notebook_json(path)
        if nb is None:
            continue
        found[path.stem] = {
            nbgrader_meta(cell)["grade_id"]: failure_message(cell)
            for cell in nb["cells"] if is_test_cell(cell) and nbgrader_meta(cell).get("grade_id")
        }
    return found


def grade_rows(workspace: Path, assignment: str) -> dict[str, GradeRow] | None:
    """The rows of `workspace/grades.csv` for `assignment`, by student; None when the file is missing or unreadable.

    `grade` rewrites grades.csv for the assignment it graded last, so it may hold no row for this one.
    """
    path = workspace / "grades.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    found = {}
    for row in rows:
        if row.get("assignment") != assignment or not row.get("student_id"):
            continue
        try:
            seconds = float(row.get("seconds") or 0)
        except ValueError:
            seconds = 0.0
        found[row["student_id"]] = GradeRow(row["student_id"], row.get("status") or "", row.get("reason") or "",
                                            seconds)
    return found
