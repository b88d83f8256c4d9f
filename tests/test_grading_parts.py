"""Small parts of batch grading, tested directly: a new gradebook, the template gradebook, importing a result,
starting nbgrader without a zygote, and what the workers make of a scheduler they cannot reach or a task whose workers
died."""

import sqlite3
import sys

import pytest
from nbgrader.api import Gradebook

from autograder.grading.gradebook import STUDENT_TABLES, create_gradebook, import_outcome, template_gradebook
from autograder.grading.task import GradeOutcome
from autograder.isolation.watchdog import start


def _count(db, table):
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 (our constant)


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own, on adding a submission
def test_template_keeps_the_assignment_and_drops_every_student(tmp_path):
    """Does the template gradebook keep the assignment's grade cells, and drop every student and their grades?"""
    db = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gradebook:
        gradebook.add_assignment("03_sequential")
        gradebook.add_notebook("03_sequential", "03_sequential")
        gradebook.add_grade_cell("a_test", "03_sequential", "03_sequential", max_score=2, cell_type="code")
        for student in ("ada", "grace"):
            gradebook.add_student(student)
            gradebook.add_submission("03_sequential", student)
    assert _count(db, "student") == 2 and _count(db, "grade") == 2

    template = tmp_path / "template.db"
    template.write_bytes(template_gradebook(db))

    for table in STUDENT_TABLES:
        assert _count(template, table) == 0, table
    with Gradebook(f"sqlite:///{template}") as gradebook:
        assert gradebook.find_assignment("03_sequential").max_score == 2
        assert [s.id for s in gradebook.students] == []
    assert _count(db, "student") == 2, "the class gradebook itself must not change"


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own, on adding a submission
def test_an_imported_result_is_autograded_in_the_formgraders_eyes(tmp_path):
    """Does a graded submission carry its timestamp.txt's time into the gradebook, as `nbgrader autograde` does, so
    that the formgrader counts it autograded (and not "needs autograding")?"""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("03_sequential")
        gradebook.add_notebook("03_sequential", "03_sequential")
    stamp = b"2026-11-29 16:19:03.250554 UTC"
    (tmp_path / "submitted" / "ada" / "03_sequential").mkdir(parents=True)
    (tmp_path / "submitted" / "ada" / "03_sequential" / "timestamp.txt").write_bytes(stamp)
    outcome = GradeOutcome("ada", ok=True, autograded={"03_sequential.ipynb": b"{}", "timestamp.txt": stamp})
    import_outcome(tmp_path, "03_sequential", outcome)

    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert NbGraderAPI(config=config).get_autograded_students("03_sequential") == {"ada"}


def test_nbgrader_starts_afresh_when_the_zygote_is_gone(tmp_path):
    """When the worker's zygote cannot be reached, does the command still run, as a process of its own, with a note?"""
    log = tmp_path / "log.txt"
    env = {"PATH": "/usr/bin:/bin"}
    with log.open("w") as handle:
        proc = start([sys.executable, "-m", "platform"], env, handle, zygote=str(tmp_path / "no-such-socket"))
        assert proc.wait(60) == 0
    text = log.read_text()
    assert "[autograder] grading without the zygote" in text
    assert "Linux" in text, text  # what `python -m platform` printed


def test_an_unreachable_scheduler_is_a_clear_error():
    """Is a --scheduler address where no scheduler listens a GradingError that names it, not a traceback from Dask?"""
    import socket

    import dask
    import distributed  # noqa: F401 (before config.set, whose exit would drop the defaults it adds on import)

    from autograder.grading.errors import GradingError
    from autograder.grading.workers import Workers
    from autograder.isolation.limits import Limits

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"  # nothing listens there once it is closed
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        workers = Workers(1, address, Limits(prewarm=False))
        with pytest.raises(GradingError, match=f"cannot grade on the Dask scheduler at {address}: OSError"):
            list(workers.run([]))
    workers.close()


class _Finished:
    """A finished Dask future as `Workers` reads it: its result, or the error that ended it."""

    def __init__(self, error: Exception) -> None:
        self.error, self.released = error, False

    def result(self):
        raise self.error

    def release(self) -> None:
        self.released = True


def test_a_task_its_workers_died_on_costs_that_student_alone():
    """Does Dask's KilledWorker become that student's failed outcome, with the reason, left for the next run to retry?"""
    from distributed import KilledWorker

    from autograder.grading.workers import Workers
    from autograder.isolation.limits import Limits

    workers = Workers(1, None, Limits(prewarm=False))
    future = _Finished(KilledWorker("grade-02_layers-ada-1234", None, allowed_failures=1))
    outcome = workers._outcome(future, "ada")
    assert (outcome.student, outcome.ok) == ("ada", False)
    assert outcome.reason == "the grader's worker process died each of the 2 times it graded this notebook, so it " \
                             "could not be graded"
    assert workers.lost == {"ada"} and future.released
    other = workers._outcome(_Finished(TypeError("cannot unpickle the task")), "grace")
    assert other.reason == "grading error: TypeError: cannot unpickle the task" and workers.lost == {"ada"}
    workers.close()


def _schema(db):
    with sqlite3.connect(db) as connection:
        tables = sorted(connection.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index')"))
        return tables, connection.execute("SELECT version_num FROM alembic_version").fetchall()


def test_a_new_gradebook_is_the_one_nbgrader_makes(tmp_path):
    """Does `create_gradebook` make the tables, indexes and schema version that nbgrader's own Gradebook makes (it
    asks `alembic heads` in a process of its own), so that nbgrader opens it as its own?"""
    ours, stock = tmp_path / "ours" / "gradebook.db", tmp_path / "stock" / "gradebook.db"
    ours.parent.mkdir()
    stock.parent.mkdir()
    assert create_gradebook(ours) is True
    with Gradebook(f"sqlite:///{stock}"):
        pass
    assert _schema(ours) == _schema(stock)
    with Gradebook(f"sqlite:///{ours}") as gradebook:
        gradebook.add_assignment("02_layers")
    assert list(ours.parent.iterdir()) == [ours], "a half-made file was left behind"


def test_an_existing_gradebook_is_left_as_it_is(tmp_path):
    """Does `create_gradebook` leave a file that is already there alone, even one that is not a gradebook?"""
    db = tmp_path / "gradebook.db"
    db.write_bytes(b"not a database")
    assert create_gradebook(db) is False
    assert db.read_bytes() == b"not a database"
