"""What both exporters share: which students and assignments to write, and how to write a number of points."""

from __future__ import annotations

import warnings

# nbgrader's gradebook API trips SQLAlchemy warnings that say nothing to an instructor.
warnings.filterwarnings("ignore", module=r"nbgrader\.api")


def points(value: float | None) -> str:
    """Points as Canvas and spreadsheets read them: at most two decimals, no trailing zeros; empty for None."""
    if value is None:
        return ""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def chosen_students(plugin, gradebook) -> list[str]:
    """The `--student` list as given, or every student, sorted by id.

    A listed student the gradebook lacks stays in the list, with a warning: their cells are left empty.
    """
    known = sorted(s.id for s in gradebook.students)
    if not plugin.student:
        return known
    wanted = list(dict.fromkeys(str(s) for s in plugin.student))
    for student in wanted:
        if student not in known:
            plugin.log.warning("Student %r is not in the gradebook: their grades are left empty", student)
    return wanted


def chosen_assignments(plugin, gradebook) -> list:
    """The gradebook's assignments, in its order (due date, then name), kept to the `--assignment` list if given.

    An assignment in the list that the gradebook lacks is left out, with a warning: it has no points to write.
    """
    wanted = [str(a) for a in plugin.assignment]
    found = [a for a in gradebook.assignments if not wanted or a.name in wanted]
    for name in sorted(set(wanted) - {a.name for a in found}):
        plugin.log.warning("There is no assignment %r in the gradebook: it is left out of the export", name)
    return found


def submission_score(submission) -> float:
    """A submission's score after nbgrader's late penalty, never below 0 (as nbgrader's own CSV export)."""
    return max(0.0, float(submission.score or 0) - float(submission.late_submission_penalty or 0))
