"""Build student submissions from the course's own notebooks, and run exercises in this process.

Running a lesson's exercise cells in-process (set-up, answers, tests) is how the test suite tries every
mutant quickly: TensorFlow is imported once, and only the cells the tests depend on run.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat

from autograder.notebook.cells import (
    error_message,
    is_answer_cell,
    is_noise,
    is_readonly_setup,
    is_test_cell,
    nbgrader_meta,
)
from autograder.notebook.course import RELEASE, ROOT, SOURCE
from autograder.notebook.results import TestResult

MARKERS = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$\n?", re.M)


def notebook_path(root: Path, assignment: str) -> Path:
    """The one notebook of an assignment folder."""
    (path,) = sorted((root / assignment).glob("*.ipynb"))
    return path


@functools.cache
def _read(path: Path, stamp: tuple[int, int]) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _notebook(root: Path, assignment: str) -> nbformat.NotebookNode:
    """A fresh copy of an assignment's notebook, read (and validated) once per version of the file."""
    import copy

    path = notebook_path(root, assignment)
    info = path.stat()
    return copy.deepcopy(_read(path, (info.st_mtime_ns, info.st_size)))


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """The instructor's notebook."""
    return _notebook(SOURCE, assignment)


def released_notebook(assignment: str) -> nbformat.NotebookNode:
    """The student's notebook, as released in course/."""
    return _notebook(RELEASE, assignment)


def unmark(code: str) -> str:
    """Source code with nbgrader's BEGIN/END markers removed (solutions and hidden tests kept)."""
    return MARKERS.sub("", code)


def solutions(assignment: str) -> dict[str, str]:
    """The reference answer of each answer cell, by grade id."""
    return {
        nbgrader_meta(c)["grade_id"]: unmark(c.source)
        for c in source_notebook(assignment).cells
        if nbgrader_meta(c).get("solution")
    }


def make_submission(assignment: str, answers: dict[str, str] | None = None, solve: bool = True) -> nbformat.NotebookNode:
    """A student's notebook: the released one with answers typed in.

    Args:
        assignment: the lesson folder.
        answers: code (or text) for some answer cells, by grade id.
        solve: fill the other answer cells with the reference answers; False leaves them untouched.
    """
    nb = released_notebook(assignment)
    reference = solutions(assignment)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if not nbgrader_meta(cell).get("solution"):
            continue
        if answers and grade_id in answers:
            cell.source = answers[grade_id]
        elif solve:
            cell.source = reference[grade_id]
    return nb


def run_exercises(
    assignment: str, answers: dict[str, str] | None = None, only: Iterable[str] | None = None, judged: bool = True
) -> dict[str, TestResult]:
    """Run set-up, answer and test cells (hidden tests included) in this process; return each test's result.

    Args:
        assignment: the lesson folder.
        answers: code for some answer cells, by grade id; the others get the reference answer.
        only: run just the tests whose grade id starts with one of these exercise ids (default: all).
        judged: also judge the answers as grading does, outside the "kernel" (`autograder.judge.judging`, every value
            turned into bytes and back), and fail unless both verdicts agree on every test.

    A test fails, as in nbgrader, when it raises or writes to stderr (TensorFlow noise aside).
    """
    kernel, judge = _run(assignment, answers, only, judged, released_tests=False)
    if judge is not None:
        disagree = {g: (kernel[g].message, judge[g].message) for g in kernel if kernel[g].passed != judge[g].passed}
        assert not disagree, f"the judge and the kernel disagree (kernel message, judge message): {disagree}"
    return kernel


def _run(assignment: str, answers: dict[str, str] | None, only: Iterable[str] | None, judged: bool,
         released_tests: bool) -> tuple[dict[str, TestResult], dict[str, TestResult] | None]:
    """Run the exercises in this process (`run_exercises`); return the kernel's results and the judge's (None unless
    `judged`). With `released_tests`, the kernel runs each test cell as the student's notebook holds it (hidden tests
    out), while the judge always runs the instructor's whole cell, as grading does."""
    import os
    import shutil
    import tempfile

    reference = solutions(assignment)
    released = {nbgrader_meta(c)["grade_id"]: c.source
                for c in released_notebook(assignment).cells if is_test_cell(c)} if released_tests else {}
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, TestResult] = {}
    cwd = os.getcwd()
    copy = tempfile.TemporaryDirectory(prefix="kmw-lesson-")  # a copy of the lesson folder: answers may write files
    shutil.copytree(SOURCE / assignment, copy.name, dirs_exist_ok=True)
    os.chdir(copy.name)
    try:
        for cell in source_notebook(assignment).cells:
            meta = nbgrader_meta(cell)
            if is_readonly_setup(cell):
                exec(compile(cell.source, f"<{meta.get('grade_id')}>", "exec"), namespace)
            elif is_answer_cell(cell):
                code = (answers or {}).get(meta["grade_id"], reference[meta["grade_id"]])
                try:
                    exec(compile(code, f"<{meta['grade_id']}>", "exec"), namespace)
                except Exception:  # noqa: BLE001 (a broken answer fails its tests, as in a notebook)
                    pass
            elif is_test_cell(cell) and (only is None or meta["grade_id"].startswith(tuple(only))):
                results[meta["grade_id"]] = _run_test(cell, namespace, released.get(meta["grade_id"]))
    finally:
        os.chdir(cwd)
        copy.cleanup()
    return results, judge_exercises(assignment, namespace, results) if judged else None


