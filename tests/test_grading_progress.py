"""How the grade command shows its progress: a live bar on a terminal, plain lines in CI, logs and pipes."""

import os
import pty
import re
import sys
import threading
import time

from autograder.cli import main
from autograder.notebook.presentation import GradingProgress
from autograder.notebook.results import StudentGrade

CLASS = [
    StudentGrade("ada", "02_layers", 6, 8, "graded", seconds=3.1),
    StudentGrade("grace", "02_layers", 0, 8, "failed", "timed out after 60 s in the cell that defines f", seconds=60.0),
    StudentGrade("linus", "02_layers", 3, 8, "graded", "count_dense_params_small_layers: it should be 16", seconds=4.2),
]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _report(progress) -> None:
    """Report the class as grading does: first that it begins, then each student as they finish."""
    progress(None, 0, len(CLASS))
    for done, grade in enumerate(CLASS, 1):
        time.sleep(0.3)  # a rate needs time between two students
        progress(grade, done, len(CLASS))


class Terminal:
    """A pseudo-terminal: what is written to `stream` (the terminal's side) is read back as `output`."""

    def __enter__(self):
        self.master, slave = pty.openpty()
        self.stream = os.fdopen(slave, "w")
        self.chunks = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the terminal's side is closed
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    def __exit__(self, *exc_info):
        self.stream.close()
        self.reader.join(10)
        os.close(self.master)
        self.output = b"".join(self.chunks).decode()
        self.screen = ESCAPES.sub("", self.output)


def test_plain_lines_when_the_output_is_not_a_terminal():
    """Piped (CI, a log file), does each student get one plain line, `[done/total, N s left]`, and nothing else?"""
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe:
        with GradingProgress("02_layers", pipe) as progress:
            _report(progress)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    lines = text.splitlines()
    assert len(lines) == 3, text
    assert re.fullmatch(r"\[1/3, \d+ s left\] ada +6/8 +graded +3\.1s", lines[0]), lines[0]
    assert re.fullmatch(r"\[2/3, \d+ s left\] grace +0/8 +failed +60\.0s  timed out after 60 s in the cell that "
                        r"defines f", lines[1]), lines[1]
    assert lines[2].startswith("[3/3, 0 s left] linus"), lines[2]
    assert "\x1b" not in text and "\r" not in text


def test_a_live_bar_on_a_terminal():
    """On a terminal, does a bar redrawn in place show the count, the rate and the time left, with each student's
    line printed above it?"""
    with Terminal() as terminal:
        with GradingProgress("02_layers", terminal.stream) as progress:
            assert progress.live
            _report(progress)
    screen = terminal.screen
    for done in range(4):
        assert f"{done}/3 students" in screen, screen
    assert re.search(r"02_layers ━+ 3/3 students • \d+\.\d s/student • 0:00:00 left", screen), screen
    assert re.search(r"2/3 students • \d+\.\d s/student • \d:\d\d:\d\d left", screen), screen
    for grade in CLASS:
        assert grade.student_id in screen
    assert "\x1b[31mgrace" in terminal.output, "a student who could not be graded is shown in red"
    assert "\r" in terminal.output and "\x1b[2K" in terminal.output, "the bar is redrawn in place"


def test_the_grade_command_ends_its_bar_before_the_summary(monkeypatch, tmp_path):
    """Does `python -m autograder grade` on a terminal draw the bar, and end it before it prints the summary?

    Grading itself is replaced by a report of the class above: this tests the display, not the grading.
    """
    def grade_assignment(assignment, workspace, progress, **settings):
        _report(progress)
        return CLASS

    monkeypatch.setattr("autograder.grading.batch.grade_assignment", grade_assignment)
    with Terminal() as terminal:
        monkeypatch.setattr(sys, "stdout", terminal.stream)
        assert main(["grade", "02_layers", "--workspace", str(tmp_path)]) == 0
        monkeypatch.undo()
    screen = terminal.screen
    assert "3/3 students" in screen, screen
    summary = screen.index("Graded 2 of 3 submissions")
    assert screen.rindex("3/3 students") < summary, "the bar was drawn over the summary"
    assert (tmp_path / "grades.csv").exists()
