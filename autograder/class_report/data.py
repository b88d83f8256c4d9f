"""Build the class report's data from the gradebook, grades.csv and the autograded notebooks; nothing is run."""

from __future__ import annotations

import re
import sqlite3
import statistics
import warnings
from pathlib import Path

from autograder.notebook.cells import is_test_cell, nbgrader_meta
from autograder.notebook.course import SOURCE
from autograder.notebook.graded_files import GradeRow, cell_source, grade_rows, read_notebook_json, read_test_messages

from .messages import group_messages
from .model import ClassReport, FailedSubmission, ManualAnswer, ScoreBin, TestSummary, Timing

# nbgrader's gradebook API trips SQLAlchemy warnings that say nothing to an instructor.
warnings.filterwarnings("ignore", module=r"nbgrader\.api")

NO_MESSAGE = "(lost its points, but the autograded notebook shows no message for it)"
"""The message counted for a test that lost points without a message in the notebook (for example, no notebook)."""
ONE_BAR_PER_POINT_UP_TO = 30
"""Up to this many points, the histogram has one bar per point; above, 20 bars of equal width."""
WIDE_BINS = 20


class ReportError(RuntimeError):
    """The report cannot be made: no gradebook, an empty one, or nobody submitted the assignment."""


def check_gradebook(workspace: Path, assignment: str) -> Path:
    """The gradebook's path, once it is known to hold a submission of `assignment`; it is opened read-only.

    Raises:
        ReportError: saying in one line what is missing and what to do.
    """
    db = workspace / "gradebook.db"
    grade_first = f"grade it first: python -m autograder grade {assignment} --workspace {workspace}"
    if not db.is_file():
        raise ReportError(f"No gradebook at {db}: {grade_first}")
    if db.stat().st_size == 0:
        raise ReportError(f"The gradebook {db} is empty: {grade_first}")
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"assignment", "submitted_assignment"} <= tables:
            raise ReportError(f"The gradebook {db} is empty (it has no nbgrader tables): {grade_first}")
        names = sorted(name for (name,) in connection.execute("SELECT name FROM assignment"))
        if not names:
            raise ReportError(f"The gradebook {db} is empty (it holds no assignment): {grade_first}")
        if assignment not in names:
            raise ReportError(f"The gradebook {db} has no assignment {assignment!r}; it holds {', '.join(names)}")
        (submitted,) = connection.execute(
            "SELECT COUNT(*) FROM submitted_assignment s JOIN assignment a ON s.assignment_id = a.id "
            "WHERE a.name = ?", (assignment,)).fetchone()
    except sqlite3.DatabaseError as error:
        raise ReportError(f"The gradebook {db} cannot be read ({error}): {grade_first}") from None
    finally:
        connection.close()
    if not submitted:
        raise ReportError(f"Nobody submitted {assignment}: the gradebook {db} holds no submission of it")
    return db


def question_of(cell: dict) -> str:
    """What a test cell asks: the first line of its opening docstring, or its grade id when it has none."""
    lines = cell_source(cell).strip().splitlines()
    found = re.match(r"""^[rRuU]?("{3}|'{3}|"|')(.*?)(?:\1)?$""", lines[0].strip()) if lines else None
    text = found.group(2).strip() if found else ""
    return text or nbgrader_meta(cell).get("grade_id", "?")


def questions_by_grade_id(notebooks: list[Path]) -> dict[str, str]:
    """The question of every test cell in these notebooks, by grade id, in notebook order (the first found wins)."""
    questions: dict[str, str] = {}
    for path in notebooks:
        nb = read_notebook_json(path)
        for cell in nb["cells"] if nb else ():
            if is_test_cell(cell) and nbgrader_meta(cell).get("grade_id"):
                questions.setdefault(nbgrader_meta(cell)["grade_id"], question_of(cell))
    return questions


def score_bins(graded: list[float], failed: list[float], max_score: float) -> tuple[ScoreBin, ...]:
    """The histogram's bars: one per point up to 30 points (a score of 7.5 counts in the bar of 8), else 20 bars."""
    if max_score <= ONE_BAR_PER_POINT_UP_TO:
        edges = [k - 0.5 for k in range(int(max_score) + 2)]
    else:
        edges = [max_score * k / WIDE_BINS for k in range(WIDE_BINS + 1)]

    def index(score: float) -> int:
        for k in range(len(edges) - 1):
            if score < edges[k + 1]:
                return max(k, 0)
        return len(edges) - 2  # the maximum score itself, or above it (extra credit), counts in the last bar

    counts = [[0, 0] for _ in edges[:-1]]
    for column, scores in enumerate((graded, failed)):
        for score in scores:
            counts[index(score)][column] += 1
    return tuple(ScoreBin(low, high, g, f) for low, high, (g, f) in zip(edges, edges[1:], counts, strict=False))


