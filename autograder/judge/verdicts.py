"""The judge's verdicts as nbgrader records them: each test cell's outputs, handed from the worker to nbgrader.

The judge runs every test cell outside the student's kernel (`judging.py`), and the kernel skips them. What a test
cell shows in the autograded notebook is then what it showed in the judge: what it printed (the student's
functions' prints among it, relayed by the kernel), and the error that failed it, as IPython shows one. nbgrader's
own steps (`IgnorePattern`, `SaveAutoGrades`) read those outputs as if the kernel had written them, so the
gradebook, the feedback and the class report stay stock nbgrader's.

The worker writes one JSON file per notebook into a folder out of the kernel's reach (`write`); nbgrader's Execute
step (`autograder.grading.bounded_execute`) waits for it once the notebook's last cell has run (`read`).
"""

from __future__ import annotations

import json
import linecache
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.lesson.tracebacks import hide_frames_of
from autograder.notebook.cells import failure_message
from autograder.notebook.results import TestResult

MAX_STREAM = 2**20
"""How much one test cell may print into the autograded notebook, per stream, in characters."""


def test_file(grade_id: str) -> str:
    """The file name a test cell's code runs under in the judge, as tracebacks show it."""
    return f"<test {grade_id}>"


def remember_source(grade_id: str, code: str) -> str:
    """Let tracebacks quote a test cell's lines, as IPython quotes a cell's; return the file name to compile under."""
    name = test_file(grade_id)
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    return name


def _in_no_module(error: BaseException) -> None:
    """Tell `inspect` that the test cells in `error`'s traceback belong to no module.

    IPython asks `inspect.getmodule` about every frame it shows; for a file no module has, `inspect` looks through
    every module loaded (thousands, with TensorFlow), at every call: about 10 ms of each traceback.
    """
    import inspect

    known = getattr(inspect, "modulesbyfile", None)  # inspect's own cache, undocumented: without it, only slower
    frame = error.__traceback__
    while isinstance(known, dict) and frame is not None:
        name = frame.tb_frame.f_code.co_filename
        if name.startswith(test_file("")[:-1]):
            known.setdefault(os.path.normcase(os.path.abspath(name)), "")  # sys.modules has no ""
        frame = frame.tb_next


def error_output(error: BaseException) -> dict:
    """An nbformat `error` output for `error`, with the traceback IPython would show, checkers' frames left out."""
    hide_frames_of(error)
    try:
        _in_no_module(error)
        from IPython.core.ultratb import AutoFormattedTB

        traceback = AutoFormattedTB(mode="Context", theme_name="linux").structured_traceback(
            type(error), error, error.__traceback__)
    except Exception:  # noqa: BLE001 (IPython missing or changed: the message alone still says it all)
        traceback = [f"{type(error).__name__}: {error}"]
    return {"output_type": "error", "ename": type(error).__name__, "evalue": str(error), "traceback": list(traceback)}


def failure(message: str) -> dict:
    """An error output for a test the judge could not run to its end: the message, with no code to point at."""
    return {"output_type": "error", "ename": "AssertionError", "evalue": message,
            "traceback": [f"AssertionError: {message}"]}


def streams(stdout: str, stderr: str) -> list[dict]:
    """Stream outputs for what a test printed, each cut at `MAX_STREAM` characters."""
    found = []
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        if len(text) > MAX_STREAM:
            text = text[:MAX_STREAM] + "\n[autograder] The rest of this output was dropped: print less.\n"
        if text:
            found.append({"output_type": "stream", "name": name, "text": text})
    return found


def result_from(grade_id: str, points: float, outputs: list[dict]) -> TestResult:
    """A test's result from its outputs, by nbgrader's rule: it fails when it raised or wrote to stderr."""
    message = failure_message({"outputs": outputs}) or ""
    return TestResult(grade_id, not message, 0.0 if message else points, points, message, tuple(outputs))


@dataclass(frozen=True)
class Verdicts:
    """What the judge found in one notebook, as the worker hands it to nbgrader."""

    tests: dict[str, TestResult] = field(default_factory=dict)
    """Each judged test's result, with its outputs, by grade id."""
    error: str = ""
    """Why some tests could not be judged (the kernel never served, or stopped): those tests fail with it."""
    own_error: str = ""
    """Why the judge itself failed, through no fault of the student: the kernel then runs the tests itself."""


def write(path: Path, verdicts: Verdicts) -> None:
    """Write `verdicts` to `path` at once (a reader never sees half a file)."""
    data = {"tests": {gid: asdict(result) for gid, result in verdicts.tests.items()},
            "error": verdicts.error, "own_error": verdicts.own_error}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def read(path: Path) -> Verdicts:
    """The verdicts `write` wrote (the file is the grader's own: the kernel cannot reach its folder)."""
    data: dict[str, Any] = json.loads(path.read_text())
    tests = {gid: TestResult(**{**fields, "outputs": tuple(fields.get("outputs", ()))})
             for gid, fields in data.get("tests", {}).items()}
    return Verdicts(tests, str(data.get("error", "")), str(data.get("own_error", "")))
