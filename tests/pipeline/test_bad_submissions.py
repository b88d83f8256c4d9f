"""A class with broken and hostile submissions: each scores what it deserves, and the batch survives them all."""

import csv
import hashlib
import os
import socket
import subprocess
import sys

import nbformat
import psutil
import pytest
from harness import make_submission

from autograder.course import ROOT

LESSON = "02_layers"
FULL = 6  # autograded points of lesson 02
SECRET = ROOT / "source" / LESSON / f"{LESSON}.ipynb"
SANDBOXED = os.geteuid() == 0  # hiding files and cutting the network need root
LISTENER = socket.create_server(("127.0.0.1", 0))  # a port on the grader's loopback, for a student to reach for


def _deleted_tests():
    nb = make_submission(LESSON)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("count_dense_params_")]
    return nb


# student id -> (notebook, expected score or None for a failure, fragment of the reason)
SUBMISSIONS = {
    "passes-all": (lambda: make_submission(LESSON), FULL, ""),
    "deleted-test-cells": (_deleted_tests, FULL, ""),
    "endless-loop": (lambda: make_submission(LESSON, {"count_dense_params": (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "def count_dense_params(n_inputs, n_units):\n    return (n_inputs + 1) * n_units\nwhile True:\n    pass\n"
    )}), 0, "timed out after 45 s in the cell that defines count_dense_params"),
    "exits-its-kernel": (lambda: make_submission(LESSON, {"output_layer_for": "import os\nos._exit(1)\n"}), None, ""),
    "reads-the-solutions": (lambda: make_submission(LESSON, {"count_dense_params": (
        f"def count_dense_params(n_inputs, n_units):\n    open({str(SECRET)!r}).read()\n    return (n_inputs + 1) * n_units\n"
    )}), 3, "count_dense_params"),
    "opens-a-connection": (lambda: make_submission(LESSON, {"count_dense_params": (
        f"import socket\ndef count_dense_params(n_inputs, n_units):\n"
        f"    socket.create_connection(('127.0.0.1', {LISTENER.getsockname()[1]}), timeout=3).close()\n"
        f"    return (n_inputs + 1) * n_units\n"
    )}), 3, "count_dense_params"),
}
NEED_ROOT = {"reads-the-solutions", "opens-a-connection"}


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("hostile")
    for student, (build, _, _) in SUBMISSIONS.items():
        folder = workspace / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        nbformat.write(build(), folder / f"{LESSON}.ipynb")
    before = {p: _sha(p) for p in (workspace / "submitted").rglob("*") if p.is_file()}
    command = [sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace),
               "--cell-timeout", "20", "--notebook-timeout", "45"]
    done = subprocess.run(command, capture_output=True, text=True)
    rows = {row["student_id"]: row for row in csv.DictReader((workspace / "grades.csv").open())}
    return workspace, done, before, rows


def test_the_batch_survives(graded):
    """Does grading finish with a row for every student, whatever their notebook did?"""
    _, done, _, rows = graded
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(rows) == set(SUBMISSIONS)


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_each_gets_what_it_deserves(graded, student):
    """Does each submission score what its answers are worth, with the reason when it lost points?"""
    if student in NEED_ROOT and not SANDBOXED:
        pytest.skip("hiding the solutions and cutting the network need root")
    _, _, _, rows = graded
    _, expected, reason = SUBMISSIONS[student]
    row = rows[student]
    if expected is None:
        assert float(row["score"]) < FULL
    else:
        assert float(row["score"]) == expected, row
    assert reason in row["reason"]


def test_originals_are_unchanged(graded):
    """Are all submitted files byte for byte as handed in?"""
    _, _, before, _ = graded
    assert {p: _sha(p) for p in before} == before


def test_nothing_outlives_grading(graded):
    """Is no process of any student's notebook left running after the batch?"""
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if "autograder.kernel_launcher" in " ".join(p.info["cmdline"] or [])
                 or "ipykernel_launcher" in " ".join(p.info["cmdline"] or []) and p.username() == "nobody"]
    assert leftovers == []
