"""Where the course lives, and how to call the stock nbgrader commands on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .quiet import quiet_environment

ROOT = Path(__file__).resolve().parents[2]
"""The repository root, which is also the nbgrader course root."""
SOURCE = ROOT / "source"
RELEASE = ROOT / "course"
DEFAULT_WORKSPACE = ROOT / "grading"
"""The git-ignored folder where everything grading produces goes by default."""


def tool_environment() -> dict[str, str]:
    """The environment for nbgrader and the kernels it starts.

    nbgrader runs `alembic` from PATH, and a kernel spec may name `python`: both must find this interpreter's
    virtualenv even when nobody activated it. TensorFlow's logging is turned down so that it writes nothing to
    stderr, which nbgrader would count as a failed test.
    """
    env = quiet_environment()
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def workspace_flags(workspace: Path, submitted: Path | None = None) -> list[str]:
    """nbgrader command-line flags that send every grading step's files to `workspace`.

    Args:
        workspace: the grading folder.
        submitted: where the submissions are read from, if not `workspace/submitted`.
    """
    ws = workspace.resolve()
    return [
        f"--CourseDirectory.root={ROOT}",
        f"--CourseDirectory.release_directory={ws / 'release'}",
        f"--CourseDirectory.submitted_directory={(submitted or ws / 'submitted').resolve()}",
        f"--CourseDirectory.autograded_directory={ws / 'autograded'}",
        f"--CourseDirectory.feedback_directory={ws / 'feedback'}",
        f"--CourseDirectory.db_url=sqlite:///{ws / 'gradebook.db'}",
    ]


def run_nbgrader(args: list[str], log: Path | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a stock nbgrader command from the course root with this interpreter.

    Args:
        args: the command and its arguments, for example `["autograde", "03_sequential"]`.
        log: a file to append the command's output to; None keeps it in the result.
        timeout: seconds before the command is stopped.

    Returns:
        The finished process, with its output as text when no log file was given.
    """
    command = [sys.executable, "-m", "nbgrader", *args]
    if log is None:
        return subprocess.run(
            command, cwd=ROOT, env=tool_environment(), capture_output=True, text=True, timeout=timeout
        )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as handle:
        handle.write("$ nbgrader " + " ".join(args) + "\n")
        handle.flush()
        return subprocess.run(
            command, cwd=ROOT, env=tool_environment(), stdout=handle, stderr=subprocess.STDOUT, timeout=timeout
        )


def lessons() -> list[str]:
    """The assignment ids: the folders of source/ that hold a notebook."""
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
