"""Self-paced mode inside a notebook: `check("exercise")`, `hint("exercise")` and `progress()`.

A learner calls these from a scratch cell. `check` reads the exercise's visible test cells from the notebook file
the kernel runs and runs them against the learner's own definitions; it shows the tests' messages, never their
code, and never runs hidden tests (an instructor copy's `### BEGIN HIDDEN TESTS` regions are cut out first).
`hint` reveals the lesson's hints (`hints.json` beside the notebook) one per call. `progress` lists which
exercises pass.

Graded mode (`MODEL_WARS_MODE=graded` in the environment of JupyterLab, for example `make lab MODE=graded`) turns
hints off; checks still run the visible tests only, which the learner can run anyway.
"""

from __future__ import annotations

import contextlib
import difflib
import html
import inspect
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.notebook.cells import (
    failure_message,
    is_answer_cell,
    is_manual_answer,
    is_test_cell,
    nbgrader_meta,
    strip_hidden_tests,
)
from autograder.notebook.results import TestResult

if TYPE_CHECKING:  # nbformat loads on first use (about 0.3 s; 1.5 to 2.5 s with jsonschema 4.24 or newer)
    import nbformat

MODE_VARIABLE = "MODEL_WARS_MODE"
"""The environment variable that switches graded mode on when it is `graded`."""
HINTS_FILE = "hints.json"
"""The file beside a lesson's notebook that maps each exercise to its hints, from gentle to specific."""

PASS_MARK, FAIL_MARK, WRITTEN_MARK = "\u2714", "\u2718", "\u2013"

_hints_shown: dict[tuple[str, str], int] = {}
"""How many hints each (notebook, exercise) has revealed in this kernel."""


class SelfCheckError(LookupError):
    """A check could not run: no notebook found, or no such exercise. The message is for the learner."""


@dataclass(frozen=True)
class ExerciseCheck:
    """The outcome of checking one exercise against its visible tests."""

    exercise: str
    """The exercise's id, for example `build_sequential_model`."""
    tests: tuple[TestResult, ...] = ()
    """One result per visible test cell, in notebook order."""
    notes: tuple[str, ...] = ()
    """What the passing tests printed, for example "Well done: ..."."""
    written: bool = False
    """Whether this is a written answer, which the instructor grades by hand."""
    failed_line: str = ""
    """The line of the first failing test that raised, as the test cell has it; empty when there is none."""

    @property
    def passed(self) -> bool:
        """Whether there are visible tests and all of them pass."""
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def first_failure(self) -> TestResult | None:
        """The first failing test: fix this one first."""
        return next((t for t in self.tests if not t.passed), None)


@dataclass(frozen=True)
class Hint:
    """One revealed hint."""

    exercise: str
    """The exercise it helps with."""
    number: int
    """1 for the first hint; 0 when the lesson has no hint for this exercise."""
    total: int
    """How many hints the exercise has."""
    text: str
    """The hint, in Markdown (backticks for code)."""


def graded_mode() -> bool:
    """Whether the course runs in graded mode, where hints are off."""
    return os.environ.get(MODE_VARIABLE, "").strip().lower() == "graded"


def session_notebook(namespace: dict | None = None) -> Path | None:
    """The notebook file the running kernel belongs to, as the front end told it, or None.

    JupyterLab and Notebook 7 set `JPY_SESSION_NAME` (ipykernel copies it to `__session__`); VS Code sets
    `__vsc_ipynb_file__`. A kernel started by nbgrader or nbclient has none of these.
    """
    namespace = namespace or {}
    for candidate in (os.environ.get("JPY_SESSION_NAME"), namespace.get("__session__"), namespace.get("__vsc_ipynb_file__")):
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate)
    return None


def find_notebook(namespace: dict | None = None, folder: Path | None = None) -> Path:
    """The notebook to read tests from: the session's, else the one notebook in `folder` (default: the cwd).

    Raises:
        SelfCheckError: when there is no notebook, or several and none is named by the session.
    """
    found = session_notebook(namespace)
    if found:
        return found
    folder = Path(folder or os.getcwd())
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) == 1:
        return notebooks[0]
    if not notebooks:
        raise SelfCheckError(f"No notebook found in {folder}. Open the lesson's notebook from its own folder.")
    names = ", ".join(p.name for p in notebooks)
    raise SelfCheckError(
        f"Several notebooks in {folder} ({names}); pass the one you work in: check(..., notebook=\"{notebooks[0].name}\")."
    )


