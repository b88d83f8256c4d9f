"""The whole grading pipeline on lesson 03, with stock nbgrader underneath, on submissions built from course/."""

import csv
import subprocess
import sys

import pytest
from harness import make_submission, sha256, submit

from autograder.notebook.course import ROOT, run_nbgrader, workspace_flags

LESSON = "03_sequential"
WRONG_UNITS = '''def build_sequential_model(n_features):
    return keras.Sequential([keras.Input((n_features,)), layers.Dense(16, activation="relu"),
                             layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")])
'''
MSE = '''def compile_for_exam(model):
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    return model
'''
# The same wrong answers, with an answer cell that disarms the grader's tools in the student's own kernel:
# the checks, and a keras.Model method.
DISARMS = WRONG_UNITS + MSE + '''
from autograder import checks
for name in dir(checks):
    if name.startswith("assert_"):
        setattr(checks, name, lambda *args, **kwargs: None)
keras.Model.count_params = lambda self: (16 + 1) * 8 + 17 * 8 + 9
'''
# student id -> (notebook, expected autograded score out of 15, message expected in feedback)
SUBMISSIONS = {
    "passes-all": (lambda: make_submission(LESSON), 15, None),
    "untouched": (lambda: make_submission(LESSON, solve=False), 0, "NotImplementedError"),
    "wrong-units-and-loss": (
        lambda: make_submission(LESSON, {"build_sequential_model": WRONG_UNITS, "compile_for_exam": MSE}),
        12, "Change its units to 8",
    ),
    "disarms-the-checks": (
        lambda: make_submission(LESSON, {"build_sequential_model": DISARMS, "compile_for_exam": MSE}),
        12, "Layer 2 should read Dense (None, 8) 136",
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade a class of five (one of them sent a broken file) with `python -m autograder grade`, on one worker: the
    suite keeps both cores busy, so a second worker would only add its start-up (the hostile batch and the Dask
    deployment grade in parallel)."""
    workspace = tmp_path_factory.mktemp("workspace")
    for student, (build, _, _) in SUBMISSIONS.items():
        submit(workspace, student, LESSON, build())
    broken = workspace / "submitted" / "broken-json" / LESSON
    broken.mkdir(parents=True)
    (broken / f"{LESSON}.ipynb").write_text('{"cells": [')
    before = {p: sha256(p) for p in (workspace / "submitted").rglob("*.ipynb")}
    course_files = {p: sha256(p) for folder in ("source", "course") for p in (ROOT / folder).rglob("*") if p.is_file()}
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace), "--workers", "1"],
        capture_output=True, text=True, cwd=workspace,
    )
    return workspace, done, before, course_files


def _rows(path):
    with path.open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_the_batch_finishes_and_writes_grades(graded):
    """Does grading the whole class finish, and write grades.csv with one row per student?"""
    workspace, done, _, _ = graded
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _rows(workspace / "grades.csv")
    assert set(rows) == set(SUBMISSIONS) | {"broken-json"}
    assert {"student_id", "score", "max_score"} <= set(next(iter(rows.values())))


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_each_submission_gets_the_expected_score(graded, student):
    """Does each submission get the points its answers deserve (out of 15 autograded, 17 in all)?"""
    workspace, _, _, _ = graded
    row = _rows(workspace / "grades.csv")[student]
    assert (float(row["score"]), float(row["max_score"]), row["status"]) == (SUBMISSIONS[student][1], 17, "graded")


def test_a_broken_file_scores_zero_with_a_reason(graded):
    """Does a file that is not JSON score 0 with a reason, without stopping the others?"""
    workspace, done, _, _ = graded
    row = _rows(workspace / "grades.csv")["broken-json"]
    assert (row["score"], row["status"]) == ("0", "failed")
    assert "not a valid notebook (JSON error at line 1" in row["reason"]
    assert "broken-json" in done.stdout


@pytest.mark.parametrize("student", [s for s, (_, _, m) in SUBMISSIONS.items() if m])
def test_feedback_shows_the_teaching_message(graded, student):
    """Does the student's feedback page show the message that names the fix?"""
    workspace, _, _, _ = graded
    page = (workspace / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
    assert SUBMISSIONS[student][2] in page


def test_submissions_are_never_modified(graded):
    """Are the submitted files byte for byte what the students handed in?"""
    _, _, before, _ = graded
    assert {p: sha256(p) for p in before} == before


def test_stock_export_agrees_with_grades_csv(graded):
    """Does stock `nbgrader export` report the same scores as grades.csv?"""
    workspace, _, _, _ = graded
    out = workspace / "export.csv"
    done = run_nbgrader(["export", f"--to={out}", *workspace_flags(workspace)])
    assert done.returncode == 0, done.stdout + done.stderr
    exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(out.open())}
    ours = {s: float(r["score"]) for s, r in _rows(workspace / "grades.csv").items() if r["status"] == "graded"}
    assert {s: exported[s] for s in ours} == ours


def test_the_class_report_counts_what_grading_wrote(graded):
    """Does the class report read the real grading output: who failed to grade, each test's passes and messages?"""
    from autograder.class_report import build_report

    report = build_report(LESSON, graded[0])
    assert (report.submissions, report.graded, [f.student_id for f in report.failed]) == (5, 4, ["broken-json"])
    layers = {t.grade_id: t for t in report.tests}["build_sequential_model_layers"]
    assert (layers.passed, layers.graded, sum(g.students for g in layers.messages)) == (1, 4, 3)
    # the disarmed checks changed nothing: the same message as the plain wrong answer, for both students
    assert any(g.students == 2 and "Layer 2 should read Dense (None, 8) 136" in g.message for g in layers.messages)
    assert report.waiting == 3  # the written answer of everyone who typed one in


def test_nothing_is_written_into_the_repository(graded):
    """Does grading in a workspace leave every file of source/ and course/ as it was?"""
    *_, course_files = graded
    assert {p: sha256(p) for p in course_files if p.exists()} == course_files


# Partial marks: tests that pass and tests that fail, in one kernel (the benchmark compares twenty students).
STOCK_COMPARED = {"wrong-units-and-loss"}


@pytest.fixture(scope="module")
def stock_graded(tmp_path_factory):
    """Part of the same class graded by stock nbgrader alone, serially: generate, autograde, feedback (its export is
    tested on the class above)."""
    workspace = tmp_path_factory.mktemp("stock")
    for student in STOCK_COMPARED:
        submit(workspace, student, LESSON, SUBMISSIONS[student][0]())
    flags = workspace_flags(workspace)
    for step in (["generate_assignment", LESSON, "--force"], ["autograde", LESSON], ["generate_feedback", LESSON]):
        done = run_nbgrader([*step, *flags])
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return workspace


def test_grades_match_stock_serial_nbgrader(graded, stock_graded):
    """Does every student get the same score as stock, serial `nbgrader autograde` gives on the same notebooks?"""
    from nbgrader.api import Gradebook

    workspace, _, _, _ = graded
    with Gradebook(f"sqlite:///{stock_graded / 'gradebook.db'}") as gradebook:
        stock = {s.student.id: s.score for s in gradebook.assignment_submissions(LESSON)}
    ours = {s: float(r["score"]) for s, r in _rows(workspace / "grades.csv").items() if s in STOCK_COMPARED}
    assert ours == stock and set(stock) == STOCK_COMPARED
    assert all((stock_graded / "feedback" / s / LESSON / f"{LESSON}.html").exists() for s in STOCK_COMPARED)


def test_checks_disarmed_in_the_kernel_change_nothing(graded):
    """Do the tests that disarmed checks would pass in the kernel (as stock nbgrader's would) fail, judged outside
    it, with the messages of the plain wrong answers?"""
    workspace, _, _, _ = graded
    log = (workspace / "logs" / "disarms-the-checks.log").read_text()
    failed = sorted(line.split()[2].rstrip(":") for line in log.splitlines() if line.startswith("[judge] failed"))
    assert failed == ["build_sequential_model_layers", "compile_for_exam_settings"]
    rows = _rows(workspace / "grades.csv")
    assert rows["disarms-the-checks"]["reason"] == rows["wrong-units-and-loss"]["reason"]
    assert float(rows["disarms-the-checks"]["score"]) == 12


def test_grading_again_resumes_and_agrees(graded):
    """Does a second run skip the students already graded, and report the same grades?"""
    workspace, _, _, _ = graded
    first = (workspace / "grades.csv").read_text()
    stamps = {p: p.stat().st_mtime_ns for p in (workspace / "autograded").rglob("*.ipynb")}
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace),
                           "--workers", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps, "finished students were graded again"
    strip = lambda text: [line.rsplit(",", 1)[0] for line in text.splitlines()]  # noqa: E731 (drop seconds)
    assert strip((workspace / "grades.csv").read_text()) == strip(first)


def test_the_workers_feedback_is_what_stock_nbgrader_writes(graded, tmp_path):
    """Did each worker write its student's feedback (the driver ran no `generate_feedback` of its own), and is every
    page byte for byte what stock `nbgrader generate_feedback` writes from the class workspace?"""
    workspace, _, _, _ = graded
    assert not (workspace / "logs" / "_generate_feedback.log").exists(), "the driver wrote the feedback itself"
    flags = [flag for flag in workspace_flags(workspace) if "feedback_directory" not in flag]
    done = run_nbgrader(["generate_feedback", LESSON, "--force", *flags,
                         f"--CourseDirectory.feedback_directory={tmp_path}"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    stock = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    ours = {str(p.relative_to(workspace / "feedback")): p.read_bytes()
            for student in SUBMISSIONS for p in (workspace / "feedback" / student).rglob("*") if p.is_file()}
    assert ours.keys() == stock.keys()
    assert [name for name in ours if ours[name] != stock[name]] == []
