"""`python -m autograder check`: a self-paced learner checks their own notebook."""

import hashlib
import subprocess
import sys

import nbformat
import pytest
from harness import make_submission

LESSON = "02_layers"  # the lesson that runs fastest: what is under test is the command, not the lesson
FORGETS_BIASES = "def count_dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n"


def _check(path, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(path)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A learner's lesson 02, all answered, one of them wrong, checked from another folder."""
    folder = tmp_path_factory.mktemp("learner") / LESSON
    folder.mkdir()
    from autograder.notebook.course import RELEASE

    (folder / "students.csv").write_bytes((RELEASE / LESSON / "students.csv").read_bytes())
    notebook = folder / f"{LESSON}.ipynb"
    nbformat.write(make_submission(LESSON, {"count_dense_params": FORGETS_BIASES}), notebook)
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()
    return _check(notebook, cwd=folder.parent), notebook, before


@pytest.mark.pipeline  # the check command runs lesson 02 whole, in a kernel of its own
def test_check_reports_each_visible_test(checked):
    """Does check list each visible test with PASS or FAIL and its points?"""
    done, _, _ = checked
    assert "FAIL  count_dense_params_small_layers  (0/2 points)" in done.stdout
    assert "PASS  output_layer_for_each_task  (2/2 points)" in done.stdout
    assert "2 of 4 visible tests pass: 3/6 points." in done.stdout
    assert "sigmoid_for_exam_scores  (written answer" in done.stdout


@pytest.mark.pipeline
def test_check_shows_the_teaching_message(checked):
    """Does a failing test come with the message that names the fix?"""
    done, _, _ = checked
    assert "You counted the weights (the lines) but not the biases: every unit has one bias too." in done.stdout
    assert done.returncode == 1


@pytest.mark.pipeline
def test_check_never_changes_the_notebook(checked):
    """Is the learner's notebook byte for byte the same after the check?"""
    _, notebook, before = checked
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("content, fragment", [
    (None, "no such file"),
    ("", "is empty: not a notebook"),
    ("{oops", "not a valid notebook (JSON error at line 1"),
])
def test_bad_input_gets_a_clear_error(tmp_path, content, fragment):
    """Does a missing, empty or broken file get a clear error and exit code 2, without a traceback?"""
    path = tmp_path / "answer.ipynb"
    if content is not None:
        path.write_text(content)
    done = _check(path, cwd=tmp_path)
    assert done.returncode == 2
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr
