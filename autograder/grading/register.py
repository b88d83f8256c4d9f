"""`python -m autograder register`: put every lesson the gradebook does not know yet into it, for the formgrader.

`make instructor` runs it before it starts JupyterLab, so that a fresh clone's formgrader lists every lesson, ready
to grade.
"""

from __future__ import annotations

from pathlib import Path

from autograder.notebook.course import DEFAULT_WORKSPACE, lessons, run_nbgrader, workspace_flags


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
    from .gradebook import create_gradebook

    workspace.mkdir(parents=True, exist_ok=True)
    create_gradebook(workspace / "gradebook.db")  # saves nbgrader an `alembic` process in a fresh clone
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
