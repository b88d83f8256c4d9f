"""`python -m autograder report`: the class report counts what a generated class with known answers holds."""

from dataclasses import replace

import pytest
from generated_class import NOT_DONE, Outcome, build_class
from generated_class import tests_of as lesson_tests

from autograder.class_report import build_report
from autograder.class_report.messages import group_key
from autograder.class_report.model import FailedSubmission, ManualAnswer, MessageGroup
from autograder.cli import main

LESSON = "03_sequential"
IS_SEQUENTIAL, LAYERS, MULTICLASS, COMPILE, TRAIN = (
    "build_sequential_model_is_sequential", "build_sequential_model_layers", "build_multiclass_model_layers",
    "compile_for_exam_settings", "train_for_exam_beats_baseline")
WRITTEN = "when_sequential_is_not_enough"
UNITS = "Layer 2 should be Dense(8, activation='relu'); yours is Dense({}, activation='relu'). Change its units to 8."
LOSS = ("Your model's loss should be 'binary_crossentropy'; yours is 'mean_squared_error'. "
        "Pass `loss='binary_crossentropy'` to `model.compile`.")
BASELINE = "Your trained model got {} of the exam right, not more than the baseline's 0.56: train it for longer."
SHOWN_NOT_DONE = "Not done yet: replace `raise NotImplementedError()` in the exercise with your code."
TIMEOUT = "timed out after 300 s in the cell that defines train_for_exam"
BROKEN = "03_sequential.ipynb is not a valid notebook (JSON error at line 1: Expecting value)."

OTHERS = [t for t in lesson_tests(LESSON) if t not in (IS_SEQUENTIAL, LAYERS, MULTICLASS, COMPILE, TRAIN)]
"""The lesson's later tests, which every graded student but the untouched ones passes."""
# profile -> (how many students, what each gets); scores out of 17 (15 autograded, 2 for the written answer)
PROFILES = {
    "full-marks": (5, Outcome("", written=2.0)),                                            # 17
    "waiting": (3, Outcome("", written=None)),                                             # 15, written waits
    "units-32": (4, Outcome("", {LAYERS: ("AssertionError", UNITS.format(32))}, None)),    # 13, written waits
    "units-16": (2, Outcome("", {LAYERS: ("AssertionError", UNITS.format(16))}, 1.0)),     # 14
    "wrong-loss": (3, Outcome("", {COMPILE: ("AssertionError", LOSS)}, 2.0)),               # 16
    "under-baseline": (3, Outcome("", {}, 0.0)),                                            # 13, TRAIN fails below
    "untouched": (2, Outcome("", dict.fromkeys(lesson_tests(LESSON), NOT_DONE), "blank")),       # 0
    "timed-out": (1, Outcome("", status="failed", reason=TIMEOUT, seconds=300.0)),          # 0, not graded
    "broken-json": (1, Outcome("", status="failed", reason=BROKEN, seconds=0.0)),          # 0, refused
}


def make_class(copies: int = 1, extra_full_marks: int = 0) -> list[Outcome]:
    """The class of PROFILES, `copies` times over, plus some more full marks; ids are `<profile>-<n>`."""
    outcomes, seconds = [], 10.0
    for profile, (count, template) in PROFILES.items():
        for n in range(1, count * copies + 1 + (extra_full_marks if profile == "full-marks" else 0)):
            outcome = replace(template, student_id=f"{profile}-{n}")
            if profile == "under-baseline":  # each student's accuracy differs: one mistake, several wordings
                outcome = replace(outcome, failures={TRAIN: ("AssertionError", BASELINE.format(f"0.{50 + n}"))})
            if outcome.status == "graded":
                seconds += 0.5
                outcome = replace(outcome, seconds=seconds)
            outcomes.append(outcome)
    return outcomes


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A graded class of 24, with known answers, written as `grade` leaves it."""
    folder = tmp_path_factory.mktemp("class")
    build_class(folder, LESSON, make_class())
    return folder


@pytest.fixture(scope="module")
def report(workspace):
    return build_report(LESSON, workspace)


def test_the_histogram_counts_every_score(report):
    """Does each bar count the submissions with that score, those that could not be graded apart?"""
    bars = {round((b.low + b.high) / 2): (b.graded, b.failed) for b in report.histogram}
    assert bars == {**{score: (0, 0) for score in range(18)},
                    0: (2, 2), 13: (7, 0), 14: (2, 0), 15: (3, 0), 16: (3, 0), 17: (5, 0)}
    assert (report.submissions, report.graded, report.max_score, report.median) == (24, 22, 17, 14)
    assert report.mean == pytest.approx(297 / 24)


def test_pass_rates_count_the_graded_submissions_in_notebook_order(report):
    """Does each test, in notebook order, count who got its points among the 22 graded submissions?"""
    assert [(t.grade_id, t.passed, t.graded) for t in report.tests] == [
        (IS_SEQUENTIAL, 20, 22), (LAYERS, 14, 22), (MULTICLASS, 20, 22), (COMPILE, 17, 22), (TRAIN, 17, 22),
        *((other, 20, 22) for other in OTHERS)]


def test_tests_are_named_by_their_question(report):
    """Is each test named by the docstring that opens its cell in source/?"""
    assert report.tests[0].question == "Is build_sequential_model's model a keras.Sequential?"
    assert report.tests[4].question == "Does a model trained by train_for_exam beat the baseline on the unseen exam?"


def test_failure_messages_are_grouped_and_counted(report):
    """Do identical messages, and messages that differ only in numbers, count as one group?"""
    by_id = {t.grade_id: t for t in report.tests}
    assert by_id[LAYERS].messages == (MessageGroup(UNITS.format(32), 6, 2), MessageGroup(SHOWN_NOT_DONE, 2, 1))
    assert by_id[TRAIN].messages == (MessageGroup(BASELINE.format("0.51"), 3, 3), MessageGroup(SHOWN_NOT_DONE, 2, 1))
    assert by_id[COMPILE].messages == (MessageGroup(LOSS, 3, 1), MessageGroup(SHOWN_NOT_DONE, 2, 1))


def test_only_the_most_common_messages_are_listed(workspace):
    """With one group kept per test, are the others counted rather than listed?"""
    layers = {t.grade_id: t for t in build_report(LESSON, workspace, top=1).tests}[LAYERS]
    assert (len(layers.messages), layers.other_groups, layers.other_students) == (1, 1, 2)


def test_numbers_alone_do_not_split_a_group():
    """Do messages differing only in numbers share a key, and messages with other words not?"""
    assert group_key("Layer dense_3 has 8 units") == group_key("Layer dense_12 has  16.5 units")
    assert group_key("Layer 2 has 8 units") != group_key("Layer 2 has 8 filters")


def test_submissions_that_failed_to_grade_are_listed_with_reasons(report):
    """Are the submissions that could not be graded listed with grades.csv's reason and their log?"""
    assert report.failed == (FailedSubmission("broken-json-1", BROKEN, ""),
                             FailedSubmission("timed-out-1", TIMEOUT, "logs/timed-out-1.log"))


