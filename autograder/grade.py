"""`python -m autograder grade ASSIGNMENT`: grade every submission with stock nbgrader, one student at a time.

Each student gets their own `nbgrader autograde` and `nbgrader generate_feedback` run, so one broken
submission costs that student, never the batch.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import nbformat

from .course import RELEASE, SOURCE, run_nbgrader, tool_environment, workspace_flags
from .limits import Limits
from .notebook_cells import failure_message, is_test_cell, nbgrader_meta
from .results import StudentGrade
from .sandbox import run_supervised
from .selfcheck import NotebookError, read_notebook
from .staging import stage, submission_hash


class GradingError(RuntimeError):
    """The assignment itself cannot be graded (not a student's fault)."""


def expected_notebooks(assignment: str) -> list[str]:
    """The notebook file names the assignment is made of, from its source folder."""
    folder = SOURCE / assignment
    names = sorted(p.name for p in folder.glob("*.ipynb"))
    if not names:
        known = ", ".join(sorted(p.name for p in SOURCE.iterdir() if p.is_dir())) or "none"
        raise GradingError(f"There is no assignment {assignment!r} in {SOURCE}. Known assignments: {known}.")
    return names


def preflight(folder: Path, notebooks: list[str]) -> str | None:
    """Why a submission folder cannot be graded, or None when it looks gradable."""
    if not folder.is_dir():
        found = ", ".join(sorted(p.name for p in folder.parent.iterdir())) if folder.parent.is_dir() else ""
        return f"no folder {folder.name}/ in the submission" + (f" (found: {found})" if found else "")
    for name in notebooks:
        path = folder / name
        if path.is_symlink():
            return f"{name} is a link to another file, not a notebook"
        if not path.exists():
            found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "no notebooks"
            return f"missing notebook {name} (found: {found})"
        try:
            nb = read_notebook(path)
        except NotebookError as error:
            return str(error).replace(str(path), name)
        other = belongs_elsewhere(nb, folder.name)
        if other:
            return f"{name} is the notebook of assignment {other}, not {folder.name}"
    return None


def grade_ids(nb) -> set[str]:
    """The nbgrader grade ids of a notebook's cells."""
    return {nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def belongs_elsewhere(nb, assignment: str) -> str | None:
    """The other assignment a notebook was made from, when it shares no cell with its own."""
    ids = grade_ids(nb)
    own = set().union(*(grade_ids(read_notebook(p)) for p in (RELEASE / assignment).glob("*.ipynb")))
    if not ids or ids & own:
        return None
    for folder in sorted(RELEASE.iterdir()):
        for path in folder.glob("*.ipynb"):
            if ids & grade_ids(read_notebook(path)):
                return folder.name
    return None


def _last_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [line for line in lines if "| ERROR]" in line or "Error:" in line]
    text = (errors or lines or ["nbgrader failed without a message"])[-1]
    return re.sub(r"^\[\w+ \| ERROR\] ", "", text).strip()[:300]


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


def _zero(student: str, assignment: str, max_score: float, reason: str, started: float) -> StudentGrade:
    return StudentGrade(student, assignment, 0.0, max_score, "failed", reason, seconds=time.monotonic() - started)


def _state_path(workspace: Path, student: str) -> Path:
    return workspace / "state" / f"{student}.json"


def _load_finished(workspace: Path, student: str, fingerprint: str) -> StudentGrade | None:
    """The grade recorded for this exact submission by an earlier run, if any."""
    path = _state_path(workspace, student)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if state.get("fingerprint") != fingerprint:
        return None
    fields = state["grade"]
    fields["failed_tests"] = tuple(fields.get("failed_tests", ()))
    return StudentGrade(**fields)


def _save_finished(workspace: Path, grade: StudentGrade, fingerprint: str) -> None:
    path = _state_path(workspace, grade.student_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "grade": asdict(grade)}))
    tmp.replace(path)


