"""Judge answers outside the student's kernel, so that no answer cell can disarm the tests.

Stock nbgrader runs the test cells in the student's own kernel, after the student's code. Code there can patch
`autograder.checks`, `keras.Model` or `builtins`, or rewrite later cells, and every test then passes. So the
grader runs the test cells here, in its own process, and the kernel skips them (`grading.bounded_execute`): the
lesson's read-only set-up cells (from the instructor's notebook, with the instructor's data files), then each test
cell, where each name the student defines (`build_sequential_model`, ...) is a `RemoteFunction`. Calling one asks
the student's kernel (`answer_server.py`, served by the notebook's last cell) to call the student's function, and
brings back the result as data (`wire.py`): a model arrives as its configuration and weights, rebuilt here in safe
mode, so the checks inspect a real model built here, with untouched Keras.

The tests run in a folder of the judge's own, holding the instructor's data files, as the kernel's do in the
notebook's folder. A file the student's function writes at a relative path it was given (`save_and_reload(model,
"exam.keras")`) comes back with the result and is written at the same path there, so that a test can look for it.

Each test runs once, here; its verdict and output are what nbgrader records in the test cell (`verdicts.py`). Where
the judge itself fails, through no fault of the student, the kernel runs the tests instead, as stock nbgrader does.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from autograder.notebook.cells import is_answer_cell, is_readonly_setup, is_test_cell, nbgrader_meta
from autograder.notebook.results import TestResult

from . import verdicts
from .answer_server import handle, models_in
from .wire import (
    SAFE_ERRORS,
    Decoder,
    Encoder,
    UnreadableModel,
    WireError,
    apply_trainable_flags,
    compile_from_config,
    receive,
    send,
    trainable_flags,
    write_returned_files,
)

UNAVAILABLE = "The grader could not check this test outside your notebook"
"""How a test the judge could not run starts its message."""
KERNEL_DIED = "Your notebook's kernel stopped (it exited or crashed)"
"""How a test during which the kernel died starts its message."""


class JudgeUnavailable(Exception):
    """The student's kernel did not answer: it stopped, never served, or sent something unreadable."""

    def __init__(self, message: str, kind: str = "stopped") -> None:
        """`kind`: `gone` (the kernel hung up: it exited or crashed, and may come back after a restart),
        `timeout` (a call did not return in time), or `stopped` (anything else)."""
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class JudgedTest:
    """One test cell, as the judge runs it."""

    grade_id: str
    """The test cell's nbgrader id."""
    code: str
    """Its source, hidden tests included."""
    points: float
    """Points available."""


@dataclass(frozen=True)
class JudgePlan:
    """What the judge needs to grade one notebook, as plain data (it travels to workers with the task)."""

    notebook: str
    """The notebook's file name, for example `03_sequential.ipynb`."""
    setup: tuple[str, ...]
    """The source of each read-only set-up cell, in order (imports, data)."""
    tests: tuple[JudgedTest, ...]
    """The test cells, in order."""
    names: tuple[str, ...]
    """The names the student's answer cells define: the judge asks the kernel for these."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The instructor's data files the set-up cells read, by file name."""


def defined_names(code: str) -> list[str]:
    """The names a cell defines at its top level: functions, classes, and assigned variables."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def plan_for(notebook_path: Path) -> JudgePlan:
    """The judge's plan for an instructor's notebook (`source/<lesson>/<lesson>.ipynb`).

    Args:
        notebook_path: the instructor's notebook; the data files beside it go into the plan.

    Returns:
        A `JudgePlan` with the set-up cells, the test cells with their hidden tests, and the student's names.
    """
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    setup, tests, names = [], [], []
    for cell in nb.cells:
        if is_readonly_setup(cell):
            setup.append(cell.source)
        elif is_answer_cell(cell):
            names += [n for n in defined_names(cell.source) if n not in names]
        elif is_test_cell(cell):
            meta = nbgrader_meta(cell)
            tests.append(JudgedTest(meta["grade_id"], cell.source, float(meta.get("points", 0))))
    files = {p.name: p.read_bytes() for p in sorted(notebook_path.parent.iterdir())
             if p.is_file() and p.suffix in (".csv", ".json", ".npz", ".npy", ".txt") and p.name != "hints.json"}
    return JudgePlan(notebook_path.name, tuple(setup), tuple(tests), tuple(names), files)


class Connection(Protocol):
    """A way to reach the student's kernel."""

    def request(self, header: dict, blobs: dict[str, bytes]) -> tuple[dict, dict[str, bytes]]:
        """Send one request; return the reply."""