@functools.cache
def _judge_plan(assignment: str):
    """The judge's plan for a lesson, read once per test session."""
    from autograder.judge import judging as judge

    return judge.plan_for(notebook_path(SOURCE, assignment))


def judge_exercises(assignment: str, kernel: dict, tests: Iterable[str]) -> dict[str, TestResult]:
    """Judge the answers defined in the namespace `kernel` the way grading does, for the named tests."""
    from dataclasses import replace

    from autograder.judge import judging as judge

    whole, wanted = _judge_plan(assignment), set(tests)
    plan = replace(whole, tests=tuple(t for t in whole.tests if t.grade_id in wanted))
    connection = judge.LocalConnection(kernel)
    return judge.run_tests(plan, judge.prepare(plan, connection), connection)


def _run_test(cell, namespace: dict, source: str | None = None) -> TestResult:
    """Run a test cell (or `source` in its place) in `namespace`; its result, as nbgrader would score it."""
    meta = nbgrader_meta(cell)
    points = float(meta.get("points", 0))
    err = io.StringIO()
    message = ""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            exec(compile(unmark(cell.source if source is None else source), f"<{meta['grade_id']}>", "exec"), namespace)
    except Exception as error:  # noqa: BLE001 (any error fails the test, as in nbgrader)
        message = error_message(error)
    if not message and err.getvalue() and not is_noise(err.getvalue()):
        message = f"wrote to stderr: {err.getvalue()[:200]}"
    return TestResult(meta["grade_id"], not message, 0.0 if message else points, points, message)


def assert_full_marks(results: dict[str, TestResult], total: float) -> None:
    """Every test passed, and the points add up to `total`."""
    failed = {k: r.message for k, r in results.items() if not r.passed}
    assert not failed
    assert sum(r.points for r in results.values()) == sum(r.max_points for r in results.values()) == total


JUDGE_MUTANTS = True
"""Whether `assert_mutant` grades each wrong answer as grading does, with the judge; `pytest --fast`
(`make test-fast`) turns it off and runs the instructor's test cells in the "kernel" instead. The references and the
other correct formulations are always run both ways."""


def _without_numbers(message: str) -> str:
    """A message with its numbers left out: the judge calls the student's functions again, and Keras numbers the new
    layers on ('dense_3', then 'dense_7') and gives them new random weights (predictions that differ by 0.319, then
    by 0.395)."""
    return re.sub(r"\d+(\.\d+)?", "#", message)


def assert_mutant(assignment: str, answers: dict[str, str], expected: dict[str, str],
                  reference: dict[str, TestResult]) -> None:
    """A wrong answer fails exactly the `expected` tests, each with its message fragment, and loses their points.

    Only the tests of the exercises in `answers` run; the other exercises keep their reference answers. The score
    is the judge's, as in grading, which runs each test cell whole (hidden tests in). The "kernel" runs the test cells
    the student's notebook holds (hidden tests out), as the student does: whatever a visible test fails on there is
    what the judge fails it on, with the same message, and nothing the judge passes fails there.
    """
    if not JUDGE_MUTANTS:
        results = run_exercises(assignment, answers, only=answers, judged=False)
    else:
        kernel, results = _run(assignment, answers, answers, judged=True, released_tests=True)
        differ = {g: (kernel[g].message, results[g].message) for g in kernel
                  if not kernel[g].passed and _without_numbers(kernel[g].message) != _without_numbers(results[g].message)}
        assert not differ, f"the notebook's visible tests and the grader disagree (notebook, grader): {differ}"
    for grade_id, result in results.items():
        if grade_id in expected:
            assert not result.passed, f"{grade_id} should fail"
            assert expected[grade_id] in result.message, result.message
        else:
            assert result.passed, f"{grade_id} should still pass: {result.message}"
    lost = sum(r.max_points for r in results.values()) - sum(r.points for r in results.values())
    assert lost == sum(reference[g].max_points for g in expected) > 0