@dataclass(frozen=True)
class _Exercise:
    name: str
    tests: tuple[Any, ...]
    written: bool = False


def exercises_of(nb: nbformat.NotebookNode) -> dict[str, _Exercise]:
    """The notebook's exercises in order, each with its visible test cells (hidden tests stripped).

    An exercise is an answer cell's grade id. A test cell belongs to the exercise whose id is the longest prefix of its
    own grade id (`build_sequential_model_layers` belongs to `build_sequential_model`); a test that matches none is an
    exercise of its own.
    """
    import nbformat

    names: list[str] = []
    written: set[str] = set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_answer_cell(cell) and not meta.get("grade") or is_manual_answer(cell):
            names.append(meta.get("grade_id", "?"))
            if is_manual_answer(cell):
                written.add(names[-1])
    tests: dict[str, list] = {name: [] for name in names}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        grade_id = nbgrader_meta(cell).get("grade_id", "?")
        owners = [n for n in names if grade_id == n or grade_id.startswith(n + "_")]
        owner = max(owners, key=len) if owners else grade_id
        visible = nbformat.from_dict(dict(cell, source=strip_hidden_tests(cell.source)))
        tests.setdefault(owner, []).append(visible)
    return {name: _Exercise(name, tuple(cells), name in written) for name, cells in tests.items()}


def _read(notebook: str | Path) -> nbformat.NotebookNode:
    import nbformat

    try:
        return nbformat.read(str(notebook), as_version=4)
    except (OSError, ValueError) as error:
        raise SelfCheckError(f"Could not read {notebook}: {error}") from None


def _lookup(exercises: dict[str, _Exercise], exercise: str, notebook: Path) -> _Exercise:
    if exercise in exercises:
        return exercises[exercise]
    for found in exercises.values():  # a single test's grade id works too
        for cell in found.tests:
            if nbgrader_meta(cell).get("grade_id") == exercise:
                return _Exercise(exercise, (cell,))
    close = difflib.get_close_matches(str(exercise), list(exercises), n=1)
    maybe = f' Did you mean "{close[0]}"?' if close else ""
    known = ", ".join(f'"{name}"' for name in exercises) or "none"
    raise SelfCheckError(f'{notebook.name} has no exercise called "{exercise}".{maybe} Its exercises: {known}.')


# ---------------------------------------------------------------------------------------------------------------
# Running visible tests


def run_test_cell(cell: Any, namespace: dict) -> tuple[TestResult, str, str]:
    """Run one test cell's code against the learner's definitions.

    The cell runs in a shallow copy of `namespace`, so the variables a test assigns (`candidate`, `history`, ...)
    never overwrite the learner's own. A test fails as in nbgrader: it raised, or wrote to stderr (TensorFlow and
    Keras chatter aside).

    Returns:
        The test's result, what it printed, and the test's own line that raised (empty when nothing raised).
    """
    meta = nbgrader_meta(cell)
    grade_id = meta.get("grade_id", "?")
    points = float(meta.get("points", 0) or 0)
    scope = dict(namespace)
    out, err = io.StringIO(), io.StringIO()
    outputs: list[dict] = []
    code, filename, line = strip_hidden_tests(cell.source), f"<test {grade_id}>", ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(code, filename, "exec"), scope)
    except Exception as error:  # noqa: BLE001 (any error fails the test, as in nbgrader)
        outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error)})
        line = raising_line(error, code, filename)
    if err.getvalue():
        outputs.append({"output_type": "stream", "name": "stderr", "text": err.getvalue()})
    message = failure_message({"outputs": outputs})
    result = TestResult(grade_id, message is None, 0.0 if message else points, points, message or "")
    return result, out.getvalue(), line


def raising_line(error: BaseException, code: str, filename: str) -> str:
    """The line of `code` (compiled as `filename`) where `error` passed last on its way out, stripped; or "".

    That is the test's own line (a check's call, an `assert`), never a line of the checker it called.
    """
    lineno = 0
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    lines = code.splitlines()
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def run_check(exercise: str, namespace: dict, notebook: str | Path) -> ExerciseCheck:
    """Run one exercise's visible tests from `notebook` in (a copy of) `namespace`.

    Args:
        exercise: the exercise's id, for example `build_sequential_model`, or one test's grade id.
        namespace: the learner's variables, where their answer cells ran.
        notebook: the notebook file to read the test cells from.

    Returns:
        An `ExerciseCheck` with one result per visible test.

    Raises:
        SelfCheckError: when the notebook has no such exercise.
    """
    notebook = Path(notebook)
    found = _lookup(exercises_of(_read(notebook)), exercise, notebook)
    if found.written:
        return ExerciseCheck(found.name, written=True)
    results, notes, raising = [], [], []
    for cell in found.tests:
        result, printed, test_line = run_test_cell(cell, namespace)
        results.append(result)
        raising.append(test_line)
        if result.passed:
            notes += [line.strip() for line in printed.splitlines() if line.strip()]
    failed_line = next((line for r, line in zip(results, raising, strict=True) if not r.passed), "")
    return ExerciseCheck(found.name, tuple(results), tuple(notes), failed_line=failed_line)


