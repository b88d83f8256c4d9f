"""The judge in a fork of the worker's zygote: TensorFlow already imported, and run as its own unprivileged user.

`judging.Judge` runs the tests in the worker's process, which then imports TensorFlow (hundreds of MiB per
worker) and rebuilds the kernel's models as root. `ForkedJudge` asks the worker's zygote
(`autograder.isolation.zygote`) for a child instead, whose entry point is `run_judge_child`. The child shares the
zygote's imported pages, is confined like the kernel, in namespaces and a root of its own where it sees only the
Python environment, its own folder and the kernel's socket (so that the kernel, in its own namespaces, can neither
see, signal nor trace it, with or without root), and as root as another user (`JUDGE_UID`) than the kernel's
`nobody`; it receives the plan over a private socket pair, judges, and sends back the results as JSON.

Protocol over the socket pair (`wire.send` / `wire.receive` frames):

- worker -> child: the plan (`plan_header`), with the instructor's data files as blobs;
- child -> worker: `{"result": {...}}` for each test as soon as it is judged, then `{"done": true}` (sent before the
  child tells the kernel it is done, so that the worker holds every result by the time the notebook ends),
  `{"error": ...}` (the kernel never served: the student's tests fail) or `{"own_error": ...}` (the judge broke: the
  kernel runs the tests itself).

After a crash of the kernel the child waits for the kernel that nbgrader starts in its place (`judging.reconnect`);
the worker stops it once nbgrader says the notebook has ended. A child that ends without a word was stopped, for
example by running out of memory on the student's answers: the tests it had not judged fail, as they would when
the kernel stops answering.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import socket
import time
from dataclasses import asdict
from pathlib import Path

from autograder.isolation.confinement import Confinement, allowed_environment
from autograder.isolation.zygote import ZygoteChild
from autograder.notebook.results import TestResult

from .judging import Judge, JudgedTest, JudgePlan, JudgeUnavailable, Latest, connect, prepare, run_tests
from .wire import WireError, receive, send

JUDGE_UID = 65533
"""The user the judge runs as, when the grader runs as root: not `nobody`, whom the student's kernel runs as."""
PR_SET_DUMPABLE = 4
ENDED_GRACE = 2.0
"""Seconds the worker still listens to the child after nbgrader said the notebook has ended."""


def plan_header(plan: JudgePlan, socket_path: str, timeout: float) -> tuple[dict, dict[str, bytes]]:
    """The plan, the kernel's socket and the timeout as a `wire` header, and the plan's data files as blobs."""
    header = {
        "notebook": plan.notebook, "setup": list(plan.setup), "names": list(plan.names),
        "tests": [asdict(test) for test in plan.tests], "socket": socket_path, "timeout": timeout,
    }
    return header, dict(plan.files)


def plan_from(header: dict, blobs: dict[str, bytes]) -> JudgePlan:
    """The plan `plan_header` sent."""
    tests = tuple(JudgedTest(t["grade_id"], t["code"], float(t["points"])) for t in header["tests"])
    return JudgePlan(header["notebook"], tuple(header["setup"]), tests, tuple(header["names"]), dict(blobs))


