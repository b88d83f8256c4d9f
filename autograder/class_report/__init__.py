"""`python -m autograder report ASSIGNMENT`: where a class struggled, read from what grading wrote.

`data.py` reads the gradebook, grades.csv and the autograded notebooks into a `ClassReport` (plain data, in
`model.py`); `render.py` draws it as PNG figures and one self-contained HTML page. No notebook is run.
"""

from __future__ import annotations

from pathlib import Path

from .data import ReportError, build_report
from .model import ClassReport

__all__ = ["ClassReport", "ReportError", "build_report", "make_report"]


def make_report(assignment: str, workspace: Path) -> Path:
    """Write `workspace/report/ASSIGNMENT.html`, with its figures beside it as PNG files; return the page's path.

    Raises:
        ReportError: when there is no gradebook, it is empty, or nobody submitted the assignment.
    """
    from .render import write_report

    return write_report(build_report(assignment, workspace), workspace / "report")
