"""A failed check shows the student the test's own line and the message, never the checker's code: in a real kernel
(every exception mode), under `nbgrader validate`, in `check()` and in the feedback."""

import ast
import json
import re
import sys

import nbformat
import pytest
from nbconvert.filters import strip_ansi
from nbformat.v4 import new_code_cell, new_notebook

import autograder.checks
from autograder.grading.feedback import HideHiddenTests
from autograder.lesson import selfpaced, tracebacks
from autograder.notebook.course import ROOT, run_nbgrader

CHECKS = sorted((ROOT / "autograder" / "checks").glob("*.py"))

SETUP = "from autograder import setup_lesson, checks, spec\nsetup_lesson()\nimport keras\nfrom keras import layers"
# The example: the checker raises "... Change its units to 16." from inside autograder/checks/layers.py.
LAYERS_TEST = (
    '"""Is the model one Dense(16, relu) layer?"""\n'
    "candidate = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation='relu')])\n"
    "checks.assert_layers(candidate, [spec.Dense(16, 'relu')])\n"
    'print("Well done.")'
)
LAYERS_LINE = "checks.assert_layers(candidate, [spec.Dense(16, 'relu')])"
LAYERS_MESSAGE = "Change its units to 16."
MODEL_TEST = '"""Is it a model?"""\nchecks.assert_is_model(None)'
MODEL_MESSAGE = "Your function returned None instead of a model."


def checker_lines() -> set[str]:
    """Every non-blank line of the checkers' source, stripped: none of them may reach the student."""
    return {line.strip() for path in CHECKS for line in path.read_text().splitlines() if len(line.strip()) > 12}


def assert_shows_only_the_test(text: str, test_line: str, message: str) -> None:
    """The text holds the test's line and the message, and no path or line of autograder/checks/."""
    assert message in text, text
    assert test_line in text, text
    assert "autograder/checks" not in text, text
    leaked = [line for line in checker_lines() if line in text and line not in (test_line, message)]
    assert not leaked, leaked


def _meta(grade_id, **flags):
    return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False,
                         "locked": True, **flags}}


def lesson_notebook() -> nbformat.NotebookNode:
    """A tiny lesson: the read-only set-up cell, then two failing test cells that call real checks."""
    return new_notebook(
        cells=[
            new_code_cell(SETUP, metadata=_meta("setup")),
            new_code_cell(LAYERS_TEST, metadata=_meta("layers_test", grade=True, points=1)),
            new_code_cell(MODEL_TEST, metadata=_meta("model_test", grade=True, points=1)),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


# The mechanism, without a kernel


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.name)
def test_every_checker_module_hides_its_frames(path):
    """Does each module of autograder/checks/ set `__tracebackhide__ = True` at module level?"""
    assigned = [
        node for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__tracebackhide__"]
    ]
    assert len(assigned) == 1 and getattr(assigned[0].value, "value", None) is True, path


def _failing_check():
    autograder.checks.assert_is_model(None)


def test_hidden_frames_are_dropped_even_the_last_one():
    """Does the trimmed traceback keep the caller's frames and drop the checker's, the raising one included?"""
    with pytest.raises(AssertionError) as caught:
        _failing_check()
    names = []
    tb = tracebacks.without_hidden_frames(caught.value.__traceback__)
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert names[-1] == "_failing_check" and "assert_is_model" not in names


def test_a_traceback_of_hidden_frames_only_is_kept_whole():
    """When every frame is hidden, is the traceback kept as it is rather than emptied?"""
    with pytest.raises(AssertionError) as caught:
        autograder.checks.assert_is_model(None)
    innermost = caught.value.__traceback__.tb_next  # the checker's frame alone
    assert tracebacks.without_hidden_frames(innermost) is innermost


def test_only_a_true_flag_hides_a_frame():
    """Is a frame flagged with something other than True (IPython marks its bottom frame with a string) kept?"""

    def flagged(value):
        __tracebackhide__ = value  # noqa: F841 (read from the frame)
        return sys._getframe()

    assert tracebacks.is_hidden(flagged(True))
    assert not tracebacks.is_hidden(flagged("__ipython_bottom__")) and not tracebacks.is_hidden(flagged(False))


def test_plain_python_has_no_shell_to_change():
    """Outside IPython, does hide_checker_frames change nothing and say so?"""
    assert tracebacks.hide_checker_frames() is False


# In a real kernel


@pytest.fixture(scope="module")
def kernel_outputs():
    """Run the tiny lesson in a real IPython kernel, then the same failing check in the other exception modes, then
    an error of the student's own; return each cell's error traceback, ANSI colours removed."""
    from nbclient import NotebookClient

    nb = lesson_notebook()
    nb.cells += [
        new_code_cell("%xmode Plain"), new_code_cell(LAYERS_TEST),
        new_code_cell("%xmode Verbose"), new_code_cell(LAYERS_TEST),
        new_code_cell("%xmode Context\ndef mine(x):\n    assert x > 0, 'x must be positive'\nmine(-1)"),
    ]
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120, resources={"metadata": {"path": ROOT}}).execute()
    errors = [next((o for o in c.outputs if o.output_type == "error"), None) for c in nb.cells]
    return nb, [strip_ansi("\n".join(e.traceback)) if e else None for e in errors]


