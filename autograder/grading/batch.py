"""`python -m autograder grade ASSIGNMENT`: grade a class with stock nbgrader, in parallel, in sandboxes.

The driver checks and stages each submission, sends it as a task to a worker (`task.run_task`: stock
`nbgrader autograde` in a private course folder, under the sandbox), and writes what comes back into the class
gradebook: only the driver writes the gradebook. Workers are local processes, or a Dask cluster.
One broken submission costs that student, never the batch.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import nbformat

from autograder.notebook.course import RELEASE, SOURCE, run_nbgrader, workspace_flags
from .errors import FeedbackError, GradingError
from .gradebook import create_gradebook, db_url, import_outcome, record_zero, template_gradebook
from .preflight import blocking_findings
from autograder.judge.judging import plan_for
from autograder.isolation.limits import Limits
from autograder.notebook.cells import failure_message, is_test_cell, nbgrader_meta
from autograder.notebook.results import StudentGrade
from autograder.notebook.reading import NotebookError, read_notebook
from .staging import stage, submission_hash
from .task import GradeOutcome, GradeTask, last_error
from .workers import Workers


def expected_notebooks(assignment: str) -> list[str]:
    """The notebook file names the assignment is made of, from its source folder."""
    folder = SOURCE / assignment
    names = sorted(p.name for p in folder.glob("*.ipynb"))
    if not names:
        known = ", ".join(sorted(p.name for p in SOURCE.iterdir() if p.is_dir())) or "none"
        raise GradingError(f"There is no assignment {assignment!r} in {SOURCE}. Known assignments: {known}.")
    return names


def preflight(folder: Path, notebooks: list[str]) -> str | None:
    """Why a submission folder cannot be graded (the first such finding), or None when it looks gradable."""
    blocking = blocking_findings(folder, notebooks)
    return blocking[0].message if blocking else None


def students(workspace: Path) -> list[str]:
    """The student ids: the folder names under `workspace/submitted`."""
    submitted = workspace / "submitted"
    if not submitted.is_dir():
        raise GradingError(
            f"No submissions: {submitted} does not exist. Put each student's work in "
            f"{submitted}/<student_id>/<assignment>/<notebook>.ipynb (nbgrader collect does this)."
        )
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


def prepare(assignment: str, workspace: Path) -> tuple[float, bytes]:
    """Put the assignment into the class gradebook; return its maximum score and an empty template gradebook."""
    from nbgrader.api import Gradebook

    workspace.mkdir(parents=True, exist_ok=True)
    create_gradebook(workspace / "gradebook.db")  # saves nbgrader an `alembic` process in a new workspace
    log = workspace / "logs" / "_generate_assignment.log"
    log.unlink(missing_ok=True)
    done = run_nbgrader(["generate_assignment", assignment, "--force", *workspace_flags(workspace)], log=log)
    if done.returncode != 0:
        raise GradingError(f"nbgrader generate_assignment {assignment} failed: "
                           f"{last_error(log.read_text(errors='replace'))} (see {log})")
    with Gradebook(db_url(workspace)) as gradebook:
        max_score = float(gradebook.find_assignment(assignment).max_score)
    return max_score, template_gradebook(workspace / "gradebook.db")


def _failed_tests(autograded: Path) -> list[tuple[str, str]]:
    """(grade id, message) for each test cell that failed in the autograded notebooks."""
    failures = []
    for path in sorted(autograded.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if is_test_cell(cell):
                message = failure_message(cell)
                if message:
                    failures.append((nbgrader_meta(cell).get("grade_id", "?"), message))
    return failures


def _failure_feedback(workspace: Path, assignment: str, student: str, notebooks: list[str], reason: str) -> None:
    """Feedback for a submission that could not be graded: the reason, in place of the graded notebook."""
    folder = workspace / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name in notebooks:
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(assignment)}</title></head>"
                f"<body><h1>{html.escape(assignment)}: not graded</h1><p>Your notebook scored 0 because it could "
                f"not be graded: {html.escape(reason)}.</p><p>Fix this, check your notebook with "
                f"<code>python -m autograder check {html.escape(name)}</code>, and hand it in again.</p></body></html>")
        (folder / name.replace(".ipynb", ".html")).write_text(page)


def _state_path(workspace: Path, student: str) -> Path:
    return workspace / "state" / f"{student}.json"


def load_finished(workspace: Path, student: str, fingerprint: str) -> StudentGrade | None:
    """The grade recorded for this exact submission by an earlier run, if any."""
    try:
        state = json.loads(_state_path(workspace, student).read_text())
    except (OSError, ValueError):
        return None
    if state.get("fingerprint") != fingerprint:
        return None
    fields = state["grade"]
    fields["failed_tests"] = tuple(fields.get("failed_tests", ()))
    return StudentGrade(**fields)


def save_finished(workspace: Path, grade: StudentGrade, fingerprint: str) -> None:
    """Record a finished grade, so that an interrupted batch resumes without grading it again."""
    path = _state_path(workspace, grade.student_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "grade": asdict(grade)}))
    tmp.replace(path)


def grade_assignment(
    assignment: str,
    workspace: Path,
    progress: Callable[[StudentGrade | None, int, int], None] | None = None,
    limits: Limits = Limits(),
    force: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    judge: bool = True,
) -> list[StudentGrade]:
    """Grade every submission of `assignment` found in `workspace/submitted`.

    Args:
        assignment: the assignment id, for example `03_sequential`.
        workspace: the folder holding `submitted/`; autograded copies, feedback, logs and the gradebook go there.
        progress: called with each finished `StudentGrade`, how many are done, and how many in all; first with
            None and 0, as soon as the number of students is known.
        limits: what each student's notebook may use.
        force: grade again submissions already graded in their current state.
        workers: how many submissions to grade at once on this machine.
        scheduler: the address of a Dask scheduler (`tcp://host:port`) to grade on instead.
        judge: run the test cells outside each student's kernel (`autograder.judge`), which then skips them; a
            notebook that never lets the judge in loses the tests it could not check. False leaves the tests to the
            kernel, as stock nbgrader does.

    Returns:
        One `StudentGrade` per student folder, sorted by student id.

    Raises:
        GradingError: when the assignment or the submitted folder does not exist.
    """
    notebooks = expected_notebooks(assignment)
    ids = students(workspace)
    if progress:
        progress(None, 0, len(ids))
    sorted_out = triage(workspace, assignment, ids, notebooks, force)
    # Workers start, and import TensorFlow, while nbgrader sets up; a run with nothing left to grade starts none.
    runners = Workers(workers, scheduler, limits) if sorted_out.pending else None
    try:
        return _grade(assignment, workspace, notebooks, ids, sorted_out, runners, progress, limits, judge)
    finally:
        if runners is not None:
            runners.close()


@dataclass(frozen=True)
class Triage:
    """What becomes of each submission before any grading: refused, already graded, or sent to a worker."""

    problems: dict[str, str]
    """Why a submission cannot be graded, by student (it scores 0)."""
    fingerprints: dict[str, str]
    """The content hash of each gradable submission, by student."""
    finished: dict[str, StudentGrade]
    """Grades an earlier run recorded for these very submissions, by student."""

    @property
    def pending(self) -> list[str]:
        """The students whose submissions go to a worker."""
        return [s for s in self.fingerprints if s not in self.finished]


def triage(workspace: Path, assignment: str, ids: list[str], notebooks: list[str], force: bool) -> Triage:
    """Sort the submissions into refused, already graded (unless `force`), and to grade."""
    problems, fingerprints, finished = {}, {}, {}
    for student in ids:
        original = workspace / "submitted" / student / assignment
        problem = preflight(original, notebooks)
        if problem:
            problems[student] = problem
            continue
        fingerprints[student] = submission_hash(original)
        done = None if force else load_finished(workspace, student, fingerprints[student])
        if done is not None:
            finished[student] = done
    return Triage(problems, fingerprints, finished)


def _grade(assignment: str, workspace: Path, notebooks: list[str], ids: list[str], sorted_out: Triage,
           runners: Workers | None, progress: Callable[[StudentGrade | None, int, int], None] | None, limits: Limits,
           judge: bool) -> list[StudentGrade]:
    max_score, template = prepare(assignment, workspace)
    plans = tuple(plan_for(SOURCE / assignment / name) for name in notebooks) if judge else ()
    results: dict[str, StudentGrade] = {}
    tasks, fingerprints, started = [], sorted_out.fingerprints, {}

    def finish(grade: StudentGrade) -> None:
        results[grade.student_id] = grade
        if progress:
            progress(grade, len(results), len(ids))

    for student in ids:
        started[student] = time.monotonic()
        original = workspace / "submitted" / student / assignment
        problem = sorted_out.problems.get(student)
        if problem:
            record_zero(workspace, assignment, student)
            _failure_feedback(workspace, assignment, student, notebooks, problem)
            finish(StudentGrade(student, assignment, 0.0, max_score, "failed", problem))
            continue
        if student in sorted_out.finished:
            finish(sorted_out.finished[student])
            continue
        staged = workspace / "staged" / student / assignment
        notes = stage(original, staged, RELEASE / assignment)
        files = {str(p.relative_to(staged)): p.read_bytes() for p in sorted(staged.rglob("*")) if p.is_file()}
        tasks.append(GradeTask(assignment, student, files, template, limits, plans))
        if notes:
            (workspace / "logs").mkdir(parents=True, exist_ok=True)
            (workspace / "logs" / f"{student}.staging.log").write_text("\n".join(notes) + "\n")

    feedback_missing = []
    for outcome in runners.run(tasks) if runners and tasks else ():
        student = outcome.student
        (workspace / "logs").mkdir(parents=True, exist_ok=True)
        (workspace / "logs" / f"{student}.log").write_text(outcome.log)
        seconds = outcome.seconds or time.monotonic() - started[student]
        if not outcome.ok:
            record_zero(workspace, assignment, student)
            _failure_feedback(workspace, assignment, student, notebooks, outcome.reason)
            grade = StudentGrade(student, assignment, 0.0, max_score, "failed", outcome.reason, seconds=seconds)
            if student not in runners.lost:  # its workers died, not its notebook: grading again tries it again
                save_finished(workspace, grade, fingerprints[student])
            finish(grade)
            continue
        import_outcome(workspace, assignment, outcome)
        if not outcome.feedback:
            feedback_missing.append(student)
        grade = _graded(workspace, assignment, student, seconds)
        save_finished(workspace, grade, fingerprints[student])
        finish(grade)

    if feedback_missing:
        # The workers wrote the feedback of the students they graded; one nbgrader run writes any page they could
        # not (it writes every missing page): clear the pages of those students first.
        for student in feedback_missing:
            shutil.rmtree(workspace / "feedback" / student / assignment, ignore_errors=True)
        log = workspace / "logs" / "_generate_feedback.log"
        log.unlink(missing_ok=True)
        done = run_nbgrader(["generate_feedback", assignment, *workspace_flags(workspace)], log=log)
        if done.returncode != 0:
            raise FeedbackError(f"the grades stand, but nbgrader generate_feedback failed: "
                                f"{last_error(log.read_text(errors='replace'))} (see {log})",
                                [results[student] for student in ids])
    return [results[student] for student in ids]


def _graded(workspace: Path, assignment: str, student: str, seconds: float) -> StudentGrade:
    """A graded student's grade, read back from the gradebook, with the tests that lost points."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url(workspace)) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        score, total, manual = submission.score, submission.max_score, submission.needs_manual_grade
    failures = _failed_tests(workspace / "autograded" / student / assignment)
    return StudentGrade(
        student, assignment, float(score), float(total), "graded",
        "; ".join(f"{grade_id}: {message}" for grade_id, message in failures),
        bool(manual), seconds, tuple(grade_id for grade_id, _ in failures),
    )
