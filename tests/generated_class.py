"""A graded class made up for the report and export tests, with known answers, without running a notebook.

It writes what `python -m autograder grade` leaves in a workspace: a real nbgrader gradebook (through nbgrader's
own API and ORM classes, the way `grade.import_outcome` fills it), grades.csv (with `autograder.notebook.presentation`), the
autograded notebooks (the released notebook with each test cell's output set to pass or to fail with a message),
and logs.
"""

from __future__ import annotations

import functools
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from harness import notebook_path, source_notebook

from autograder.notebook.cells import is_test_cell, nbgrader_meta
from autograder.notebook.course import RELEASE, lessons
from autograder.notebook.presentation import write_grades_csv
from autograder.notebook.results import StudentGrade

warnings.filterwarnings("ignore", module=r"nbgrader\.api")

NOT_DONE = ("NotImplementedError", "")
"""The error of a test whose exercise the student left as released."""


@dataclass(frozen=True)
class Outcome:
    """What one made-up student got."""

    student_id: str
    """The student id."""
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Failing tests: grade id -> (error name, message) in the test cell's output."""
    written: float | None | str = None
    """The written answers' manual score; None while it waits for the instructor; "blank" left as released."""
    status: str = "graded"
    """`graded`, or `failed` when the submission could not be graded (no autograded notebook, 0 points)."""
    reason: str = ""
    """Why it failed."""
    seconds: float = 10.0
    """Grading time, for grades.csv."""
    first_name: str | None = None
    last_name: str | None = None
    lms_user_id: str | None = None


def register_assignment(gradebook, assignment: str) -> None:
    """Put the assignment, its notebook, grade cells and answer cells into the gradebook, from its source notebook."""
    gradebook.update_or_create_assignment(assignment)
    notebook = notebook_path(RELEASE, assignment).stem
    gradebook.update_or_create_notebook(notebook, assignment)
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            gradebook.update_or_create_grade_cell(meta["grade_id"], notebook, assignment,
                                                  max_score=float(meta["points"]), cell_type=cell.cell_type)
        if meta.get("solution"):
            gradebook.update_or_create_solution_cell(meta["grade_id"], notebook, assignment)


@functools.cache
def empty_gradebook() -> bytes:
    """A gradebook file holding every lesson and no student, made once per test run.

    A new gradebook costs seconds (nbgrader asks `alembic` for its schema version); each class starts from a copy.
    """
    import tempfile

    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="kmw-class-") as tmp:
        db = Path(tmp) / "gradebook.db"
        with Gradebook(f"sqlite:///{db}") as gradebook:
            for lesson in lessons():
                register_assignment(gradebook, lesson)
        return db.read_bytes()


