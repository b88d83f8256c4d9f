"""Where the course lives, and how to call the stock nbgrader commands on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .quiet import quiet_environment

ROOT = Path(__file__).resolve().parent.parent
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


def known_assignments(db: Path) -> set[str]:
    """The assignments a gradebook holds (none when it does not exist yet)."""
    import sqlite3

    if not db.is_file():
        return set()
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {name for (name,) in connection.execute("SELECT name FROM assignment")}
    except sqlite3.Error:  # an empty file, or no tables yet: nbgrader creates them
        return set()
    finally:
        connection.close()


def register_lessons(workspace: Path = DEFAULT_WORKSPACE) -> list[str]:
    """Put each lesson that the workspace's gradebook does not know yet into it; return the ids registered.

    The formgrader lists an assignment, ready to grade, once the gradebook holds it. Stock
    `nbgrader generate_assignment` puts it there; its student copy goes to `workspace/release`, so course/ is left
    as it is.

    Raises:
        RuntimeError: when nbgrader fails, with its last error.
    """
    missing = [lesson for lesson in lessons() if lesson not in known_assignments(workspace / "gradebook.db")]
    if not missing:
        return []
    log = workspace / "logs" / "_register.log"
    log.unlink(missing_ok=True)
    # One nbgrader run for a fresh clone; one per lesson when only some are new.
    for assignment in ["*"] if missing == lessons() else missing:
        done = run_nbgrader(["generate_assignment", assignment, "--force", *workspace_flags(workspace)], log=log)
        if done.returncode != 0:
            lines = [line for line in log.read_text(errors="replace").splitlines() if "ERROR" in line]
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed: "
                               f"{(lines or ['no message'])[-1].strip()} (see {log})")
    return missing
