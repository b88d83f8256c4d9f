"""nbgrader's Execute step as the grader runs it (`BoundedExecute`), on small notebooks in real kernels.

A kernel that dies mid-notebook is replaced and the notebook goes on; with the judge, the kernel skips the test
cells and each receives the judge's verdict. The pipeline tests (`tests/pipeline/test_bad_submissions.py`) grade
such notebooks end to end; these test the step itself, a few cells at a time.
"""

import pytest
from harness import printed
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading.bounded_execute import BoundedExecute, KernelKeptDying
from autograder.judge import judging as judge
from autograder.judge.answer_server import SERVE_CELL
from autograder.judge.serve_cell import MARK
from autograder.notebook.cells import failure_message

CRASH = "import os\nos._exit(1)"


def answer(source, grade_id):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": False, "solution": True, "locked": False, "grade_id": grade_id,
                              "schema_version": 3}
    return cell


def graded(source, grade_id):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 1,
                              "schema_version": 3}
    return cell


def run(nb, folder, **settings):
    """Run `nb` through the step in `folder`, as nbgrader autograde would; return the cells by grade id."""
    BoundedExecute(timeout=30, **settings).preprocess(nb, {"metadata": {"path": str(folder)}, "unique_key": "lesson"})
    return {cell.metadata.get("nbgrader", {}).get("grade_id", str(i)): cell for i, cell in enumerate(nb.cells)}


def test_after_a_crash_a_new_kernel_goes_on_and_only_what_needed_the_crashed_cell_fails(tmp_path):
    """When an answer cell kills its kernel, does the test before it keep its pass, the crashed cell say why, a
    later independent exercise still pass, and a test of the crashed exercise name the crash?"""
    nb = new_notebook(cells=[
        new_code_cell("base = 1"),
        answer("def first():\n    return base", "first"),
        graded("assert first() == 1\nprint('first passed')", "first_test"),
        answer(CRASH, "second"),
        graded("assert second() == 2", "second_test"),
        answer("def third():\n    return base + 2", "third"),
        graded("assert third() == 3", "third_test"),
    ])
    cells = run(nb, tmp_path)
    assert failure_message(cells["first_test"]) is None and printed(cells["first_test"]) == "first passed\n"
    assert cells["second"].outputs[-1]["ename"] == "DeadKernelError"
    assert failure_message(cells["second_test"]) == (
        f"DeadKernelError: second is not defined: {judge.KERNEL_DIED} in cell 'second', which defines second, and "
        "the grader went on without that cell.")
    assert failure_message(cells["third_test"]) is None  # `base` came back: the cells above ran again


def test_a_notebook_that_keeps_killing_its_kernel_is_stopped_with_the_reason(tmp_path):
    """Is a notebook that kills a fourth kernel stopped, with a reason that counts the crashes and names them?"""
    nb = new_notebook(cells=[answer(CRASH, f"crash_{i}") for i in range(5)])
    with pytest.raises(KernelKeptDying, match=r"stopped 4 times .* in cell 'crash_0', cell 'crash_1'"):
        run(nb, tmp_path)


def test_with_the_judge_the_kernel_skips_the_tests_and_each_shows_its_verdict(tmp_path):
    """With the judge on, does the kernel skip every test cell (keeping its execution count), each test cell show the
    judge's outputs, and a kernel that dies in a judged call give way to a new one that serves the next tests?"""
    handoff, socket_path = tmp_path / "verdicts", tmp_path / "answers.sock"
    handoff.mkdir()
    plan = judge.JudgePlan("lesson.ipynb", (), (
        judge.JudgedTest("f_test", "assert f() == 1\nprint('judged')", 1.0),
        judge.JudgedTest("g_test", "g()", 1.0),
        judge.JudgedTest("h_test", "assert h() == 3", 1.0),
    ), ("f", "g", "h"))
    ran_in_kernel = "open('ran-in-the-kernel', 'w').close()\n"
    serve = new_code_cell(SERVE_CELL.format(path=str(socket_path)))
    serve.metadata[MARK] = True
    nb = new_notebook(cells=[
        answer("def f():\n    return 1", "f"), graded(ran_in_kernel + plan.tests[0].code, "f_test"),
        answer("import os\ndef g():\n    os._exit(1)", "g"), graded(ran_in_kernel + "g()", "g_test"),
        answer("def h():\n    return 3", "h"), graded(ran_in_kernel + plan.tests[2].code, "h_test"),
        serve,
    ])
    checker = judge.Judge(plan, socket_path, timeout=30, handoff=handoff)
    checker.start()
    try:
        cells = run(nb, tmp_path, verdicts_folder=str(handoff))
    finally:
        checker.finished.set()
        checker.join(10)
    assert not (tmp_path / "ran-in-the-kernel").exists()
    assert [cell.execution_count for cell in nb.cells[:6]] == [1, 2, 3, 4, 5, 6]
    assert cells["f_test"].outputs == [{"output_type": "stream", "name": "stdout", "text": "judged\n"}]
    assert failure_message(cells["g_test"]) == f"{judge.KERNEL_DIED} while this test ran, in a call of your g."
    assert failure_message(cells["h_test"]) is None


def test_a_judge_that_gives_no_verdict_leaves_the_tests_to_the_kernel(tmp_path):
    """When no verdict comes (the judge broke), do the test cells run in the kernel after all, as in stock nbgrader?"""
    serve = new_code_cell("pass")
    serve.metadata[MARK] = True
    nb = new_notebook(cells=[answer("def f():\n    return 1", "f"), graded("assert f() == 2, 'f is not 2'", "f_test"),
                             serve])
    (tmp_path / "verdicts").mkdir()
    cells = run(nb, tmp_path, verdicts_folder=str(tmp_path / "verdicts"), verdicts_seconds=0.5)
    assert failure_message(cells["f_test"]) == "f is not 2"
