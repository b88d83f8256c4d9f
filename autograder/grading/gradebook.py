"""The class gradebook: only the driver writes it, from what the workers send back.

Each worker grades one student into a copy of `template_gradebook` (the assignment, no students), so the copy stays
small however large the class; the driver then imports the worker's grades into the class gradebook.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

from .errors import GradingError
from .task import GradeOutcome

# nbgrader's gradebook API trips SQLAlchemy warnings that say nothing to an instructor.
warnings.filterwarnings("ignore", module=r"nbgrader\.api")


def db_url(workspace: Path) -> str:
    """The SQLAlchemy URL of the gradebook in `workspace`."""
    return f"sqlite:///{workspace.resolve() / 'gradebook.db'}"


def create_gradebook(db: Path) -> bool:
    """Make an empty gradebook at `db`, the one stock nbgrader would make, unless a file is there; True if it made one.

    nbgrader stamps a new gradebook with the version of its database schema, which it reads by running `alembic heads`
    in a new process: that process imports nbgrader whole, about 1.3 CPU-s at the start of every grading run in a new
    workspace. This reads the same version from nbgrader's own migration scripts in this process, and makes the tables
    from nbgrader's own schema; nbgrader then opens the file as one of its own. Should that fail (another nbgrader or
    alembic), or a gradebook appear meanwhile, it leaves no file of its own behind and returns False: nbgrader then
    makes the gradebook itself, as before, or keeps the one that appeared.
    """
    if db.exists():
        return False
    partial = db.with_name(f".{db.name}.{os.getpid()}.new")
    try:
        from alembic.script import ScriptDirectory
        from nbgrader.api import Base
        from nbgrader.dbutil import ALEMBIC_DIR
        from sqlalchemy import create_engine, text

        head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
        if not head:
            raise ValueError("nbgrader's migration scripts name no version")
        engine = create_engine(f"sqlite:///{partial}", future=True)
        try:
            Base.metadata.create_all(bind=engine)
            with engine.begin() as connection:  # as nbgrader's Gradebook stamps a new database
                connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"))
                connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        finally:
            engine.dispose()
        os.link(partial, db)  # only if no gradebook appeared meanwhile: a link never replaces a file
        return True
    except Exception:  # noqa: BLE001 (nbgrader makes it itself, at its usual cost)
        return False
    finally:
        partial.unlink(missing_ok=True)


STUDENT_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment", "student")
"""The gradebook tables that hold students and their work (nbgrader's schema): a template keeps none of them."""


def template_gradebook(db: Path) -> bytes:
    """A copy of the class gradebook `db` without students: the assignments and their cells only.

    Each worker grades one student into a copy of it, so it stays small however large the class.
    """
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="kmw-template-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        source = sqlite3.connect(db)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # a consistent copy, even of a database in use
            tables = {name for (name,) in target.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            missing = set(STUDENT_TABLES) - tables
            if missing:
                raise GradingError(f"the gradebook {db} has no table {', '.join(sorted(missing))}: "
                                   "is it from another version of nbgrader?")
            with target:
                for table in STUDENT_TABLES:
                    target.execute(f"DELETE FROM {table}")  # noqa: S608 (names from the constant above)
            target.execute("VACUUM")
        finally:
            source.close()
            target.close()
        return copy.read_bytes()


def import_outcome(workspace: Path, assignment: str, outcome: GradeOutcome) -> None:
    """Write a worker's result into the workspace: the autograded files, the feedback the worker wrote (if it could),
    and the grades into the gradebook."""
    from nbgrader.api import Gradebook

    folder = workspace / "autograded" / outcome.student / assignment
    _replace_folder(folder, outcome.autograded)
    if outcome.feedback:
        _replace_folder(workspace / "feedback" / outcome.student / assignment, outcome.feedback)
    with Gradebook(db_url(workspace)) as gradebook:
        gradebook.update_or_create_student(outcome.student)
        # the submission's time, as stock `nbgrader autograde` records it: the formgrader counts a submission as
        # autograded only when this matches the timestamp.txt that `nbgrader collect` put beside it
        submission = gradebook.update_or_create_submission(
            assignment, outcome.student, timestamp=_submitted_at(folder / "timestamp.txt"))
        for notebook in submission.notebooks:
            scores = outcome.scores.get(notebook.name, {})
            for grade in notebook.grades:
                found = scores.get(grade.name)
                grade.auto_score = found["auto_score"] if found else 0
                grade.needs_manual_grade = found["needs_manual_grade"] if found else False
            for comment in notebook.comments:
                comment.auto_comment = outcome.comments.get(notebook.name, {}).get(comment.name)
        gradebook.db.commit()


def _replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Make `folder` hold `files` (relative path -> content) and nothing else."""
    shutil.rmtree(folder, ignore_errors=True)
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _submitted_at(stamp: Path):
    """The time in a submission's timestamp.txt, as nbgrader reads it; None without one (or with an unreadable one)."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(stamp.read_text().strip())
    except (OSError, ValueError):
        return None


def record_zero(workspace: Path, assignment: str, student: str) -> None:
    """Record 0 for a student whose notebook could not be graded, so that exports agree with grades.csv."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url(workspace)) as gradebook:
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()
