"""The class report as plain data. `data.py` builds it from the files grading wrote; `render.py` draws it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreBin:
    """One bar of the score histogram: the submissions whose score falls in [low, high)."""

    low: float
    """The lowest score the bar counts."""
    high: float
    """The score where the next bar starts (the last bar also counts the maximum score itself)."""
    graded: int
    """Graded submissions in this bar."""
    failed: int
    """Submissions that could not be graded (they score 0) in this bar."""


@dataclass(frozen=True)
class MessageGroup:
    """Students who saw the same failure message, or one that differs from it only in its numbers."""

    message: str
    """The group's most common wording, as the students saw it."""
    students: int
    """How many students saw a message of this group."""
    wordings: int
    """How many different wordings the group gathers (1 when every student saw exactly the same text)."""


@dataclass(frozen=True)
class TestSummary:
    """How the class did on one autograded test cell."""

    __test__ = False  # a result, not a pytest test class
    grade_id: str
    """The test cell's nbgrader id."""
    question: str
    """What the test asks: the one-line docstring that opens the test cell (its grade id when it has none)."""
    points: float
    """Points the test is worth."""
    passed: int
    """Graded submissions that got its full points."""
    graded: int
    """Graded submissions (those that failed to grade are left out)."""
    messages: tuple[MessageGroup, ...]
    """The most common failure messages, most frequent first."""
    other_groups: int = 0
    """Further message groups not listed in `messages`."""
    other_students: int = 0
    """Students whose message is in one of those further groups."""

    @property
    def pass_rate(self) -> float:
        """The share of graded submissions that passed, from 0 to 1 (0 when none was graded)."""
        return self.passed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class FailedSubmission:
    """A submission that could not be graded."""

    student_id: str
    """The student id."""
    reason: str
    """Why, as grades.csv says."""
    log: str = ""
    """The grading log of that student, relative to the workspace, when there is one."""


@dataclass(frozen=True)
class ManualAnswer:
    """A written answer, and the students whose answer to it still waits for the instructor."""

    grade_id: str
    """The answer cell's nbgrader id."""
    points: float
    """Points the answer is worth."""
    students: tuple[str, ...]
    """Student ids, sorted."""


@dataclass(frozen=True)
class Timing:
    """How long grading one submission took."""

    student_id: str
    """The student id."""
    seconds: float
    """Seconds, as grades.csv says."""
    status: str
    """`graded` or `failed`."""


@dataclass(frozen=True)
class ClassReport:
    """Where a class stands on one assignment, read from the gradebook and the files grading wrote."""

    assignment: str
    """The assignment id, for example `03_sequential`."""
    max_score: float
    """Points available, written answers included."""
    scores: tuple[float, ...]
    """Every submission's score in the gradebook (autograded and manual points so far), highest first."""
    graded: int
    """Submissions that were graded."""
    histogram: tuple[ScoreBin, ...]
    """The score histogram's bars, lowest scores first."""
    tests: tuple[TestSummary, ...]
    """One summary per autograded test, in notebook order."""
    failed: tuple[FailedSubmission, ...]
    """Submissions that could not be graded, by student id."""
    manual: tuple[ManualAnswer, ...]
    """Written answers with students still waiting for a manual grade."""
    slowest: tuple[Timing, ...]
    """The submissions that took longest to grade, slowest first."""
    median_seconds: float | None
    """The median grading time of graded submissions; None when grades.csv does not say."""
    notes: tuple[str, ...] = ()
    """What the report could not read, and so leaves out."""

    @property
    def submissions(self) -> int:
        """Submissions in the gradebook."""
        return len(self.scores)

    @property
    def mean(self) -> float:
        """The mean score of all submissions."""
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        """The median score of all submissions."""
        ordered = sorted(self.scores)
        middle = len(ordered) // 2
        if not ordered:
            return 0.0
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def waiting(self) -> int:
        """Submissions with at least one written answer waiting for a manual grade."""
        return len({student for answer in self.manual for student in answer.students})