@pytest.mark.pipeline  # a real kernel, or stock nbgrader validate
def test_a_failed_check_in_the_kernel_shows_the_tests_line_and_the_message(kernel_outputs):
    """In the kernel's default mode, does a failed check's traceback end with the test's line and the message, with no
    line of the checker?"""
    _, shown = kernel_outputs
    assert shown[0] is None
    assert_shows_only_the_test(shown[1], LAYERS_LINE, LAYERS_MESSAGE)
    assert_shows_only_the_test(shown[2], "checks.assert_is_model(None)", MODEL_MESSAGE)


@pytest.mark.pipeline  # a real kernel, or stock nbgrader validate
@pytest.mark.parametrize("cell, mode", [(4, "Plain"), (6, "Verbose")])
def test_every_exception_mode_hides_the_checker(kernel_outputs, cell, mode):
    """Under `%xmode Plain` and `%xmode Verbose` too, does the checker stay out of the traceback?"""
    _, shown = kernel_outputs
    assert_shows_only_the_test(shown[cell], LAYERS_LINE, LAYERS_MESSAGE)


@pytest.mark.pipeline  # a real kernel, or stock nbgrader validate
def test_the_students_own_frames_stay(kernel_outputs):
    """Does an assertion in the student's own function still show that function's line?"""
    _, shown = kernel_outputs
    assert "mine(-1)" in shown[7] and "assert x > 0, 'x must be positive'" in shown[7], shown[7]


@pytest.mark.pipeline  # a real kernel, or stock nbgrader validate
def test_feedback_shows_the_message_without_the_checker(kernel_outputs):
    """Does the feedback's copy of a failed test cell show the message and no line of the checker?"""
    nb, _ = kernel_outputs
    cell, _ = HideHiddenTests().preprocess_cell(nbformat.from_dict(json.loads(json.dumps(nb.cells[1]))), {}, 1)
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    text = strip_ansi("\n".join(error.traceback))
    assert LAYERS_MESSAGE in text and "autograder/checks" not in text


@pytest.mark.pipeline  # a real kernel, or stock nbgrader validate
def test_nbgrader_validate_shows_the_tests_line_and_the_message(tmp_path):
    """Does `nbgrader validate` print the failed test's line and message, and no line of the checker?"""
    path = tmp_path / "lesson.ipynb"
    nbformat.write(lesson_notebook(), path)
    done = run_nbgrader(["validate", "--Validator.width=200", str(path)])  # the default cuts lines at 90
    text = strip_ansi(done.stdout)
    assert "VALIDATION FAILED ON 2 CELL(S)!" in text, text
    assert_shows_only_the_test(text, LAYERS_LINE, LAYERS_MESSAGE)
    assert_shows_only_the_test(text, "checks.assert_is_model(None)", MODEL_MESSAGE)


# check()


def test_check_shows_the_tests_line_and_the_message(tmp_path, capsys):
    """Does check() name the test's line that failed and its message, and no line of the checker?"""
    path = tmp_path / "lesson.ipynb"
    nb = lesson_notebook()
    nb.cells.insert(1, new_code_cell("raise NotImplementedError()", metadata=_meta("model", locked=False, solution=True)))
    nb.cells[3].metadata.nbgrader["grade_id"] = "model_is_a_model"
    nbformat.write(nb, path)
    selfpaced.check("model", notebook=path, namespace={"__name__": "__main__", "checks": autograder.checks})
    out = capsys.readouterr().out
    assert out.startswith("\u2718 model: 1 of 1 visible tests fail.")
    assert_shows_only_the_test(out, "`checks.assert_is_model(None)`", MODEL_MESSAGE)


def test_a_stderr_failure_names_no_line(tmp_path):
    """When a test fails by writing to stderr, not by raising, does check() leave the line out rather than guess?"""
    cell = new_code_cell("import sys\nsys.stderr.write('oops')", metadata=_meta("t", grade=True, points=1))
    result, _, line = selfpaced.run_test_cell(cell, {"__name__": "__main__"})
    assert not result.passed and line == ""
    assert re.search("stderr", result.message)
