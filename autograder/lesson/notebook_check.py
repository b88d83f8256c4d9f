"""`python -m autograder check NOTEBOOK`: a learner checks their own notebook against its visible tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat

from autograder.notebook.cells import (
    failure_message,
    is_manual_answer,
    is_test_cell,
    nbgrader_meta,
    strip_hidden_tests,
)
from autograder.notebook.reading import read_notebook
from autograder.notebook.results import NotebookCheck, TestResult


def run_visible_tests(nb: nbformat.NotebookNode, workdir: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a copy of the notebook in `workdir`, with hidden tests removed, and return the executed copy."""
    from nbclient import NotebookClient

    from autograder.notebook.course import tool_environment

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # never touch the caller's notebook
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = strip_hidden_tests(cell.source)
    saved = dict(os.environ)
    os.environ.update(tool_environment())
    try:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(stderr=subprocess.DEVNULL)  # the kernel process's own start-up warnings
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def collect(nb: nbformat.NotebookNode, name: str) -> NotebookCheck:
    """Turn an executed notebook into results: one per test cell, and the manually graded answers."""
    tests, manual = [], []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            message = failure_message(cell)
            points = float(meta.get("points", 0))
            tests.append(TestResult(meta.get("grade_id", "?"), message is None, 0.0 if message else points, points, message or ""))
        elif is_manual_answer(cell):
            manual.append(meta.get("grade_id", "?"))
    return NotebookCheck(notebook=name, tests=tuple(tests), manual=tuple(manual))


def check_notebook(path: str | Path, timeout: int = 120) -> NotebookCheck:
    """Run a notebook's visible tests without changing the file.

    Args:
        path: the student's notebook.
        timeout: seconds each cell may take.

    Returns:
        A `NotebookCheck` with one `TestResult` per visible test.

    Raises:
        NotebookError: when the file is missing or not a notebook.
    """
    path = Path(path)
    nb = read_notebook(path)
    executed = run_visible_tests(nb, path.resolve().parent, timeout=timeout)
    return collect(executed, str(path))
