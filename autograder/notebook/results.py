"""Results as plain data. How they are shown lives in presentation.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestResult:
    """The outcome of one graded test cell."""

    grade_id: str
    """The test cell's nbgrader id, for example `build_sequential_model_layers`."""
    passed: bool
    """Whether the cell ran without an error and without writing to stderr."""
    points: float
    """Points earned."""
    max_points: float
    """Points available."""
    message: str = ""
    """What went wrong, addressed to the student; empty when it passed."""
    outputs: tuple[dict, ...] = ()
    """What the test cell showed, as nbformat outputs (streams, the error), where the grader recorded them."""


@dataclass(frozen=True)
class NotebookCheck:
    """A learner's check of one notebook: its visible tests and the answers left for the instructor."""

    notebook: str
    """The notebook's path as given."""
    tests: tuple[TestResult, ...]
    """One result per visible test cell, in notebook order."""
    manual: tuple[str, ...] = ()
    """Grade ids of the answers an instructor grades by hand."""

    @property
    def points(self) -> float:
        """Points earned on the visible tests."""
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> float:
        """Points available on the visible tests."""
        return sum(t.max_points for t in self.tests)


@dataclass(frozen=True)
class StudentGrade:
    """One student's grade for one assignment."""

    student_id: str
    """The submission folder's name."""
    assignment: str
    """The assignment id, for example `03_sequential`."""
    score: float
    """Points earned so far (autograded, plus manual grades already given)."""
    max_score: float
    """Points available, manual ones included."""
    status: str
    """`graded`, or `failed` when the submission could not be graded (it then scores 0)."""
    reason: str = ""
    """Why it failed, or which tests lost points."""
    needs_manual_grade: bool = False
    """Whether answers wait for the instructor."""
    seconds: float = 0.0
    """How long grading this student took."""
    failed_tests: tuple[str, ...] = field(default=())
    """Grade ids of the test cells that lost points."""