def run_progress(namespace: dict, notebook: str | Path) -> tuple[ExerciseCheck, ...]:
    """Check every exercise of `notebook` against its visible tests, in notebook order."""
    notebook = Path(notebook)
    return tuple(run_check(name, namespace, notebook) for name in exercises_of(_read(notebook)))


def load_hints(notebook: str | Path) -> dict[str, list[str]]:
    """The hints beside `notebook` (`hints.json`), by exercise; empty when the lesson has none."""
    path = Path(notebook).parent / HINTS_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): [str(h) for h in v] for k, v in data.items() if not str(k).startswith("_")}


def next_hint(exercise: str, notebook: str | Path) -> Hint:
    """Reveal the next hint for `exercise`; after the last one, the last one again.

    Raises:
        SelfCheckError: when the notebook has no such exercise.
    """
    notebook = Path(notebook)
    found = _lookup(exercises_of(_read(notebook)), exercise, notebook)
    hints = load_hints(notebook).get(found.name, [])
    if not hints:
        return Hint(found.name, 0, 0, "")
    key = (str(notebook.resolve()), found.name)
    number = min(_hints_shown.get(key, 0) + 1, len(hints))
    _hints_shown[key] = number
    return Hint(found.name, number, len(hints), hints[number - 1])


def reset_hints() -> None:
    """Forget which hints were shown, as a kernel restart does."""
    _hints_shown.clear()


# ---------------------------------------------------------------------------------------------------------------
# Showing results: plain text for terminals and nbgrader, HTML for JupyterLab


def format_check(result: ExerciseCheck, hints_available: bool = False) -> str:
    """What `check` says, as plain text."""
    name = result.exercise
    if result.written:
        return f'{WRITTEN_MARK} "{name}" is a written answer: your instructor marks it by hand. Nothing to check here.'
    if not result.tests:
        return f'{WRITTEN_MARK} "{name}" has no visible tests in this notebook.'
    count = len(result.tests)
    if result.passed:
        lines = [f"{PASS_MARK} {name}: {'the visible test passes' if count == 1 else f'all {count} visible tests pass'}."]
        lines += [f"  {note}" for note in result.notes]
        lines.append("  Hidden tests may still try other cases when your work is graded.")
        return "\n".join(lines)
    failed = sum(not t.passed for t in result.tests)
    lines = [f"{FAIL_MARK} {name}: {failed} of {count} visible tests fail.", f"  {result.first_failure.message}"]
    if result.failed_line:
        lines.append(f"  (The test's line that failed: `{result.failed_line}`)")
    tip = f'  Fix your answer, run its cell again, then check("{name}") again.'
    if hints_available:
        tip += f' Stuck? hint("{name}")'
    return "\n".join(lines + [tip])


