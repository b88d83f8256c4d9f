"""Shared test set-up: quiet TensorFlow before anything imports it, find the virtualenv's commands, and mark tests.

nbgrader runs `alembic` from PATH. `make test` puts the virtualenv's bin folder first on PATH; so does this file,
so that `.venv/bin/python -m pytest` works the same without make.

Markers (pyproject.toml): every test under tests/pipeline/ is `pipeline`, every test under tests/browser/ is
`browser`; a test marked `root` is skipped, with the reason, when the suite does not run as root.

`make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadfile --no-loadscope-reorder`), scheduled
by `GradingApart`: each file goes to one worker, so that its module fixtures (a JupyterLab server, a graded class)
run once, and the files that grade whole classes (`GRADING_FILES`) form one unit, collected first, that one worker
runs in turn: each of them starts grading processes of its own, and some wait for a sleeping cell or a timeout
that a doubly loaded machine could stretch. The files that start kernels, JupyterLab or grading, or run every
mutant, come next, and the quick ones last, so that both workers end at nearly the same time. (pytest-xdist's own
`--dist loadgroup` does not group under pytest 9: it renames test ids through an attribute pytest 9 no longer reads.)
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


GRADING_FILES = ("tests/pipeline/",)
"""The tests that grade whole classes: one worker runs them, one after the other, while the other runs the rest."""


def grades_classes(nodeid: str) -> bool:
    """Whether a test (by its id, relative to the repository) is one of `GRADING_FILES`."""
    return nodeid.startswith(GRADING_FILES)


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts[0]
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
        if item.get_closest_marker("root") and os.geteuid() != 0:
            item.add_marker(pytest.mark.skip(reason="needs root"))
    # The longest unit first, so that the other worker takes every other file meanwhile; then the files that start
    # kernels, JupyterLab or grading or run every mutant, and the quick ones last, so that both workers end at nearly
    # the same time.
    heavy = {item.nodeid.split("::")[0] for item in items if item.nodeid.startswith("tests/exercises/")
             or any(item.get_closest_marker(m) for m in ("pipeline", "browser", "classroom"))}
    items.sort(key=lambda item: (not grades_classes(item.nodeid), item.nodeid.split("::")[0] not in heavy))


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class GradingApart(LoadFileScheduling):
        """One file per unit, as `--dist loadfile`, but every file of `GRADING_FILES` in a single unit."""

        def _split_scope(self, nodeid: str) -> str:
            return "grading whole classes" if grades_classes(nodeid) else super()._split_scope(nodeid)

    return GradingApart(config, log)
