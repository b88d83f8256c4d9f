"""nbgrader in JupyterLab: a student's Validate button, and the instructor's formgrader."""

import re

import nbformat
import pytest
from browser_lab import copy_lesson, open_notebook, relative, shot
from harness import make_submission
from playwright.sync_api import expect

from autograder.course import SOURCE

pytestmark = pytest.mark.browser

LESSON = "03_sequential"
VALIDATION_LIMIT_MS = 300_000  # a guard against a hung validation, not a check of its speed


def _validate(page, lab, notebook):
    """Open the notebook, press nbgrader's Validate button, and return the dialog's message."""
    path = relative(notebook)
    open_notebook(page, lab, path)
    page.locator(".validate-button").get_by_text("Validate").click()
    message = page.locator("#validation-message")
    message.wait_for(timeout=VALIDATION_LIMIT_MS)
    return message


def test_validate_passes_a_solved_notebook(page, lab, scratch):
    """Does the Validate button say success on a notebook with every exercise solved?"""
    notebook = copy_lesson(LESSON, scratch / "validate-solved")
    nbformat.write(make_submission(LESSON), notebook)
    message = _validate(page, lab, notebook)
    expect(message).to_have_class(re.compile(r"\bvalidation-success\b"))
    expect(message).to_contain_text("Success! Your notebook passes all the tests.")
    shot(page, "validate-1-solved-success")


def test_validate_names_the_failing_tests_of_an_unsolved_notebook(page, lab, scratch):
    """Does the Validate button list the failing tests of the released, unsolved notebook?"""
    notebook = copy_lesson(LESSON, scratch / "validate-unsolved")
    message = _validate(page, lab, notebook)
    expect(message).to_have_class(re.compile(r"\bvalidation-failed\b"))
    expect(message).to_contain_text("The following cell failed:")
    expect(message).to_contain_text("Is build_sequential_model's model a keras.Sequential?")
    expect(message).to_contain_text("NotImplementedError")
    shot(page, "validate-2-unsolved-failures")


def test_formgrader_lists_the_assignments(page, lab):
    """Does an instructor, at the course root, open Nbgrader > Formgrader and see every lesson listed?"""
    page.goto(lab.lab_url())
    page.get_by_text("Nbgrader", exact=True).click()
    page.locator(".lm-Menu").get_by_text("Formgrader", exact=True).click()
    frame = page.frame_locator("iframe")
    expect(frame.get_by_text("Manage Assignments").first).to_be_visible()
    lessons = sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
    for lesson in lessons:
        expect(frame.get_by_role("link", name=lesson, exact=True).first).to_be_visible()
    frame.get_by_role("link", name=lessons[0], exact=True).first.scroll_into_view_if_needed()
    shot(page, "formgrader-assignments")