def grade_student(
    student: str, assignment: str, workspace: Path, notebooks: list[str], max_score: float,
    limits: Limits = Limits(), force: bool = False,
) -> StudentGrade:
    """Autograde one student's submission in a sandbox and write their feedback.

    The submission is copied to `workspace/staged` first (deleted test cells restored, shadowing files
    removed), so the original is never modified. A submission already graded in this exact state is not
    graded again unless `force` is set.

    Returns:
        The student's grade; a submission that cannot be graded scores 0 with the reason.
    """
    from nbgrader.api import Gradebook, MissingEntry

    started = time.monotonic()
    original = workspace / "submitted" / student / assignment
    problem = preflight(original, notebooks)
    if problem:
        return _zero(student, assignment, max_score, problem, started)
    fingerprint = submission_hash(original)
    if not force:
        finished = _load_finished(workspace, student, fingerprint)
        if finished is not None:
            return finished
    staged_root = workspace / "staged"
    notes = stage(original, staged_root / student / assignment, RELEASE / assignment)
    log = workspace / "logs" / f"{student}.log"
    log.unlink(missing_ok=True)
    if notes:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(f"[autograder] in the graded copy: {note}\n" for note in notes))
    flags = [*workspace_flags(workspace, staged_root), f"--Execute.timeout={limits.cell_seconds}"]
    with tempfile.TemporaryDirectory(prefix="kmw-") as scratch:
        env = tool_environment()
        command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student, "--force",
                   *flags]
        outcome = run_supervised(command, env, limits, Path(scratch), workspace, log)
    autograded = workspace / "autograded" / student / assignment
    if outcome.stopped:
        grade = _zero(student, assignment, max_score, outcome.stopped, started)
        _record_zero(workspace, assignment, student)
        _save_finished(workspace, grade, fingerprint)
        return grade
    if outcome.returncode != 0 or not all((autograded / n).exists() for n in notebooks):
        return _zero(student, assignment, max_score, f"autograde failed: {_last_error(log)}", started)
    run_nbgrader(["generate_feedback", assignment, "--student", student, "--force", *flags], log=log)
    with Gradebook(f"sqlite:///{workspace.resolve() / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return _zero(student, assignment, max_score, "autograde left no grades in the gradebook", started)
        score, total, manual = submission.score, submission.max_score, submission.needs_manual_grade
    failures = _failed_tests(autograded)
    reason = "; ".join(f"{grade_id}: {message}" for grade_id, message in failures)
    grade = StudentGrade(
        student, assignment, float(score), float(total), "graded", reason, bool(manual),
        time.monotonic() - started, tuple(grade_id for grade_id, _ in failures),
    )
    _save_finished(workspace, grade, fingerprint)
    return grade


def _record_zero(workspace: Path, assignment: str, student: str) -> None:
    """Zero a stopped student's automatic grades in the gradebook, so that exports agree with grades.csv."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{workspace.resolve() / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
        gradebook.db.commit()


def prepare(assignment: str, workspace: Path) -> float:
    """Put the assignment into the workspace's gradebook and return its maximum score."""
    from nbgrader.api import Gradebook

    workspace.mkdir(parents=True, exist_ok=True)
    log = workspace / "logs" / "_generate_assignment.log"
    log.unlink(missing_ok=True)
    done = run_nbgrader(["generate_assignment", assignment, "--force", *workspace_flags(workspace)], log=log)
    if done.returncode != 0:
        raise GradingError(f"nbgrader generate_assignment {assignment} failed: {_last_error(log)} (see {log})")
    with Gradebook(f"sqlite:///{workspace.resolve() / 'gradebook.db'}") as gradebook:
        return float(gradebook.find_assignment(assignment).max_score)


def students(workspace: Path) -> list[str]:
    """The student ids: the folder names under `workspace/submitted`."""
    submitted = workspace / "submitted"
    if not submitted.is_dir():
        raise GradingError(
            f"No submissions: {submitted} does not exist. Put each student's work in "
            f"{submitted}/<student_id>/<assignment>/<notebook>.ipynb (nbgrader collect does this)."
        )
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


def grade_assignment(
    assignment: str, workspace: Path, progress=None, limits: Limits = Limits(), force: bool = False
) -> list[StudentGrade]:
    """Grade every submission of `assignment` found in `workspace/submitted`.

    Args:
        assignment: the assignment id, for example `03_sequential`.
        workspace: the folder holding `submitted/`; autograded copies, feedback, logs and the gradebook go there.
        progress: called with each `StudentGrade` as it is done (for printing).
        limits: what each student's notebook may use.
        force: grade again submissions already graded in their current state.

    Returns:
        One `StudentGrade` per student folder, sorted by student id.

    Raises:
        GradingError: when the assignment or the submitted folder does not exist.
    """
    notebooks = expected_notebooks(assignment)
    ids = students(workspace)
    max_score = prepare(assignment, workspace)
    results = []
    for student in ids:
        try:
            result = grade_student(student, assignment, workspace, notebooks, max_score, limits, force)
        except Exception as error:  # one student's failure must never stop the batch
            result = StudentGrade(student, assignment, 0.0, max_score, "failed", f"grading error: {error}")
        results.append(result)
        if progress:
            progress(result)
    return results
