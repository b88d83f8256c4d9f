"""How results are shown: text and a progress bar for the terminal, CSV for the instructor."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

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


class GradingProgress:
    """Grading's progress as it goes: a live bar on a terminal, plain lines anywhere else (CI, logs, pipes).

    On a terminal, rich draws a bar with how many students are done, the rate and the time left, and prints each
    student's line above it as the student finishes. Anywhere else, each student gets one line when finished:
    `[done/total, N s left] ` and the student's line.

    Call it as `grade_assignment`'s `progress`; use it as a context manager, so that the bar ends before what
    follows is printed.
    """

    RATE_PERIOD = 300.0
    """The bar's rate and time left are those of the students finished in the last five minutes: a class resumed
    from an earlier run reports its instant first rows at once, which would skew a whole-run average."""

    def __init__(self, assignment: str, stream: TextIO | None = None, live: bool | None = None) -> None:
        """Show the progress of grading `assignment` on `stream` (standard output); `live`: draw the bar (None:
        when the stream is a terminal)."""
        self.assignment, self.stream = assignment, stream or sys.stdout
        self.live = _is_terminal(self.stream) if live is None else live
        self.started = time.monotonic()
        self._bar = self._task = None

    def __call__(self, grade: StudentGrade | None, done: int, total: int) -> None:
        """Show that `grade` is finished, the `done`-th of `total` (None: grading begins, nothing is done yet)."""
        if self.live:
            self._draw(grade, done, total)
        elif grade is not None:
            left = (time.monotonic() - self.started) / done * (total - done)
            print(f"[{done}/{total}, {left:.0f} s left] {format_grade_line(grade)}", file=self.stream, flush=True)

    def _draw(self, grade: StudentGrade | None, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = _live_bar(self.stream)
            self._task = self._bar.add_task(self.assignment, total=total)
            self._bar.start()
        if grade is not None:
            from rich.text import Text

            line = Text(format_grade_line(grade), style="" if grade.status == "graded" else "red")
            self._bar.console.print(line, no_wrap=True, overflow="ellipsis")  # one line, cut to the terminal's width
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        """End the bar, left on screen as it last was."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> GradingProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _live_bar(stream: TextIO):
    """A rich progress bar on `stream`, as wide as the terminal: `02_layers ━━━━━━━━━━━━╸━━━━━━━━━━━━ 3/8 students •
    4.2 s/student • 0:00:21 left`."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Seconds per student, over the last `GradingProgress.RATE_PERIOD` seconds."""

        def render(self, task) -> Text:
            rate = f"{1 / task.speed:.1f}" if task.speed else "-.-"
            return Text(f"{rate} s/student", style="progress.elapsed")

    dot = TextColumn("•")
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(bar_width=None), MofNCompleteColumn(), TextColumn("students"),
        dot, RateColumn(), dot, TimeRemainingColumn(), TextColumn("left"),
        console=Console(file=stream, force_terminal=True), expand=True, refresh_per_second=4,
        speed_estimate_period=GradingProgress.RATE_PERIOD,
    )


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