def _gradebook_rows(db: Path, assignment: str) -> tuple[float, list[tuple], set, dict[str, float], list[tuple]]:
    """Read the assignment from nbgrader's gradebook: max score, grade cells, answer cells, scores, grades."""
    from nbgrader.api import (
        BaseCell,
        Grade,
        Gradebook,
        Notebook,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    with Gradebook(f"sqlite:///{db.resolve()}") as gradebook:
        found = gradebook.find_assignment(assignment)
        cells = [(nb.name, cell.name, float(cell.max_score), cell.cell_type)
                 for nb in found.notebooks for cell in nb.grade_cells]
        answers = {(nb.name, cell.name) for nb in found.notebooks for cell in nb.solution_cells}
        scores = dict(gradebook.db.query(SubmittedAssignment.student_id, SubmittedAssignment.score)
                      .filter(SubmittedAssignment.assignment_id == found.id))
        grades = (gradebook.db.query(SubmittedAssignment.student_id, Notebook.name, BaseCell.name, Grade.score,
                                     Grade.needs_manual_grade)
                  .select_from(Grade)
                  .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                  .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                  .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                  .join(BaseCell, Grade.cell_id == BaseCell.id)
                  .filter(SubmittedAssignment.assignment_id == found.id)
                  .all())
        return float(found.max_score), cells, answers, {s: float(v or 0) for s, v in scores.items()}, grades


def _failures(workspace: Path, assignment: str, students: list[str], rows: dict[str, GradeRow] | None,
              ) -> tuple[dict[str, FailedSubmission], dict[str, dict[str, dict[str, str | None]]]]:
    """Who could not be graded, and the test messages of everyone else's autograded notebooks."""
    failed, messages = {}, {}
    for student in students:
        row = (rows or {}).get(student)
        log = Path("logs") / f"{student}.log"
        log_name = str(log) if (workspace / log).is_file() else ""
        if row is not None and row.status == "failed":
            failed[student] = FailedSubmission(student, row.reason, log_name)
            continue
        found = read_test_messages(workspace / "autograded" / student / assignment)
        if not found and row is None:
            failed[student] = FailedSubmission(
                student, "no autograded notebook, and grades.csv does not say why", log_name)
            continue
        messages[student] = found
    return failed, messages


def build_report(assignment: str, workspace: Path, top: int = 5, slowest: int = 10) -> ClassReport:
    """Read what grading wrote about `assignment` in `workspace` into a `ClassReport`.

    Args:
        assignment: the assignment id, for example `03_sequential`.
        workspace: the grading folder, with gradebook.db, grades.csv and autograded/.
        top: how many failure-message groups to keep per test.
        slowest: how many of the slowest submissions to list.

    Returns:
        The report's data.

    Raises:
        ReportError: when there is no gradebook, it is empty, or nobody submitted the assignment.
    """
    db = check_gradebook(workspace, assignment)
    max_score, cells, answers, scores, grades = _gradebook_rows(db, assignment)
    students = sorted(scores)
    rows = grade_rows(workspace, assignment)
    notes = []
    if rows is None:
        notes.append(f"There is no readable grades.csv in {workspace}: the report cannot say why a submission "
                     "failed to grade, nor how long grading took.")
    elif not rows:
        notes.append(f"grades.csv holds no row for {assignment} (`grade` rewrites it for the assignment it graded "
                     "last): the report cannot say why a submission failed to grade, nor how long grading took.")
    failed, messages = _failures(workspace, assignment, students, rows)
    graded = [s for s in students if s not in failed]

    tests = [(nb, name, points) for nb, name, points, kind in cells if kind == "code" and (nb, name) not in answers]
    notebooks = sorted({nb for nb, _, _ in tests})
    # the instructor's notebooks say what each test asks; a graded student's copy stands in when source/ lacks them
    questions = questions_by_grade_id(
        [SOURCE / assignment / f"{nb}.ipynb" for nb in notebooks]
        + [workspace / "autograded" / s / assignment / f"{nb}.ipynb" for s in graded[:1] for nb in notebooks])
    order = list(questions)
    tests.sort(key=lambda t: (order.index(t[1]) if t[1] in order else len(order), t[1]))

    points_of = {(student, nb, name): float(score or 0) for student, nb, name, score, _ in grades}
    summaries = []
    for nb, name, points in tests:
        passed = [s for s in graded if points_of.get((s, nb, name), 0.0) >= points]
        lost = [messages[s].get(nb, {}).get(name) or NO_MESSAGE for s in graded if s not in passed]
        groups, other_groups, other_students = group_messages(lost, top)
        summaries.append(TestSummary(name, questions.get(name, name), points, len(passed), len(graded), groups,
                                     other_groups, other_students))

    waiting: dict[str, list[str]] = {}
    for student, _, name, _, needs_manual in grades:
        if needs_manual:
            waiting.setdefault(name, []).append(student)
    worth = {name: points for _, name, points, _ in cells}
    manual = tuple(ManualAnswer(name, worth.get(name, 0.0), tuple(sorted(waiting[name]))) for name in sorted(waiting))

    # a refused file (0 s) never reached a worker: it has no grading time to compare
    timings = [Timing(s, rows[s].seconds, rows[s].status) for s in students if rows and s in rows and rows[s].seconds]
    graded_seconds = [t.seconds for t in timings if t.status == "graded"]
    failed_scores = [scores[s] for s in students if s in failed]
    graded_scores = [scores[s] for s in students if s not in failed]
    return ClassReport(
        assignment=assignment,
        max_score=max_score,
        scores=tuple(sorted(scores.values(), reverse=True)),
        graded=len(graded_scores),
        histogram=score_bins(graded_scores, failed_scores, max_score),
        tests=tuple(summaries),
        failed=tuple(failed[s] for s in sorted(failed)),
        manual=manual,
        slowest=tuple(sorted(timings, key=lambda t: (-t.seconds, t.student_id))[:slowest]),
        median_seconds=statistics.median(graded_seconds) if graded_seconds else None,
        notes=tuple(notes),
    )