def test_written_answers_waiting_for_the_instructor_are_listed(report):
    """Are the 7 students whose written answer waits for a manual grade listed?"""
    waiting = tuple(sorted([f"waiting-{n}" for n in range(1, 4)] + [f"units-32-{n}" for n in range(1, 5)]))
    assert report.manual == (ManualAnswer(WRITTEN, 2.0, waiting),)
    assert report.waiting == 7


def test_the_slowest_submissions_come_first(report):
    """Are the slowest submissions listed slowest first, the refused file (never run) left out?"""
    assert [t.student_id for t in report.slowest[:3]] == ["timed-out-1", "untouched-2", "untouched-1"]
    assert len(report.slowest) == 10 and "broken-json-1" not in {t.student_id for t in report.slowest}


def test_the_command_writes_one_self_contained_page_and_its_figures(workspace, capsys):
    """Does `report` write the HTML page, with both figures embedded and beside it as PNG files?"""
    assert main(["report", LESSON, "--workspace", str(workspace)]) == 0
    page = workspace / "report" / f"{LESSON}.html"
    assert str(page) in capsys.readouterr().out
    text = page.read_text()
    assert text.count('src="data:image/png;base64,') == 2 and "http" not in text
    for figure in (f"{LESSON}_scores.png", f"{LESSON}_pass_rates.png"):
        assert (workspace / "report" / figure).read_bytes().startswith(b"\x89PNG")
    for fragment in ("24 submissions", "22 graded", "2 could not be graded", "passed by 14 of 22",
                     "Is build_sequential_model&#x27;s model a keras.Sequential?", "timed-out-1", "logs/timed-out-1.log",
                     "(and 1 other wording that differs only in numbers)", "7 waiting", "waiting-3", "300.0 s"):
        assert fragment in text, fragment


def test_a_class_of_500_is_reported(tmp_path, capsys):
    """Does a class of 500 get its report, with every count and student the page should hold?"""
    outcomes = make_class(copies=20, extra_full_marks=20)
    assert len(outcomes) == 500
    build_class(tmp_path, LESSON, outcomes)
    assert main(["report", LESSON, "--workspace", str(tmp_path)]) == 0
    text = (tmp_path / "report" / f"{LESSON}.html").read_text()
    for fragment in ("500 submissions", "460 graded", "40 could not be graded", "passed by 300 of 460",
                     "Could not be graded (40)", "timed-out-20", "broken-json-20", "140 waiting", "units-32-80"):
        assert fragment in text, fragment


@pytest.mark.parametrize("case, fragment", [
    ("missing", "No gradebook at"),
    ("empty file", "is empty"),
    ("no assignment", "is empty (it holds no assignment)"),
    ("nobody submitted", "Nobody submitted 03_sequential"),
    ("another assignment", "has no assignment '03_sequential'; it holds 02_layers"),
])
def test_bad_input_says_so_in_one_line(tmp_path, capsys, case, fragment):
    """Does `report` without a gradebook, with an empty one, or with no submission say so in one line, exit 2?"""
    from nbgrader.api import Gradebook

    db = tmp_path / "gradebook.db"
    if case == "empty file":
        db.write_bytes(b"")
    elif case != "missing":
        build_class(tmp_path, LESSON, [], register=("02_layers",))
        with Gradebook(f"sqlite:///{db}") as gradebook:
            for lesson in {"no assignment": (LESSON, "02_layers"), "nobody submitted": ("02_layers",),
                           "another assignment": (LESSON,)}[case]:
                gradebook.remove_assignment(lesson)
    assert main(["report", LESSON, "--workspace", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and fragment in captured.err
    assert captured.err.count("\n") == 1 and not captured.out
    assert not (tmp_path / "report").exists()
