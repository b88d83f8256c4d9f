"""check(), hint() and progress(): the self-paced calls inside a notebook, tried on small notebooks without a kernel."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.lesson import selfpaced
from autograder.notebook.course import RELEASE, SOURCE


def _meta(grade_id, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _answer(grade_id, code="raise NotImplementedError()"):
    return new_code_cell(code, metadata=_meta(grade_id, solution=True))


def _test(grade_id, code, points=1):
    return new_code_cell(code, metadata=_meta(grade_id, grade=True, locked=True, points=points))


DOUBLE_TEST = '"""Does double double?"""\nassert double(2) == 4, "double(2) should be 4; multiply by 2."\nprint("Well done: double doubles.")'
HIDDEN = (
    '"""Does double work on negatives?"""\nassert double(-1) == -2, "double(-1) should be -2."\n'
    "### BEGIN HIDDEN TESTS\nHIDDEN_RAN.append(True)\nassert False, 'the hidden test ran'\n### END HIDDEN TESTS\n"
)


@pytest.fixture
def lesson(tmp_path):
    """A small lesson folder: two code exercises (one with a hidden test), a written answer, and hints."""
    nb = new_notebook(cells=[
        new_markdown_cell("# A lesson"),
        _answer("double"),
        _test("double_works", DOUBLE_TEST),
        _test("double_negative", HIDDEN, points=2),
        _answer("double_twice"),
        _test("double_twice_works", '"""Does double_twice quadruple?"""\nassert double_twice(1) == 4, "double_twice(1) should be 4."'),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta("why", grade=True, solution=True, points=2)),
        new_code_cell("progress()"),
    ])
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "hints.json").write_text(json.dumps({"double": ["Multiply.", "Use `* 2`."], "_about": "ignored"}))
    selfpaced.reset_hints()
    yield path
    selfpaced.reset_hints()


def _ns(**answers):
    return {"__name__": "__main__", "HIDDEN_RAN": [], **answers}


def test_a_right_answer_passes_with_the_tests_own_words(lesson):
    """Does a correct answer pass every visible test, with what the tests printed as notes?"""
    result = selfpaced.run_check("double", _ns(double=lambda x: 2 * x), lesson)
    assert result.passed and [t.grade_id for t in result.tests] == ["double_works", "double_negative"]
    assert result.notes == ("Well done: double doubles.",)
    assert selfpaced.format_check(result).startswith("\u2714 double: all 2 visible tests pass.")


def test_a_wrong_answer_fails_with_the_teaching_message(lesson):
    """Does a wrong answer fail, showing the first failing test's message and where to get a hint?"""
    result = selfpaced.run_check("double", _ns(double=lambda x: x + 2), lesson)
    assert not result.passed
    assert result.first_failure.message == "double(-1) should be -2."
    text = selfpaced.format_check(result, hints_available=True)
    assert "1 of 2 visible tests fail" in text and "double(-1) should be -2." in text and 'hint("double")' in text
    assert "double(-1) should be -2." in selfpaced.check_html(result, True)


def test_hidden_tests_never_run(lesson):
    """Are hidden-test regions cut out before a test runs, even in an instructor copy?"""
    namespace = _ns(double=lambda x: 2 * x)
    assert selfpaced.run_check("double", namespace, lesson).passed
    assert namespace["HIDDEN_RAN"] == []


@pytest.mark.parametrize("code, kept", [
    ("a = 1\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nb = 2\n", "a = 1\nb = 2\n"),
    ("a = 1\n    ### BEGIN HIDDEN TESTS\nsecret()\n", "a = 1\n"),
    ("a = 1\n", "a = 1\n"),
])
def test_strip_hidden_tests(code, kept):
    """Does stripping remove each hidden region, and everything after a region that is never closed?"""
    from autograder.notebook.cells import strip_hidden_tests

    assert strip_hidden_tests(code) == kept


def test_an_empty_exercise_says_not_done_yet(lesson):
    """Does an exercise still raising NotImplementedError get 'Not done yet' rather than a traceback?"""
    def double(x):
        raise NotImplementedError()

    result = selfpaced.run_check("double", _ns(double=double), lesson)
    assert result.first_failure.message.startswith("Not done yet")


def test_an_exercise_not_run_yet_says_to_run_its_cell(lesson):
    """Does a missing definition tell the learner to run the exercise's cell first?"""
    result = selfpaced.run_check("double", _ns(), lesson)
    assert "Run the exercise's cell" in result.first_failure.message


