"""nbgrader in JupyterLab: a student's Validate button, and the instructor's formgrader."""

import re
import secrets
import subprocess
import sys

import nbformat
import pytest
from browser_lab import copy_lesson, open_notebook, relative, shot, start_lab, stop_lab
from harness import clone_like, make_submission
from playwright.sync_api import expect

from autograder.notebook.course import SOURCE, tool_environment

pytestmark = pytest.mark.browser

LESSON = "02_layers"  # the lesson that runs fastest: what is under test is the button
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
    expect(message).to_contain_text("Does count_dense_params count one weight per connection and one bias per unit")
    expect(message).to_contain_text("NotImplementedError")
    shot(page, "validate-2-unsolved-failures")


@pytest.fixture(scope="module")
def fresh_clone_lab(tmp_path_factory):
    """JupyterLab as `make instructor` starts it in a fresh clone: no grading/ folder until its set-up step runs."""
    root = clone_like(tmp_path_factory.mktemp("fresh-clone"))
    assert not (root / "grading").exists()
    # `make instructor`'s set-up step, run with the clone's own code
    done = subprocess.run([sys.executable, "-m", "autograder", "register"], cwd=root, env=tool_environment(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    server = start_lab(tmp_path_factory.mktemp("fresh-lab"), token=secrets.token_hex(16), root=root)
    try:
        yield server
    finally:
        stop_lab(server)


def test_a_fresh_clone_has_every_lesson_ready_to_grade(fresh_clone_lab):
    """After `make instructor`'s set-up in a fresh clone, does the formgrader know every lesson, with its points?"""
    assignments = {a["name"]: a for a in fresh_clone_lab.api("formgrader/api/assignments")}
    lessons = sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
    assert sorted(assignments) == lessons
    not_ready = {name: a["max_score"] for name, a in assignments.items() if a["id"] is None or not a["max_score"]}
    assert not not_ready, f"not in the gradebook, or without points: {not_ready}"


@pytest.fixture
def instructor_page(browser):
    """A new browser page for the fresh clone's JupyterLab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def test_formgrader_lists_the_assignments(instructor_page, fresh_clone_lab):
    """Does an instructor, in a fresh clone, open Nbgrader > Formgrader and see every lesson listed, with a link?"""
    page, lab = instructor_page, fresh_clone_lab
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