class SocketConnection:
    """The student's kernel, reached over the Unix socket its last cell opened."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path, self.timeout = path, timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.server = server_identity(path)
            self.sock.connect(path)
        except OSError as error:
            self.sock.close()
            raise JudgeUnavailable(f"could not reach the notebook's kernel ({error})") from None

    def request(self, header: dict, blobs: dict[str, bytes]) -> tuple[dict, dict[str, bytes]]:
        try:
            send(self.sock, header, blobs)
            return receive(self.sock)
        except TimeoutError:
            raise JudgeUnavailable(f"your {header.get('name', 'function')} did not return within "
                                   f"{self.timeout:g} s", "timeout") from None
        except (OSError, WireError):
            raise JudgeUnavailable(f"in a call of your {header.get('name', 'function')}", "gone") from None

    def close(self) -> None:
        """Tell the kernel the grader is done, then hang up."""
        with contextlib.suppress(OSError):
            send(self.sock, {"op": "done"})
        self.sock.close()


class LocalConnection:
    """A namespace in this process standing in for the kernel, with every message turned into bytes and back.

    The test suite uses it to compare the judge with the kernel quickly; grading uses `SocketConnection`.
    """

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace

    def request(self, header: dict, blobs: dict[str, bytes]) -> tuple[dict, dict[str, bytes]]:
        reply, reply_blobs = handle(self.namespace, json.loads(json.dumps(header)), dict(blobs))
        return json.loads(json.dumps(reply)), dict(reply_blobs)


class RemoteFunction:
    """Stands for a function the student defined: calling it calls the student's function in the kernel."""

    def __init__(self, name: str, connection: Connection, folder: Path | None = None) -> None:
        """Stand for `name`, reached through `connection`; files it writes at path arguments come back into `folder`
        (None: they are not written anywhere)."""
        self.__name__ = name
        self._connection = connection
        self._folder = folder

    def __repr__(self) -> str:
        return f"<the student's {self.__name__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # the test's line shows, not the grader's machinery
        known = models_in(list(args), kwargs)
        encoder = Encoder()
        header = {
            "op": "call", "name": self.__name__,
            "args": [encoder.encode(a) for a in args], "kwargs": {k: encoder.encode(v) for k, v in kwargs.items()},
            "arg_trainable": [trainable_flags(model) for model in known],
        }
        reply, blobs = self._connection.request(header, encoder.blobs)
        for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):  # what the student's code printed
            if isinstance(reply.get(name), str):
                stream.write(reply[name])
        status = reply.get("status")
        if status == "missing":
            raise NameError(f"name '{self.__name__}' is not defined")
        if status == "raised":
            kind, message = str(reply.get("type", "Exception")), str(reply.get("message", ""))
            error = safe_error(kind, reply.get("kinds"))
            if error is not None and issubclass(error, KeyError):
                raise StudentKeyError(message)  # as the kernel showed it: a KeyError quotes its key once, not twice
            raise error(message) if error else RuntimeError(f"{kind}: {message}")
        if status != "ok":
            raise JudgeUnavailable(f"the notebook's kernel did not understand the grader ({status})")
        try:
            decoder = Decoder(blobs, known)
            for model, state in zip(known, reply.get("arg_models") or [], strict=False):
                if isinstance(state, dict):
                    update_model(model, decoder.arrays(state.get("weights")), state.get("compile"))
            flags = reply.get("arg_trainable")
            for model, state in zip(known, flags if isinstance(flags, list) else [], strict=False):
                apply_trainable_flags(model, state)
            write_returned_files(self._folder, reply.get("files"), blobs, [*args, *kwargs.values()])
            return Decoder(blobs, known).decode(reply.get("result"))
        except WireError as error:
            raise JudgeUnavailable(f"the notebook's kernel sent something unreadable ({error})") from None