def test_tests_do_not_overwrite_the_learners_variables(lesson):
    """Do the variables a test assigns stay out of the learner's namespace?"""
    path = lesson
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = '"""Does double double?"""\ncandidate = double(2)\nassert candidate == 4'
    nbformat.write(nb, path)
    namespace = _ns(double=lambda x: 2 * x, candidate="mine")
    assert selfpaced.run_check("double", namespace, path).passed
    assert namespace["candidate"] == "mine"


def test_tests_belong_to_the_longest_matching_exercise(lesson):
    """Does `double_twice_works` belong to `double_twice`, not to `double`?"""
    found = selfpaced.exercises_of(nbformat.read(lesson, as_version=4))
    assert list(found) == ["double", "double_twice", "why"]
    assert [c.metadata.nbgrader.grade_id for c in found["double_twice"].tests] == ["double_twice_works"]
    assert found["why"].written


def test_an_unknown_exercise_names_the_closest_one(lesson):
    """Does a misspelt exercise get a message naming the one meant?"""
    with pytest.raises(selfpaced.SelfCheckError, match='Did you mean "double_twice"'):
        selfpaced.run_check("double_twcie", _ns(), lesson)


def test_a_written_answer_is_left_to_the_instructor(lesson):
    """Does checking a written answer say that the instructor marks it?"""
    result = selfpaced.run_check("why", _ns(), lesson)
    assert result.written and "your instructor marks it" in selfpaced.format_check(result)


def test_hints_come_one_at_a_time_then_stay_on_the_last(lesson):
    """Does each hint() call reveal the next hint, and the last one again once all are shown?"""
    shown = [selfpaced.next_hint("double", lesson) for _ in range(3)]
    assert [(h.number, h.total, h.text) for h in shown] == [(1, 2, "Multiply."), (2, 2, "Use `* 2`."), (2, 2, "Use `* 2`.")]
    assert "last hint" in selfpaced.format_hint(shown[-1])
    assert selfpaced.next_hint("double_twice", lesson).total == 0


def test_hint_shows_text_and_progresses(lesson, capsys):
    """Does hint() print the first hint, then the second?"""
    selfpaced.hint("double", notebook=lesson)
    selfpaced.hint("double", notebook=lesson)
    out = capsys.readouterr().out
    assert "Hint 1 of 2 for double: Multiply." in out and "Hint 2 of 2 for double: Use `* 2`." in out


def test_graded_mode_turns_hints_off(lesson, capsys, monkeypatch):
    """In graded mode, does hint() refuse and keep the hints to itself?"""
    monkeypatch.setenv(selfpaced.MODE_VARIABLE, "graded")
    selfpaced.hint("double", notebook=lesson)
    out = capsys.readouterr().out
    assert "turned off" in out and "Multiply" not in out


def test_check_prints_a_short_verdict(lesson, capsys):
    """Does check() print one pass line with the test's words, outside a notebook?"""
    selfpaced.check("double", notebook=lesson, namespace=_ns(double=lambda x: 2 * x))
    out = capsys.readouterr().out
    assert out.startswith("\u2714 double: all 2 visible tests pass.") and "Well done: double doubles." in out


def test_check_of_an_unknown_exercise_explains_rather_than_raises(lesson, capsys):
    """Does check() of a wrong name show a friendly message instead of a traceback?"""
    selfpaced.check("nope", notebook=lesson, namespace=_ns())
    assert 'has no exercise called "nope"' in capsys.readouterr().out


def test_progress_lists_each_exercise(lesson, capsys):
    """Does progress() list every exercise, passing or not, and count the passes?"""
    selfpaced.progress(notebook=lesson, namespace=_ns(double=lambda x: 2 * x))
    out = capsys.readouterr().out
    assert "\u2714 double: passes" in out
    assert "\u2718 double_twice: name 'double_twice' is not defined" in out
    assert "\u2013 why: written answer" in out and "1 of 2 exercises pass." in out


def test_progress_outside_jupyterlab_runs_nothing(lesson, capsys, monkeypatch):
    """Under nbgrader (no JupyterLab session), does progress() leave the tests to nbgrader?"""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    namespace = _ns(double=lambda x: 2 * x)
    selfpaced.progress(namespace=namespace)
    assert "in JupyterLab" in capsys.readouterr().out and namespace["HIDDEN_RAN"] == []


def test_the_notebook_is_found_from_the_session_then_the_folder(lesson, monkeypatch, tmp_path):
    """Is the notebook the JupyterLab session names, else the one notebook in the folder?"""
    monkeypatch.setenv("JPY_SESSION_NAME", str(lesson))
    assert selfpaced.find_notebook({}, folder=tmp_path / "elsewhere") == lesson
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert selfpaced.find_notebook({}, folder=lesson.parent) == lesson
    assert selfpaced.find_notebook({"__session__": str(lesson)}, folder=tmp_path / "elsewhere") == lesson
    (lesson.parent / "copy.ipynb").write_text(lesson.read_text())
    with pytest.raises(selfpaced.SelfCheckError, match="Several notebooks"):
        selfpaced.find_notebook({}, folder=lesson.parent)


# The real lessons

LESSONS = sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb"))


def _released(lesson):
    (notebook,) = (RELEASE / lesson).glob("*.ipynb")
    return notebook


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_three_hints(lesson):
    """Does each exercise of the lesson, written answers too, have three hints, and do the hints name only real
    exercises?"""
    notebook = _released(lesson)
    exercises = selfpaced.exercises_of(nbformat.read(notebook, as_version=4))
    hints = selfpaced.load_hints(notebook)
    assert set(hints) == set(exercises), f"{lesson}/hints.json"
    assert all(len(h) == 3 and all(text.strip() for text in h) for h in hints.values()), f"{lesson}/hints.json"


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_hint_gives_away_a_solution(lesson):
    """Does no hint hold a line of a reference solution, or the value such a line computes, whatever its spacing?"""
    from harness import fragments_in, solution_fragments, solution_regions

    fragments = {grade_id: set().union(*map(solution_fragments, codes))
                 for grade_id, codes in solution_regions(lesson).items()}
    found = {}
    for exercise, hints in selfpaced.load_hints(SOURCE / lesson / f"{lesson}.ipynb").items():
        for number, text in enumerate(hints, start=1):
            for grade_id, pieces in fragments.items():
                if hits := fragments_in(text, pieces):
                    found[f"{exercise} hint {number} ({grade_id})"] = hits
    assert not found, f"{lesson}/hints.json gives solution lines away: {found}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_points_to_check_hint_and_progress(lesson):
    """Does the read-only setup cell import check, hint and progress after setup_lesson, does a note after each
    exercise name it, and does the lesson end with a plain progress() cell?"""
    cells = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4).cells
    setup = next(c for c in cells if c.cell_type == "code")
    assert setup.metadata["nbgrader"]["locked"] and setup.metadata["nbgrader"]["grade_id"] == "setup"
    first_line, second_line = setup.source.splitlines()[:2]
    assert first_line.startswith("from autograder import setup_lesson, check, hint, progress")
    assert second_line.startswith("setup_lesson()")
    nb = nbformat.from_dict({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    for name, exercise in selfpaced.exercises_of(nb).items():
        last = name if exercise.written else exercise.tests[-1].metadata.nbgrader.grade_id
        (index,) = [i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == last]
        note = cells[index + 1]
        assert note.cell_type == "markdown" and f'hint("{name}")' in note.source, f"no note after {last}"
        assert exercise.written or f'check("{name}")' in note.source
    assert [c.source for c in cells[-1:]] == ["progress()"] and not cells[-1].metadata.get("nbgrader")


@pytest.mark.parametrize("lesson", LESSONS)
def test_an_untouched_lesson_says_not_done_yet_for_every_test(lesson, monkeypatch):
    """With every answer cell as released, does every visible test fail with a 'not done yet' message, never a blank
    one?"""
    from autograder.notebook.cells import is_answer_cell, is_readonly_setup

    notebook = _released(lesson)
    monkeypatch.chdir(notebook.parent)
    namespace = {"__name__": "__main__"}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if is_readonly_setup(cell) or is_answer_cell(cell):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    for result in selfpaced.run_progress(namespace, notebook):
        for test in result.tests:
            assert not test.passed, test.grade_id
            assert test.message.startswith("Not done yet") or "(not done yet)" in test.message, (test.grade_id, test.message)
            assert ": ." not in test.message


def test_lesson_03_visible_tests_run_from_the_released_notebook():
    """Does check() find lesson 03's exercises in the student's notebook, and say 'not done' for empty answers?"""
    notebook = RELEASE / "03_sequential" / "03_sequential.ipynb"

    def build_sequential_model(n_features):
        raise NotImplementedError()

    result = selfpaced.run_check("build_sequential_model", _ns(build_sequential_model=build_sequential_model), notebook)
    assert [t.grade_id for t in result.tests] == ["build_sequential_model_is_sequential", "build_sequential_model_layers"]
    assert all(t.message.startswith("Not done yet") for t in result.tests)
