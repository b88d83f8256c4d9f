"""How results are shown: text for the terminal and CSV for the instructor."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from .results import NotebookCheck, StudentGrade

PASS, FAIL = "PASS", "FAIL"


def format_check(check: NotebookCheck) -> str:
    """A learner-facing report: one line per visible test, then the message that names the fix."""
    lines = [f"Checking {check.notebook} (visible tests only)", ""]
    for test in check.tests:
        mark = PASS if test.passed else FAIL
        lines.append(f"{mark}  {test.grade_id}  ({test.points:g}/{test.max_points:g} points)")
        if test.message:
            lines.append(f"      {test.message}")
    for grade_id in check.manual:
        lines.append(f"----  {grade_id}  (written answer: your instructor marks it)")
    passed = sum(t.passed for t in check.tests)
    lines += ["", f"{passed} of {len(check.tests)} visible tests pass: {check.points:g}/{check.max_points:g} points."]
    if check.tests and passed == len(check.tests):
        lines.append("Well done. Hidden tests may still try other sizes when your instructor grades it.")
    return "\n".join(lines)


def format_grade_line(grade: StudentGrade) -> str:
    """One line per student, printed as grading goes."""
    head = f"{grade.student_id:20s} {grade.score:5g}/{grade.max_score:g}  {grade.status:7s} {grade.seconds:5.1f}s"
    return head + (f"  {grade.reason[:100]}" if grade.reason else "")


def format_summary(grades: Sequence[StudentGrade]) -> str:
    """The table at the end of a grading run."""
    failed = [g for g in grades if g.status != "graded"]
    manual = [g for g in grades if g.needs_manual_grade]
    mean = sum(g.score for g in grades) / len(grades) if grades else 0.0
    seconds = sorted(g.seconds for g in grades if g.status == "graded")
    median = seconds[len(seconds) // 2] if seconds else 0.0
    lines = [
        f"Graded {len(grades) - len(failed)} of {len(grades)} submissions; mean score {mean:.2f}; "
        f"median {median:.1f} s per graded submission.",
    ]
    if failed:
        lines.append("Could not be graded (scored 0):")
        lines += [f"  {g.student_id}: {g.reason}" for g in failed]
    if manual:
        lines.append(f"{len(manual)} submission(s) have written answers to grade by hand (nbgrader formgrader).")
    return "\n".join(lines)


CSV_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "needs_manual_grade", "seconds"]


def write_grades_csv(grades: Sequence[StudentGrade], path: Path) -> None:
    """Write one row per student with at least `student_id`, `score` and `max_score`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for g in grades:
            writer.writerow({
                "student_id": g.student_id, "assignment": g.assignment, "score": f"{g.score:g}",
                "max_score": f"{g.max_score:g}", "status": g.status, "reason": g.reason,
                "needs_manual_grade": "yes" if g.needs_manual_grade else "no", "seconds": f"{g.seconds:.1f}",
            })
