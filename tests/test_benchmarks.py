"""benchmarks/lesson_runtime.py and judge_cost.py: their tables, exit codes and arguments, without starting a kernel or timing anything."""

import importlib.util
import sys

import nbformat
import pytest

from autograder.notebook.course import ROOT


def _script(name: str):
    """A script of benchmarks/, imported as a module (registered first: dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = sys.modules.setdefault(name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


lesson_runtime = _script("lesson_runtime")
judge_cost = _script("judge_cost")
LessonTiming = lesson_runtime.LessonTiming


TIMINGS = [
    LessonTiming("01_what_is_a_model", 12.0, 8.0),
    LessonTiming("03_sequential", 33.5, 10.0),
    LessonTiming("04_functional", float("nan"), 9.0, "CellExecutionError: ValueError: boom"),
]


def test_table_shows_seconds_baseline_ratio_and_verdict():
    """Does the table give each lesson its seconds, baseline, ratio and whether it is within the goal?"""
    lines = lesson_runtime.format_table(TIMINGS, goal=30).splitlines()
    assert lines[0].split() == ["lesson", "seconds", "baseline", "ratio", "within", "30", "s"]
    assert lines[2].split() == ["01_what_is_a_model", "12.0", "8.0", "1.50", "yes"]
    assert lines[3].split() == ["03_sequential", "33.5", "10.0", "3.35", "NO", "(warning:", "3.5", "s", "over)"]
    assert lines[4].split()[:5] == ["04_functional", "-", "9.0", "-", "ERROR"]
    assert lines[4].endswith("CellExecutionError: ValueError: boom")


def test_over_the_goal_is_a_warning_unless_strict():
    """Is a slow lesson exit code 0, 1 with --strict, and a broken lesson always 2?"""
    assert lesson_runtime.exit_code(TIMINGS[:2], strict=False) == 0
    assert lesson_runtime.exit_code(TIMINGS[:2], strict=True) == 1
    assert lesson_runtime.exit_code(TIMINGS[:1], strict=True) == 0
    assert lesson_runtime.exit_code(TIMINGS, strict=False) == 2


def test_arguments():
    """Are the defaults two cores, one run, 15 s and not strict, and do the options parse?"""
    args = lesson_runtime.build_parser().parse_args([])
    assert (args.lessons, args.repeat, args.goal, args.cores, args.strict) == ([], 1, 15.0, 2, False)
    args = lesson_runtime.build_parser().parse_args(["03_sequential", "--repeat", "3", "--strict", "--goal", "20"])
    assert (args.lessons, args.repeat, args.goal, args.strict) == (["03_sequential"], 3, 20.0, True)


def test_lessons_default_to_course_and_reject_unknown_names():
    """Are all lessons of course/ measured by default, and an unknown name refused with the list?"""
    assert lesson_runtime.lessons([]) == sorted(p.parent.name for p in (ROOT / "course").glob("*/*.ipynb"))
    assert lesson_runtime.lessons(["03_sequential/"]) == ["03_sequential"]
    with pytest.raises(SystemExit, match="no lesson 99_nothing .* Lessons: 01_what_is_a_model"):
        lesson_runtime.lessons(["99_nothing"])


def test_baseline_is_the_setup_cell_alone():
    """Is the baseline notebook the lesson's set-up cell and nothing else, leaving the lesson untouched?"""
    nb = lesson_runtime.instructor_notebook("03_sequential")
    count = len(nb.cells)
    baseline = lesson_runtime.setup_only(nb)
    assert len(baseline.cells) == 1 and len(nb.cells) == count
    assert baseline.cells[0].metadata.nbgrader["grade_id"] == "setup"
    assert "import keras" in baseline.cells[0].source
    nbformat.validate(baseline)


def test_judge_cost_table_gives_medians_ratios_and_totals():
    """Does benchmarks/judge_cost.py's table give each test's median seconds both ways, their ratio, and the totals?"""
    timings = [judge_cost.TestTiming("fast_test", [0.1, 0.3, 0.2], [0.4, 0.4, 0.9]),
               judge_cost.TestTiming("training_test", [2.0, 1.0], [2.0, 2.0])]
    lines = judge_cost.format_table(timings).splitlines()
    assert lines[0].split() == ["test", "kernel", "judged", "ratio"]
    assert lines[2].split() == ["fast_test", "0.20", "0.40", "2.00"]
    assert lines[3].split() == ["training_test", "1.50", "2.00", "1.33"]
    assert lines[4].split() == ["all", "tests", "1.70", "2.40", "1.41"]
