"""Shared test set-up: quiet TensorFlow before anything imports it, find the virtualenv's commands, and mark tests.

nbgrader runs `alembic` from PATH. `make test` puts the virtualenv's bin folder first on PATH; so does this file,
so that `.venv/bin/python -m pytest` works the same without make.

Markers (pyproject.toml): every test under tests/pipeline/ is `pipeline`, every test under tests/browser/ is
`browser`; a test marked `root` is skipped, with the reason, when the suite does not run as root.

`make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup --no-loadscope-reorder`). Each file
is a group of its own, so its module fixtures (a JupyterLab server, a graded class) run once; the tests that grade
whole classes (pipeline, classroom) form one group, collected first, that one worker runs alone and in turn, since
each of them grades on two processes already and looks for processes its grading left behind.
"""

import os
import sys
from pathlib import Path

import pytest

from autograder.notebook.quiet import quiet_tensorflow

os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
quiet_tensorflow()

FOLDER_MARKERS = {"pipeline": pytest.mark.pipeline, "browser": pytest.mark.browser}


def pytest_addoption(parser):
    parser.addoption("--fast", action="store_true",
                     help="judge only the reference and the correct answers outside the kernel, not every mutant "
                          "(make test-fast); the full run judges them all")


def pytest_configure(config):
    if config.getoption("--fast"):
        import harness

        harness.JUDGE_MUTANTS = False


GRADING_GROUP = "grading-classes"
"""The xdist group of the tests that grade whole classes: one worker runs them, one after the other."""


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).relative_to(Path(__file__).parent)
        if path.parts[0] in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[path.parts[0]])
        if item.get_closest_marker("root") and os.geteuid() != 0:
            item.add_marker(pytest.mark.skip(reason="needs root"))
        grading = item.get_closest_marker("pipeline") or item.get_closest_marker("classroom")
        item.add_marker(pytest.mark.xdist_group(GRADING_GROUP if grading else str(path)))
    # the longest group first, so that the other worker takes every other file meanwhile
    items.sort(key=lambda item: not (item.get_closest_marker("pipeline") or item.get_closest_marker("classroom")))