@functools.cache
def tests_of(assignment: str) -> dict[str, float]:
    """The autograded test cells of a lesson: grade id -> points."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
            for c in source_notebook(assignment).cells if is_test_cell(c)}


def score_of(outcome: Outcome, assignment: str) -> float:
    """The points the outcome is worth: the tests it passes, plus its manual grade."""
    if outcome.status != "graded":
        return 0.0
    passed = sum(p for g, p in tests_of(assignment).items() if g not in outcome.failures)
    return passed + (outcome.written if isinstance(outcome.written, (int, float)) else 0.0)


def _submit(gradebook, found, outcome: Outcome) -> None:
    """Add one student's submission of the assignment `found` through nbgrader's ORM classes (no commit)."""
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    assignment = found.name
    student = gradebook.db.get(Student, outcome.student_id) or Student(
        id=outcome.student_id, first_name=outcome.first_name, last_name=outcome.last_name,
        lms_user_id=outcome.lms_user_id)
    submission = SubmittedAssignment(assignment=found, student=student)
    tests = tests_of(assignment)
    for notebook in found.notebooks:
        submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
        for cell in notebook.grade_cells:
            if outcome.status != "graded":
                Grade(cell_id=cell.id, notebook=submitted, auto_score=0.0, needs_manual_grade=False)
            elif cell.name in tests:
                score = 0.0 if cell.name in outcome.failures else float(cell.max_score)
                Grade(cell_id=cell.id, notebook=submitted, auto_score=score, needs_manual_grade=False)
            elif outcome.written == "blank":  # nbgrader gives 0 to an answer left as released
                Grade(cell_id=cell.id, notebook=submitted, auto_score=0.0, needs_manual_grade=False)
            else:
                Grade(cell_id=cell.id, notebook=submitted, manual_score=outcome.written,
                      needs_manual_grade=outcome.written is None)
        for cell in notebook.solution_cells:
            blank = outcome.status == "graded" and outcome.written == "blank"
            Comment(cell_id=cell.id, notebook=submitted, auto_comment="No response." if blank else None)
    gradebook.db.add(submission)  # last, as nbgrader's add_submission does: the add cascades to the whole tree


def autograded_notebook(assignment: str, outcome: Outcome) -> dict:
    """The released notebook as nbgrader leaves it graded: each test cell passes, or fails with its message."""
    nb = json.loads(notebook_path(RELEASE, assignment).read_text())
    for cell in nb["cells"]:
        if not is_test_cell(cell):
            continue
        failure = outcome.failures.get(nbgrader_meta(cell)["grade_id"])
        if failure:
            name, message = failure
            cell["outputs"] = [{"output_type": "error", "ename": name, "evalue": message,
                                "traceback": [f"{name}: {message}"]}]
        else:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "Well done.\n"}]
    return nb


def build_class(workspace: Path, assignment: str, outcomes: list[Outcome], register: tuple[str, ...] = ()) -> None:
    """Write a graded class into `workspace`: gradebook.db, grades.csv, autograded notebooks and logs.

    Args:
        workspace: the grading folder to fill.
        assignment: the lesson every outcome submitted.
        outcomes: one per student.
        register: further lessons to put into a new gradebook, unsubmitted. An existing gradebook is added to
            (it must hold `assignment`), and grades.csv is rewritten for `assignment`, as `grade` does.
    """
    from nbgrader.api import Gradebook

    workspace.mkdir(parents=True, exist_ok=True)
    db = workspace / "gradebook.db"
    new = not db.exists()
    if new:
        db.write_bytes(empty_gradebook())
    with Gradebook(f"sqlite:///{db}") as gradebook:
        for lesson in set(lessons()) - {assignment, *register} if new else ():
            gradebook.remove_assignment(lesson)
        found = gradebook.find_assignment(assignment)
        with gradebook.db.no_autoflush:
            for outcome in outcomes:
                _submit(gradebook, found, outcome)
        gradebook.db.commit()
    name = notebook_path(RELEASE, assignment).name
    for outcome in outcomes:
        if outcome.status == "graded":
            folder = workspace / "autograded" / outcome.student_id / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(json.dumps(autograded_notebook(assignment, outcome)))
        if outcome.status == "graded" or outcome.seconds:  # a refused file never reaches a worker: no log
            (workspace / "logs").mkdir(exist_ok=True)
            (workspace / "logs" / f"{outcome.student_id}.log").write_text(f"$ nbgrader autograde {assignment}\n")
    write_grades_csv([_grade(o, assignment) for o in outcomes], workspace / "grades.csv")


@functools.cache
def max_score_of(assignment: str) -> float:
    """Points available in a lesson, written answers included."""
    return sum(float(nbgrader_meta(c)["points"]) for c in source_notebook(assignment).cells
               if nbgrader_meta(c).get("grade"))


def _grade(outcome: Outcome, assignment: str) -> StudentGrade:
    max_score = max_score_of(assignment)
    failures = "; ".join(f"{g}: {m}" for g, (_, m) in outcome.failures.items())
    return StudentGrade(outcome.student_id, assignment, score_of(outcome, assignment), max_score, outcome.status,
                        outcome.reason or failures, outcome.written is None and outcome.status == "graded",
                        outcome.seconds, tuple(outcome.failures))
