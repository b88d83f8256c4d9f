"""What goes wrong with an assignment as a whole (not one student's submission)."""

from __future__ import annotations

from autograder.notebook.results import StudentGrade


class GradingError(RuntimeError):
    """The assignment itself cannot be graded (not a student's fault)."""


class FeedbackError(GradingError):
    """Every submission was graded, but nbgrader could not write the feedback pages."""

    def __init__(self, message: str, grades: list[StudentGrade]) -> None:
        super().__init__(message)
        self.grades = grades
        """The grades, which stand: only the feedback is missing."""