class StudentKeyError(KeyError):
    """A KeyError the student's function raised, read as the kernel showed it, and named as there (`KeyError`).

    The kernel sends `str(error)`, which for a KeyError is its key's repr (`'second_lok'`); a KeyError made again
    from that text would quote it twice (`"'second_lok'"`).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


StudentKeyError.__name__ = StudentKeyError.__qualname__ = "KeyError"


def safe_error(kind: str, kinds: Any = None) -> type[Exception] | None:
    """The built-in error to raise for an error the student's function raised, or None for a `RuntimeError`.

    Args:
        kind: the error's class name, for example `ValueError`.
        kinds: the names of all its classes, most specific first, as the kernel sent them: an error class of the
            student's own, such as `class NotAStack(ValueError)`, then arrives as the `ValueError` it is.
    """
    names = [kind] + ([name for name in kinds if isinstance(name, str)] if isinstance(kinds, list) else [])
    return next((SAFE_ERRORS[name] for name in names if name in SAFE_ERRORS), None)


def update_model(target: Any, weights: list[Any], compile_config: Any) -> None:
    """Give `target` the weights and compile settings that the student's function left on its copy.

    Weights of other shapes than `target`'s change nothing; the compile settings are read in Keras's safe mode, as a
    `.keras` file's are.
    """
    if len(weights) == len(target.weights) and all(tuple(w.shape) == tuple(v.shape) for w, v in zip(weights, target.weights, strict=False)):
        target.set_weights(weights)
    if isinstance(compile_config, dict) and compile_config:
        try:
            compile_from_config(target, compile_config)
        except Exception as error:  # noqa: BLE001 (settings Keras refuses are not the grader's to run)
            raise UnreadableModel(f"The grader could not read the compile settings your function left on the model "
                                  f"({type(error).__name__}). Compile it with Keras's own optimizers, losses and "
                                  "metrics.") from None


def prepare(plan: JudgePlan, connection: Connection | None = None) -> dict:
    """Run the plan's set-up cells in a fresh namespace, in a folder holding the instructor's data files.

    Args:
        plan: the notebook's plan.
        connection: the student's kernel; the student's names are bound to it (later, with `bind`, if None).

    Returns:
        The namespace the test cells run in.
    """
    namespace: dict = {"__name__": "__main__"}
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="kmw-judge-") as folder:
        for name, content in plan.files.items():
            (Path(folder) / name).write_bytes(content)
        os.chdir(folder)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for code in plan.setup:
                    exec(compile(code, "<set-up>", "exec"), namespace)
        finally:
            os.chdir(here)
    if connection is not None:
        bind(plan, namespace, connection)
    return namespace


def bind(plan: JudgePlan, namespace: dict, connection: Connection, folder: Path | None = None) -> None:
    """Point the student's names in `namespace` at the student's kernel (files they write come back into `folder`)."""
    for name in plan.names:
        namespace[name] = RemoteFunction(name, connection, folder)


@contextlib.contextmanager
def working_folder(plan: JudgePlan):
    """A fresh folder holding the plan's data files, the current directory until the block ends (then deleted).

    Test cells see the same relative paths there as in the notebook's folder. The judge's own process (a fork, or
    the test suite) is the only one that works there; in a grading worker without a zygote it runs beside a thread
    that waits on nbgrader and uses absolute paths only.
    """
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="kmw-judge-tests-") as name:
        folder = Path(name)
        for file, content in plan.files.items():
            (folder / file).write_bytes(content)
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(here)


def run_test(test: JudgedTest, namespace: dict) -> tuple[TestResult, JudgeUnavailable | None]:
    """Run one test cell in `namespace`, recording what it printed and the error that failed it.

    Returns:
        The test's result, with its outputs; and the `JudgeUnavailable` that stopped it, if the kernel did.
    """
    __tracebackhide__ = True
    out, err = io.StringIO(), io.StringIO()
    error: BaseException | None = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(test.code, verdicts.remember_source(test.grade_id, test.code), "exec"), namespace)
    except JudgeUnavailable as stopped:
        return verdicts.result_from(test.grade_id, test.points, [
            *verdicts.streams(out.getvalue(), err.getvalue()), verdicts.failure(stopped_message(stopped))]), stopped
    except Exception as caught:  # noqa: BLE001 (any error fails the test, as in nbgrader)
        error = caught
    outputs = verdicts.streams(out.getvalue(), err.getvalue())
    if error is not None:
        outputs.append(verdicts.error_output(error))
    return verdicts.result_from(test.grade_id, test.points, outputs), None


def stopped_message(stopped: JudgeUnavailable) -> str:
    """What a test that the kernel stopped answering says to the student."""
    if stopped.kind == "timeout":
        return f"This test timed out: {stopped}."
    if stopped.kind == "gone":
        return f"{KERNEL_DIED} while this test ran, {stopped}."
    return f"{UNAVAILABLE}: {stopped}"


def unavailable(test: JudgedTest, why: str) -> TestResult:
    """The result of a test the judge could not run, with the reason."""
    return verdicts.result_from(test.grade_id, test.points, [verdicts.failure(f"{UNAVAILABLE}: {why}")])


def run_tests(plan: JudgePlan, namespace: dict, connection: Connection,
              report: Callable[[TestResult], None] | None = None,
              reconnect: Callable[[Connection], Connection | None] | None = None) -> dict[str, TestResult]:
    """Run each test cell in `namespace`, in a folder of its own (`working_folder`); return each one's result.

    Args:
        plan: the notebook's plan.
        namespace: where the set-up cells ran.
        connection: the student's kernel.
        report: called with each result as soon as it is known.
        reconnect: called when the kernel hung up (it crashed): returns a connection to the kernel that the grader
            started in its place, or None when none comes. The test that was running fails; the next ones run
            against the new kernel.

    A test the judge could not finish because the kernel stopped answering fails with that reason, and so do the
    tests after it, unless a new kernel serves them.
    """
    results: dict[str, TestResult] = {}
    why_not = ""
    with working_folder(plan) as folder:
        for test in plan.tests:
            if why_not:
                result = unavailable(test, why_not)
            else:
                bind(plan, namespace, connection, folder)
                result, stopped = run_test(test, namespace)
                if stopped is not None:
                    again = reconnect(connection) if stopped.kind == "gone" and reconnect else None
                    if again is None:
                        why_not = ("an earlier test timed out, and the notebook's kernel is still busy with it"
                                   if stopped.kind == "timeout" else str(stopped))
                    else:
                        connection = again
            results[test.grade_id] = result
            if report:
                report(result)
    return results


class Judge(threading.Thread):
    """Judges one notebook from a thread, while nbgrader runs the notebook whose last cell serves the answers.

    This one judges in the worker's own process; `forked.ForkedJudge` judges in a fork of the worker's zygote, as
    an unprivileged user. Both wait here for the kernel to serve, then `judge()`, then hand the verdicts to nbgrader
    through `handoff` (`verdicts.write`).
    """

    def __init__(self, plan: JudgePlan, socket_path: Path, timeout: float, handoff: Path | None = None) -> None:
        """Prepare to judge.

        Args:
            plan: the notebook's plan.
            socket_path: where the kernel's last cell serves the answers.
            timeout: seconds one call of a student's function may take.
            handoff: a folder of the grader's, out of the kernel's reach, where the verdicts go for nbgrader, and
                where nbgrader says when the notebook has ended (`ended_path`); None: nowhere.
        """
        super().__init__(daemon=True, name=f"judge-{plan.notebook}")
        self.plan, self.socket_path, self.timeout, self.handoff = plan, socket_path, timeout, handoff
        self.finished = threading.Event()
        """Set by the grader when nbgrader has ended: the kernel will not serve any more."""
        self.results: dict[str, TestResult] = {}
        self.error = ""
        """Why the kernel could not be judged: it never served, or stopped answering (its tests then fail)."""
        self.own_error = ""
        """Why the judge itself failed, through no fault of the student (the kernel then runs the tests)."""
        self.seconds = 0.0
        """How long judging took, once the kernel served."""
        self.namespace = self.set_up()

    @property
    def verdicts_path(self) -> Path | None:
        """Where the verdicts go for nbgrader."""
        return self.handoff / f"{self.plan.notebook}.json" if self.handoff else None

    @property
    def ended_path(self) -> Path | None:
        """The file nbgrader writes when the notebook will serve no more (`bounded_execute`)."""
        return self.handoff / f"{self.plan.notebook}.ended" if self.handoff else None

    def kernel_ended(self) -> bool:
        """Whether the notebook will serve no more: nbgrader said so, or ended."""
        return self.finished.is_set() or bool(self.ended_path and self.ended_path.exists())

    def set_up(self) -> dict | None:
        """Run the plan's set-up cells before the notebook starts (raises when the instructor's cells fail)."""
        return prepare(self.plan)

    def run(self) -> None:
        started = time.monotonic()
        try:
            while not self.socket_path.exists():
                if self.kernel_ended() or self.finished.wait(0.05):
                    self.error = "the notebook ended before its last cell let the grader in"
                    return
            started = time.monotonic()
            self.judge()
        except JudgeUnavailable as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 (a judge that breaks must not take the worker down)
            self.own_error = f"{type(error).__name__}: {error}"
        finally:
            self.seconds = time.monotonic() - started
            if self.verdicts_path:
                tests = dict(self.results)
                if not self.own_error:  # what the judge never reached fails, with the reason
                    why = self.error or "the judge stopped before this test"
                    tests.update({t.grade_id: unavailable(t, why) for t in self.plan.tests if t.grade_id not in tests})
                verdicts.write(self.verdicts_path, verdicts.Verdicts(tests, self.error, self.own_error))

    def judge(self) -> None:
        """Connect to the kernel, run the tests, and set `results` or `error`."""
        latest = Latest(connect(str(self.socket_path), self.timeout, self.kernel_ended), self.kernel_ended)
        try:
            self.results = run_tests(self.plan, self.namespace, latest.connection, reconnect=latest.reconnect)
        finally:
            latest.connection.close()


def server_identity(path: str) -> tuple[int, int]:
    """Which socket file serves at `path`: a kernel started again binds a new one there."""
    info = os.stat(path)
    return info.st_ino, info.st_ctime_ns


def connect(path: str, timeout: float, gone: Callable[[], bool] | None = None) -> SocketConnection:
    """Connect to the kernel's answer socket, retrying while it binds and starts to listen.

    Raises:
        JudgeUnavailable: when it never accepts, or `gone()` says the kernel will not serve meanwhile.
    """
    for _ in range(39):
        try:
            return SocketConnection(path, timeout)
        except JudgeUnavailable:
            if gone and gone():
                raise
            time.sleep(0.05)
    return SocketConnection(path, timeout)


class Latest:
    """The connection to the kernel that serves now: after a crash, the one to the kernel started in its place."""

    def __init__(self, connection: SocketConnection, gone: Callable[[], bool]) -> None:
        """Start with `connection`; `gone()` says when no kernel will serve again."""
        self.connection, self.gone = connection, gone

    def reconnect(self, old: Connection) -> SocketConnection | None:
        """`reconnect`, keeping the new connection (to close it at the end)."""
        new = reconnect(old, self.gone)
        if new is not None:
            self.connection = new
        return new


def reconnect(old: Connection, gone: Callable[[], bool]) -> SocketConnection | None:
    """After the kernel hung up: wait for a new kernel to serve at the same path (the grader starts one after a
    crash), and connect to it; None when `gone()` says none will come."""
    if not isinstance(old, SocketConnection):
        return None
    old.sock.close()
    while not gone():
        with contextlib.suppress(OSError, JudgeUnavailable):
            if server_identity(old.path) != old.server:
                return connect(old.path, old.timeout, gone)
        time.sleep(0.05)
    return None