def submit(workspace: Path, student: str, assignment: str, nb: nbformat.NotebookNode) -> Path:
    """Hand in a notebook the way nbgrader collects it: `workspace/submitted/<student>/<assignment>/<assignment>.ipynb`."""
    folder = workspace / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return path


def printed(cell, name: str = "stdout") -> str:
    """All a cell wrote to one stream, as one text.

    The kernel sends its output in pieces, flushed on a timer: one `print("TAG", value)` may land in two outputs
    ("TAG", then " value\\n") on a loaded machine, as it did once in CI. Read a stream whole, never one output.
    """
    return "".join(str(output.get("text", "")) for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == name)


def printed_line(path: Path, tag: str) -> str | None:
    """The first line that a cell of the notebook at `path` printed starting with `tag`; None if none did."""
    for cell in nbformat.read(path, as_version=4).cells:
        for line in printed(cell).splitlines():
            if line.startswith(tag):
                return line
    return None


def clone_like(destination: Path) -> Path:
    """Copy the course to `destination` as a fresh `git clone` of this working tree would hold it; return it.

    Every file git tracks, or would add, is copied (with its times, so make sees nothing new); nothing git ignores
    is: no `grading/`, no `.venv`, no test artifacts.
    """
    import shutil
    import subprocess

    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def sha256(path: Path) -> str:
    """A file's content fingerprint, to prove it was not modified."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Solution lines, to find them where a student could read them (prompts, demos, visible tests, messages, hints)

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
FRAGMENT_MIN = 12
"""Pieces of code shorter than this, whitespace removed (`return model`, `x = inputs`), give nothing away."""


def squeeze(text: str) -> str:
    """Text with all whitespace removed and double quotes made single, so that spacing and quoting never hide a copy."""
    return re.sub(r"\s+", "", text).replace('"', "'")


def solution_regions(assignment: str) -> dict[str, list[str]]:
    """The code between `### BEGIN SOLUTION` and `### END SOLUTION` in each answer cell, dedented, by grade id."""
    import textwrap

    regions: dict[str, list[str]] = {}
    for cell in source_notebook(assignment).cells:
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"):
            for match in SOLUTION_REGION.finditer(cell.source):
                regions.setdefault(nbgrader_meta(cell)["grade_id"], []).append(textwrap.dedent(match.group(1)))
    return regions


def code_lines(code: str) -> list[str]:
    """Each line of `code` that holds code, stripped, without its comment or a trailing comma."""
    import io
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines: dict[int, list[tokenize.TokenInfo]] = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type not in skip:
            lines.setdefault(token.start[0], []).append(token)
    source = code.splitlines()
    result = []
    for row, tokens in sorted(lines.items()):
        end = tokens[-1].end
        text = source[row - 1][tokens[0].start[1]:end[1]] if end[0] == row else source[row - 1][tokens[0].start[1]:]
        result.append(text.strip().rstrip(",").strip())
    return [line for line in result if line]


def _gives_nothing_away(node: ast.AST) -> bool:
    """A bare name, attribute or constant, or a call of one name on at most one such argument (`describe(model)`)."""
    simple = (ast.Name, ast.Attribute, ast.Constant)
    if isinstance(node, simple):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and not node.keywords
            and len(node.args) <= 1 and all(isinstance(a, simple) for a in node.args))


def solution_fragments(code: str) -> set[str]:
    """The pieces of a solution that give it away, squeezed: each line of code, and the value each one-line statement
    assigns, returns, raises or evaluates (so `order = rng.permutation(n)` is found as `rng.permutation(n)` too).

    Pieces shorter than `FRAGMENT_MIN` characters and values that only name something are left out.
    """
    found = {squeeze(line) for line in code_lines(code)}
    for node in ast.walk(ast.parse(code)):
        value = node.exc if isinstance(node, ast.Raise) else getattr(node, "value", None)
        if (isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr, ast.Raise))
                and value is not None and value.lineno == value.end_lineno and not _gives_nothing_away(value)):
            found.add(squeeze(ast.get_source_segment(code, value)))
    return {piece for piece in found if len(piece) >= FRAGMENT_MIN}


def fragments_in(text: str, fragments: Iterable[str]) -> list[str]:
    """The fragments that stand in `text` (spacing and quoting ignored)."""
    squeezed = squeeze(text)
    return sorted(f for f in fragments if f in squeezed)
