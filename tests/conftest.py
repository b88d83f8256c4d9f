"""Shared test set-up: quiet TensorFlow before anything imports it, find the virtualenv's commands, and mark tests.

nbgrader runs `alembic` from PATH. `make test` puts the virtualenv's bin folder first on PATH; so does this file,
so that `.venv/bin/python -m pytest` works the same without make.

Markers (pyproject.toml): every test under tests/pipeline/ is `pipeline`, every test under tests/browser/ is
`browser`; a test marked `root` is skipped, with the reason, when the suite does not run as root.
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


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts[0]
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
        if item.get_closest_marker("root") and os.geteuid() != 0:
            item.add_marker(pytest.mark.skip(reason="needs root"))
