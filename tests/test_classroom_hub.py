"""`make classroom` without a browser: its answers to bad input, its passwords, and its two nbgrader configurations.

tests/browser/test_classroom.py runs a whole class through the hub.
"""

import os
import socket
import stat
import subprocess
import sys

import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.classroom.hub import INSTRUCTOR, passwords
from autograder.notebook.course import ROOT, tool_environment


def _classroom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.classroom", *args], cwd=ROOT, env=tool_environment(),
                          capture_output=True, text=True, timeout=120)


def test_a_busy_port_is_named_with_another_to_pick():
    """On a port something listens on, does `make classroom` say which port and how to pick another, in one line,
    and exit non-zero before starting anything?"""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _classroom(f"--port={port}")
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: port {port} is busy") and "make classroom PORT=" in line, line


@pytest.mark.parametrize("students, fragment", [("0", "between 1 and 200, not 0"), ("many", "whole number, not 'many'")])
def test_a_bad_number_of_students_gets_one_line(students, fragment):
    """Does STUDENTS=0 or STUDENTS=many get a one-line error and exit code 2?"""
    done = _classroom(f"--students={students}")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error:") and fragment in line, line


def test_passwords_are_made_once_and_kept_private(tmp_path):
    """Are the passwords made on first use, the same on the next start, readable by their owner only, and long enough
    for JupyterHub (32 characters for the instructor, an admin; 8 for the students)?"""
    first = passwords(tmp_path)
    assert passwords(tmp_path) == first
    assert len(first[INSTRUCTOR]) >= 32 and len(first["students"]) >= 8 and first[INSTRUCTOR] != first["students"]
    assert stat.S_IMODE(os.stat(tmp_path / "passwords.json").st_mode) == 0o600


def _nbgrader_config(folder: str):
    return PyFileConfigLoader("nbgrader_config.py", str(ROOT / "classroom" / folder)).load_config()


def test_students_and_the_instructor_meet_in_the_course_exchange():
    """Do the students' and the instructor's nbgrader configurations name the same course and the same exchange, the
    instructor's being the course's own?"""
    student, instructor = _nbgrader_config("student-config"), _nbgrader_config("instructor-config")
    assert instructor.CourseDirectory.root == str(ROOT)
    assert student.CourseDirectory.course_id == instructor.CourseDirectory.course_id == "keras-model-wars"
    assert student.Exchange.root == instructor.Exchange.root == str(ROOT / "grading" / "exchange")
