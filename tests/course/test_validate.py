"""Stock `nbgrader validate`: the instructor notebooks pass their own tests, the student versions fail them."""

import pytest

from autograder.notebook.course import RELEASE, SOURCE, run_nbgrader


pytestmark = pytest.mark.pipeline  # stock nbgrader runs lesson 02 whole, twice


def _notebook(root, lesson):
    (path,) = (root / lesson).glob("*.ipynb")
    return str(path)


# Lesson 02 runs fastest: what is under test is the command on an instructor notebook. Every lesson's test cells run
# in-process against its reference answers (tests/exercises); lesson 03's, hidden tests included, also run under
# stock `nbgrader autograde` in tests/pipeline/test_grade_03_sequential.py, where its reference scores full marks and
# its untouched release 0; the browser tests run each released lesson whole.
@pytest.mark.parametrize("lesson", ["02_layers"])
def test_instructor_notebook_passes_validate(lesson):
    """Does the instructor notebook, solutions in, pass every one of its tests under `nbgrader validate`?"""
    done = run_nbgrader(["validate", _notebook(SOURCE, lesson)])
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout


# tests/test_selfpaced.py shows, in-process, that every released lesson's visible tests fail "not done yet".
@pytest.mark.parametrize("lesson", ["02_layers"])
def test_student_notebook_fails_validate_invert(lesson):
    """Does the released notebook, answers empty, fail its tests as `nbgrader validate --invert` expects?"""
    done = run_nbgrader(["validate", "--invert", _notebook(RELEASE, lesson)])
    assert "Success! The notebook does not pass any tests." in done.stdout, done.stdout