class ForkedJudge(Judge):
    """Judges one notebook in a child of the worker's zygote; the same waiting, results and errors as `Judge`."""

    def __init__(self, plan: JudgePlan, socket_path: Path, timeout: float, zygote: str, confinement: Confinement,
                 folder: Path, log: Path, handoff: Path | None = None) -> None:
        """Prepare to judge.

        Args:
            plan: the notebook's plan.
            socket_path: where the kernel's last cell will serve the answers.
            timeout: seconds one call of a student's function may take.
            zygote: the socket of the worker's zygote.
            confinement: the kernel's confinement, which the child takes as another user, in `folder`.
            folder: the child's own folder (its HOME and TMPDIR), out of the kernel's sight.
            log: a file for the child's stdout and stderr.
            handoff: where the verdicts go for nbgrader (see `Judge`).
        """
        self.zygote, self.folder, self.log = zygote, folder, log
        # It sees the Python environment and the kernel's socket, read-only, and its own folder; never the kernel's
        # working folder, nor the lesson's files (the plan brings the instructor's).
        self.confinement = confinement.but(scratch=str(folder), workdir=str(folder), uid=JUDGE_UID, zygote="",
                                           readonly=(str(socket_path.parent),))
        super().__init__(plan, socket_path, timeout, handoff)

    def set_up(self) -> None:
        """Nothing here: the child runs the set-up cells."""
        return None

    def judge(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # its own user's, once confined
        request = {"kind": "entry", "entry": f"{__name__}:run_judge_child", "config": asdict(self.confinement),
                   "cwd": str(self.folder), "env": allowed_environment()}
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with ours, open(os.devnull, "rb") as nothing, self.log.open("ab") as log:
            try:
                child = ZygoteChild(self.zygote, request, [nothing.fileno(), log.fileno(), log.fileno(), theirs.fileno()])
            finally:
                theirs.close()
            try:
                send(ours, *plan_header(self.plan, str(self.socket_path), self.timeout))
                reply = self.collect(ours, child)
            finally:
                child.kill()
                with contextlib.suppress(Exception):
                    child.wait(5)
        if "error" in reply:
            self.error = str(reply["error"])
        elif "own_error" in reply:
            self.own_error = str(reply["own_error"])
        if self.own_error and self.log.exists():  # what the child printed says why, for the instructor
            tail = self.log.read_text(errors="replace").strip().splitlines()[-20:]
            self.own_error += "".join(f"\n[judge log] {line}" for line in tail)


    def collect(self, channel: socket.socket, child: ZygoteChild) -> dict:
        """Gather the child's results as they come, until it is done, or until the notebook has ended and the child
        has had `ENDED_GRACE` seconds to say its last; return its last word."""
        deadline = None
        while deadline is None or time.monotonic() < deadline:
            if deadline is None and self.kernel_ended():
                deadline = time.monotonic() + ENDED_GRACE
            if not select.select([channel], [], [], 0.1)[0]:
                continue
            try:
                message, _ = receive(channel)
            except (OSError, WireError):
                code = child.wait(5) if child.poll() is None else child.returncode
                raise JudgeUnavailable(f"the grader's checker was stopped before it finished (exit {code}); "
                                       "did an answer use too much memory?") from None
            if "result" in message:
                found = message["result"]
                self.results[found["grade_id"]] = TestResult(**{**found, "outputs": tuple(found.get("outputs", ()))})
            else:
                return message
        return {"error": "the notebook ended while the grader waited for its kernel to serve again"}


def run_judge_child(request: dict, fds: list[int]) -> None:
    """In the zygote's child, confined as the judge's user: judge the plan the worker sends over the socket pair.

    Args:
        request: the zygote request.
        fds: this side of the worker's socket pair.
    """
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no tracing, no /proc/<pid>/mem, even by its own user
    with socket.socket(fileno=fds[0]) as channel:
        header, blobs = receive(channel)
        judge_once(plan_from(header, blobs), header["socket"], float(header["timeout"]), channel)


def judge_once(plan: JudgePlan, socket_path: str, timeout: float, channel: socket.socket) -> None:
    """Set up, connect to the kernel, run the tests, sending each result to the worker over `channel`, then the
    last word (`done`, `error` or `own_error`)."""
    try:
        namespace = prepare(plan)
    except Exception as error:  # noqa: BLE001 (the instructor's set-up failed: not the student's fault)
        send(channel, {"own_error": f"the set-up cells failed ({type(error).__name__}: {error})"})
        return
    try:
        connection = connect(socket_path, timeout)
    except JudgeUnavailable as error:
        send(channel, {"error": str(error)})
        return
    latest = Latest(connection, lambda: False)  # the worker stops this child when no kernel comes back
    try:
        run_tests(plan, namespace, connection, report=lambda result: send(channel, {"result": asdict(result)}),
                  reconnect=latest.reconnect)
        send(channel, {"done": True})
    except Exception as error:  # noqa: BLE001
        send(channel, {"own_error": f"{type(error).__name__}: {error}"})
    finally:
        latest.connection.close()  # after the worker has every result: the kernel's last cell ends when told "done"
