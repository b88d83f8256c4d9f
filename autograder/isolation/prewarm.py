"""One warmed-up zygote per grading worker: started when the worker starts, reused by each task.

`workers.warm` starts it while the driver sets the assignment up; `run_task` calls `zygote_socket` before it runs
nbgrader. The socket it returns goes into the kernel's confinement and to the judge, and sends nbgrader itself,
the student's kernel and the judge to the zygote (see zygote.py). It ends when its worker does (it watches a pipe from the worker), and a new one
starts if it died or if the environment kernels need has changed.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .confinement import PER_RUN_ENV, allowed_environment
from .zygote import TOKEN_PLACEHOLDER

START_SECONDS = 5.0
"""How long to wait for a new zygote's socket before grading without one."""


def import_environment(env: dict[str, str]) -> dict[str, str]:
    """The variables of `env` that a kernel keeps and its imports may read: a zygote serves only the tasks that
    agree with it on these."""
    return {key: value for key, value in allowed_environment(env).items() if key not in PER_RUN_ENV}


class Zygote:
    """A running zygote process, its socket, and the environment it imported its modules under."""

    def __init__(self, env: dict[str, str]) -> None:
        """Start a zygote for kernels that would run with `env`; it imports in the background."""
        self.key = import_environment(env)
        self.folder = Path(tempfile.mkdtemp(prefix="kmw-zygote-"))  # 0700: only this user may connect
        self.socket = self.folder / "socket"
        home = self.folder / "home"
        home.mkdir()
        zygote_env = dict(self.key)
        zygote_env.update(
            KMW_TOKEN=TOKEN_PLACEHOLDER, HOME=str(home), TMPDIR=str(self.folder), MPLCONFIGDIR=str(home / "mpl"),
            MPLBACKEND="module://matplotlib_inline.backend_inline",  # what ipykernel sets before a lesson imports pyplot
        )
        self.log = (self.folder / "zygote.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "autograder.isolation.zygote", str(self.socket)], stdin=subprocess.PIPE,
            stdout=self.log, stderr=subprocess.STDOUT, env=zygote_env, cwd=self.folder, start_new_session=True,
        )

    def alive(self) -> bool:
        """Whether the process runs and its socket exists."""
        return self.process.poll() is None and self.socket.exists()

    def wait_ready(self, seconds: float = START_SECONDS) -> bool:
        """Wait until the socket accepts connections (imports may still run: launchers then queue)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.alive():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """End the zygote (its kernels die with it) and remove its folder."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_lock = threading.Lock()
_current: Zygote | None = None


def zygote_socket(env: dict[str, str]) -> str:
    """The socket of this worker's zygote, for kernels that run with `env`; start or replace the zygote as needed.

    Args:
        env: the environment nbgrader (and so the kernel launcher) will run with.

    Returns:
        The socket's path, or "" when no zygote could be started (kernels then start as usual).
    """
    global _current
    with _lock:
        if _current is not None and (not _current.alive() or _current.key != import_environment(env)):
            _current.stop()
            _current = None
        if _current is None:
            try:
                _current = Zygote(env)
            except OSError as error:
                print(f"prewarm: cannot start a zygote ({error})", file=sys.stderr)
                return ""
        if not _current.wait_ready():
            _current.stop()
            _current = None
            return ""
        return str(_current.socket)


def answers(socket_path: str) -> bool:
    """Whether a zygote listens at `socket_path`: one that was killed leaves its socket file behind, and its
    callers would each fall back to working without it (the judge's verdicts too)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as probe:
            probe.settimeout(START_SECONDS)
            probe.connect(socket_path)  # the zygote reads no request from it, and closes its end
        return True
    except OSError:
        return False


def zygote_pid() -> int | None:
    """The process id of this worker's zygote, if one runs (for tests and benchmarks)."""
    return _current.process.pid if _current is not None and _current.process.poll() is None else None


@atexit.register
def stop_zygote() -> None:
    """Stop this worker's zygote, if any."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None

