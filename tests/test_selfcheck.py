"""`python -m autograder check`: a self-paced learner checks their own notebook."""

import hashlib
import subprocess
import sys

import nbformat
import pytest
from harness import make_submission

LESSON = "03_sequential"
WRONG_ACTIVATION = '''def build_multiclass_model(n_features, n_classes):
    return keras.Sequential([keras.Input((n_features,)), layers.Dense(32, activation="relu"),
                             layers.Dense(n_classes, activation="sigmoid")])
'''


def _check(path, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(path)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A learner's lesson 03, all answered, one of them wrong, checked from another folder."""
    folder = tmp_path_factory.mktemp("learner") / LESSON
    folder.mkdir()
    from autograder.notebook.course import RELEASE

    (folder / "exam_results.csv").write_bytes((RELEASE / LESSON / "exam_results.csv").read_bytes())
    notebook = folder / f"{LESSON}.ipynb"
    nbformat.write(make_submission(LESSON, {"build_multiclass_model": WRONG_ACTIVATION}), notebook)
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()
    return _check(notebook, cwd=folder.parent), notebook, before


@pytest.mark.pipeline  # the check command runs lesson 03 whole
def test_check_reports_each_visible_test(checked):
    """Does check list each visible test with PASS or FAIL and its points?"""
    done, _, _ = checked
    assert "PASS  build_sequential_model_layers  (2/2 points)" in done.stdout
    assert "FAIL  build_multiclass_model_layers  (0/2 points)" in done.stdout
    assert "9 of 10 visible tests pass: 13/15 points." in done.stdout
    assert "when_sequential_is_not_enough  (written answer" in done.stdout


@pytest.mark.pipeline
def test_check_shows_the_teaching_message(checked):
    """Does a failing test come with the message that names the fix?"""
    done, _, _ = checked
    assert "Your output layer applies 'sigmoid': each unit then gives a probability of its own" in done.stdout
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
