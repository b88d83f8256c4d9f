"""A student in lesson 03 types answers into an exercise, runs its tests, and asks check() and hint()."""

import re

import nbformat
import pytest
from browser_lab import cell_locator, cells, copy_lesson, errors, index_of, open_notebook, relative, run_cells, shot
from harness import make_submission, released_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LESSON = "03_sequential"
RIGHT = """def build_sequential_model(n_features):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(layers.Dense(16, activation="relu"))
    model.add(layers.Dense(8, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model
"""
WRONG = RIGHT.replace("Dense(8,", "Dense(32,")
TEACHING = ("Layer 2 should read Dense (None, 8) 136 in the summary; yours reads Dense (None, 32) 544. "
            "A Dense layer gives out one number per unit. Change its units to 8.")


def _type_into(page, cell_id, text):
    """Click into a cell's editor, select everything, and type `text` over it (as a paste: no auto-indent)."""
    cell_locator(page, cell_id).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def _scratch_cell_below(page, path, cell_id, code):
    """Insert a scratch cell below `cell_id` with the keyboard (Esc, B), type `code`, run it; return its index."""
    cell_locator(page, cell_id).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    index = index_of(page, path, cell_id) + 1
    run_cells(page, path, [index])
    page.evaluate("(path) => window.kmw.tag(path)", path)
    return index


def test_typing_an_answer_then_checking_it(page, lab, scratch):
    """Does a right answer pass its visible tests and check(), show the lesson's figure, and does a wrong one get the
    teaching message, from the test cell and from check(), with a hint on request?"""
    notebook = copy_lesson(LESSON, scratch / "typing")
    stub = next(c.source for c in released_notebook(LESSON).cells if c.metadata.get("nbgrader", {}).get("grade_id") == "build_sequential_model")
    nbformat.write(make_submission(LESSON, {"build_sequential_model": stub}), notebook)  # the other exercises solved
    path = relative(notebook)
    open_notebook(page, lab, path)
    tests = [index_of(page, path, "build-sequential-model-is-sequential"), index_of(page, path, "build-sequential-model-layers")]
    run_cells(page, path, list(range(tests[-1] + 1)))

    # A right answer: type it, run it with the keyboard, run the visible tests below it.
    _type_into(page, "build-sequential-model", RIGHT)
    page.keyboard.press("Control+Enter")
    run_cells(page, path, tests)
    shown = {c["id"]: c for c in cells(page, path)}
    assert not errors(shown["build-sequential-model-is-sequential"]) and not errors(shown["build-sequential-model-layers"])
    assert "Well done: the layers and shapes are right for 8 features." in shown["build-sequential-model-layers"]["text"]
    shot(page, "exercise-1-right-answer-tests-pass", cell_locator(page, "build-sequential-model-layers"))

    # check() in a scratch cell says it passes.
    check_index = _scratch_cell_below(page, path, "build-sequential-model-layers", 'check("build_sequential_model")')
    verdict = page.locator(".jp-Cell").nth(check_index).locator(".kmw-selfpaced")
    expect(verdict).to_have_class(re.compile(r"\bkmw-pass\b"))
    expect(verdict).to_contain_text("build_sequential_model: all 2 visible tests pass.")
    shot(page, "exercise-2-check-passes", verdict)

    # The lesson's figure, which needs the exercises, now renders.
    figure_cells = ["load-data", "cell-26", "compile-for-exam", "train-for-exam", "cell-34"]
    run_cells(page, path, [index_of(page, path, cell_id) for cell_id in figure_cells])
    figure = {c["id"]: c for c in cells(page, path)}["cell-34"]
    assert not errors(figure) and figure["images"] and figure["images"][0]["width"] > 0
    shot(page, "exercise-3-figure", cell_locator(page, "cell-34"))

    # A wrong answer: the test cell and check() both give the teaching message.
    _type_into(page, "build-sequential-model", WRONG)
    page.keyboard.press("Control+Enter")
    run_cells(page, path, [tests[-1], check_index])
    shown = cells(page, path)
    assert ("AssertionError", TEACHING) in errors(shown[tests[-1]])
    traceback = shown[tests[-1]]["text"]  # as rendered: the test's line and the message, none of the checker's code
    assert TEACHING in traceback and "autograder/checks" not in traceback and "raise AssertionError" not in traceback
    shot(page, "exercise-4-wrong-answer-teaching-message", cell_locator(page, "build-sequential-model-layers"))
    verdict = page.locator(".jp-Cell").nth(check_index).locator(".kmw-selfpaced")
    expect(verdict).to_have_class(re.compile(r"\bkmw-fail\b"))
    expect(verdict).to_contain_text(TEACHING)
    expect(verdict).to_contain_text('hint("build_sequential_model")')
    expect(verdict).to_contain_text("The test's line that failed: checks.assert_summary(")

    # hint() reveals the first hint.
    hint_index = _scratch_cell_below(page, path, "build-sequential-model-layers", 'hint("build_sequential_model")')
    note = page.locator(".jp-Cell").nth(hint_index).locator(".kmw-selfpaced")
    expect(note).to_contain_text("Hint 1 of 3 for build_sequential_model")
    shot(page, "exercise-5-check-fails-and-hint", note)