def _code_spans(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _box(kind: str, head: str, body: list[str]) -> str:
    colour = {"pass": "#2e7d32", "fail": "#c62828", "info": "#1565c0"}[kind]
    rows = "".join(f'<div style="margin-top:0.3em">{line}</div>' for line in body)
    return (
        f'<div class="kmw-selfpaced kmw-{kind}" style="border-left:4px solid {colour};padding:0.4em 0.8em;'
        f'margin:0.2em 0;background:rgba(0,0,0,0.03)"><strong style="color:{colour}">{head}</strong>{rows}</div>'
    )


def check_html(result: ExerciseCheck, hints_available: bool = False) -> str:
    """What `check` says, as HTML for JupyterLab."""
    lines = format_check(result, hints_available).splitlines()
    kind = "pass" if result.passed else "info" if result.written or not result.tests else "fail"
    return _box(kind, _code_spans(lines[0]), [_code_spans(line.strip()) for line in lines[1:]])


def format_hint(found: Hint) -> str:
    """What `hint` says, as plain text."""
    if not found.total:
        return f'No hints for "{found.exercise}" in this lesson. Reread the exercise, then try check("{found.exercise}").'
    text = f"Hint {found.number} of {found.total} for {found.exercise}: {found.text}"
    if found.number == found.total:
        text += "\n(That is the last hint. Compare with the examples above the exercise, then check again.)"
    else:
        text += f'\n(Run hint("{found.exercise}") again for the next one.)'
    return text


def format_progress(results: tuple[ExerciseCheck, ...], notebook: str) -> str:
    """What `progress` says, as plain text: one line per exercise."""
    lines = [f"Your progress in {notebook} (visible tests):"]
    for result in results:
        if result.written:
            lines.append(f"  {WRITTEN_MARK} {result.exercise}: written answer, marked by your instructor")
        elif result.passed:
            lines.append(f"  {PASS_MARK} {result.exercise}: passes")
        else:
            message = result.first_failure.message if result.first_failure else "no visible tests"
            lines.append(f"  {FAIL_MARK} {result.exercise}: {message.splitlines()[0][:160]}")
    checked = [r for r in results if not r.written]
    lines.append(f"{sum(r.passed for r in checked)} of {len(checked)} exercises pass.")
    return "\n".join(lines)


def _show(text: str, html_text: str | None = None) -> None:
    """Display in a notebook (HTML with a plain-text twin), or print elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: no IPython at all
        get_ipython = None
    if html_text is not None and get_ipython is not None and get_ipython() is not None:
        display({"text/plain": text, "text/html": html_text}, raw=True)
    else:
        print(text)


def _caller_namespace(depth: int = 2) -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    frame = inspect.currentframe()
    for _ in range(depth):
        frame = frame.f_back if frame is not None else None
    return frame.f_globals if frame is not None else {}


# ---------------------------------------------------------------------------------------------------------------
# The three calls a learner makes


def check(exercise: str, notebook: str | Path | None = None, namespace: dict | None = None) -> None:
    """Run one exercise's visible tests and show a short pass or fail with the message that names the fix.

    Args:
        exercise: the exercise's id, as in the notebook, for example `"build_sequential_model"`.
        notebook: the notebook to read the tests from; default: the one this kernel runs.
        namespace: where the answers are defined; default: the notebook's variables.
    """
    namespace = _caller_namespace() if namespace is None else namespace
    try:
        path = Path(notebook) if notebook else find_notebook(namespace)
        result = run_check(exercise, namespace, path)
    except SelfCheckError as error:
        _show(str(error), _box("info", _code_spans(str(error)), []))
        return
    hints = not graded_mode() and bool(load_hints(path).get(result.exercise))
    _show(format_check(result, hints), check_html(result, hints))


def hint(exercise: str, notebook: str | Path | None = None) -> None:
    """Reveal the next hint for an exercise: each call shows one more, from gentle to specific.

    Args:
        exercise: the exercise's id, for example `"build_sequential_model"`.
        notebook: the lesson's notebook; default: the one this kernel runs.
    """
    if graded_mode():
        text = "Hints are turned off while this lesson is graded. Reread the exercise, and ask your instructor."
        _show(text, _box("info", html.escape(text), []))
        return
    try:
        path = Path(notebook) if notebook else find_notebook(_caller_namespace())
        found = next_hint(exercise, path)
    except SelfCheckError as error:
        _show(str(error), _box("info", _code_spans(str(error)), []))
        return
    lines = format_hint(found).splitlines()
    _show("\n".join(lines), _box("info", _code_spans(lines[0]), [_code_spans(line) for line in lines[1:]]))


def progress(notebook: str | Path | None = None, namespace: dict | None = None) -> None:
    """List which exercises pass their visible tests, one line each.

    Outside JupyterLab (nbgrader or `python -m autograder check` running the notebook), nothing is run: those
    commands run every test cell themselves.

    Args:
        notebook: the lesson's notebook; default: the one this kernel runs.
        namespace: where the answers are defined; default: the notebook's variables.
    """
    namespace = _caller_namespace() if namespace is None else namespace
    path = Path(notebook) if notebook else session_notebook(namespace)
    if path is None:
        print("progress() lists your exercises when you run this notebook in JupyterLab.")
        return
    try:
        results = run_progress(namespace, path)
    except SelfCheckError as error:
        _show(str(error), _box("info", _code_spans(str(error)), []))
        return
    text = format_progress(results, path.name)
    lines = text.splitlines()
    kind = "pass" if results and all(r.passed or r.written for r in results) else "info"
    _show(text, _box(kind, _code_spans(lines[0]), [_code_spans(line.strip()) for line in lines[1:]]))
