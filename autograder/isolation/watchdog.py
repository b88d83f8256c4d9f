"""Run one grading command for one student under limits, and leave nothing running behind it.

The command (stock `nbgrader autograde`) starts the student's kernel through `kernel_launcher`, which confines it
as the `Confinement` this side writes says. This side watches the whole process tree: it stops everything when
the notebook runs too long, uses too much memory or too many processes, and kills whatever is left when the
command ends.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

from autograder.notebook.course import ROOT

from .confinement import Confinement
from .limits import Limits
from .zygote import ZygoteChild

PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class RunOutcome:
    """How a supervised command ended."""

    returncode: int | None
    """The command's exit code; None when it was killed."""
    stopped: str = ""
    """Why it was stopped, addressed to the student (empty when it ended by itself)."""
    seconds: float = 0.0
    """How long it ran."""
    leftovers: int = 0
    """How many processes were still running when it ended, and were killed."""
    last_cell: str = ""
    """The cell that ran last, described for a person (for example `the cell that defines f`)."""


def become_subreaper() -> None:
    """Adopt orphaned descendants, so that a double-forked process cannot escape the final kill."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the token scan still finds them
        pass


def kernel_spec_dir(folder: Path, confinement: Path) -> Path:
    """Write a `python3` kernel spec that starts kernels through the confining launcher; return JUPYTER_PATH.

    Args:
        folder: where the spec goes (out of the kernel's reach: a kernel that rewrote it could start the next one
            unconfined).
        confinement: the settings file the launcher reads.
    """
    jupyter, folder = folder, folder / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "autograder.isolation.kernel_launcher", "--confinement", str(confinement),
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (sandboxed for grading)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return jupyter


@dataclass(frozen=True)
class _Entry:
    """One process, as one read of `/proc/<pid>/stat` shows it."""

    parent: int
    state: str
    started: int
    """Its start time in clock ticks since boot: with the pid, it names the process even after the pid is reused."""


def _processes() -> dict[int, _Entry]:
    """Every process now, from one pass over /proc (psutil's `children()` makes a pass of its own per call)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # the name, in parentheses, may hold spaces
        table[int(entry.name)] = _Entry(int(fields[1]), fields[0].decode(), int(fields[19]))
    return table


def _descendants(pid: int, children: dict[int, list[int]]) -> set[int]:
    found, stack = set(), list(children.get(pid, ()))
    while stack:
        child = stack.pop()
        if child not in found:
            found.add(child)
            stack += children.get(child, ())
    return found


class _Finder:
    """Finds every live process a run started: descendants of the command, and anything carrying its token or
    descending from it.

    Reading every process's environment at each look is what cost: a process whose environment block holds no
    `KMW_TOKEN` at all is remembered and not read again. It cannot come to carry one without an exec, which makes it
    a descendant of what started it, or a new process: a zygote's child writes its token over a placeholder that
    its block holds from the fork (`autograder/isolation/zygote.py`), so it is read again at every look.
    """

    def __init__(self, token: str) -> None:
        self.marker = f"KMW_TOKEN={token}".encode()
        self.unmarked: set[tuple[int, int]] = set()
        """(pid, start time) of processes whose environment names no token."""

    def carries_token(self, pid: int, entry: _Entry) -> bool:
        key = (pid, entry.started)
        if key in self.unmarked:
            return False
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                variables = handle.read().split(b"\0")
        except OSError:  # gone; or unreadable (another user's, or one that made itself undumpable): asked again
            return False
        if self.marker in variables:
            return True
        if not any(variable.startswith(b"KMW_TOKEN=") for variable in variables):
            self.unmarked.add(key)
        return False

    def find(self, root_pid: int, table: dict[int, _Entry]) -> set[int]:
        """The pids of the run's processes in `table`, the command's among them when it carries the token."""
        children: dict[int, list[int]] = {}
        for pid, entry in table.items():
            children.setdefault(entry.parent, []).append(pid)
        found = _descendants(root_pid, children)
        me = os.getpid()
        # A kernel forked from a zygote (zygote.py) is no descendant of the command: it carries the token, and
        # whatever it starts is found through it, even with a cleared environment.
        carriers = [pid for pid, entry in table.items()
                    if pid not in found and pid != me and entry.state != "Z" and self.carries_token(pid, entry)]
        for pid in carriers:
            found.add(pid)
            found |= _descendants(pid, children)
        self.unmarked &= {(pid, entry.started) for pid, entry in table.items()}  # forget the dead
        return found


def _as_processes(pids: set[int]) -> list[psutil.Process]:
    processes = []
    for pid in pids:
        try:
            processes.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return processes


def _kill(processes: list[psutil.Process]) -> int:
    killed = 0
    for proc in processes:
        try:
            proc.kill()
            killed += 1
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=5)
    return killed


def describe_cell(text: str) -> str:
    """Name a cell for a person: the question of a test cell, the function it defines, or its first line."""
    question = re.match(r'\s*"""(.+?)"""', text, re.S)
    if question:
        return f"the test {' '.join(question.group(1).split())[:120]!r}"
    defined = re.search(r"^\s*def\s+(\w+)", text, re.M)
    if defined:
        return f"the cell that defines {defined.group(1)}"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"the cell starting {first[:80]!r}" if first else "an empty cell"


def _current_cell(scratch: Path) -> str:
    try:
        return describe_cell((scratch / "current_cell").read_text(errors="replace"))
    except OSError:
        return "the first cell"


def _reap_zombies(keep: int | None = None, table: dict[int, _Entry] | None = None) -> None:
    """Collect this process's children that have exited (adopted orphans among them), all but `keep`.

    The command itself (`keep`) is left for its own `wait`, which would otherwise lose its exit code.
    """
    me = os.getpid()
    for pid, entry in (_processes() if table is None else table).items():
        if entry.parent == me and entry.state == "Z" and pid != keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue


def start(command: list[str], env: dict[str, str], handle: IO, zygote: str = "") -> subprocess.Popen | ZygoteChild:
    """Start `command` in its own session, writing to `handle`.

    A `python -m MODULE ...` command is forked from this worker's `zygote` (its socket) when one runs, which
    imported the module already: nbgrader then starts in a fraction of a second instead of two or three.
    """
    if zygote and len(command) > 2 and command[0] == sys.executable and command[1] == "-m":
        request = {"kind": "module", "module": command[2], "argv": command[3:], "cwd": str(ROOT), "env": env}
        with open(os.devnull, "rb") as nothing:
            try:
                child = ZygoteChild(zygote, request, [nothing.fileno(), handle.fileno(), handle.fileno()])
                handle.write(f"[autograder] {command[2]} forked from the zygote at {zygote}\n")
                handle.flush()
                return child
            except OSError as error:
                handle.write(f"[autograder] grading without the zygote: {error}\n")
                handle.flush()
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _ended(proc: subprocess.Popen | ZygoteChild, seconds: float) -> bool:
    """Wait up to `seconds` for `proc` to end, returning as soon as it does; whether it has."""
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def run_supervised(
    command: list[str], env: dict[str, str], limits: Limits, confinement: Confinement, log: Path
) -> RunOutcome:
    """Run `command` with its kernels confined, enforce the limits, and kill everything left at the end.

    Args:
        command: the grading command, for example `[python, -m, nbgrader, autograde, ...]`.
        env: its environment; the kernel spec and this run's token are added to it.
        limits: time, memory and process limits.
        confinement: how the command's kernels are confined (its `scratch` is this run's own folder; its
            `zygote`, if any, also forks the command). The settings and the kernel spec are written beside the
            scratch folder, where the kernel can neither see nor change them.
        log: a file to append the command's output to.

    Returns:
        How the command ended, and why it was stopped if it was.
    """
    become_subreaper()
    token = uuid.uuid4().hex
    scratch = Path(confinement.scratch)
    settings = confinement.write(scratch.parent / "confinement.json")
    env = dict(env)
    env.update(
        KMW_TOKEN=token,
        JUPYTER_PATH=str(kernel_spec_dir(scratch.parent / "jupyter", settings)),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
    )
    started = time.monotonic()
    stopped = ""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as handle:
        handle.write("$ " + " ".join(command[2:]) + "\n")
        handle.flush()
        proc = start(command, env, handle, confinement.zygote)
        try:
            me = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            me = None
        finder = _Finder(token)
        last_scan = 0.0
        while not _ended(proc, 0.2):  # returns as soon as the command ends, not at the next tick
            elapsed = time.monotonic() - started
            if elapsed > limits.notebook_seconds:
                stopped = f"timed out after {limits.notebook_seconds} s in {_current_cell(scratch)}"
                break
            if elapsed - last_scan < 0.5:
                continue
            last_scan = elapsed
            table = _processes()  # one pass over /proc for the zombies, the count and the memory
            _reap_zombies(keep=proc.pid, table=table)
            tree = _as_processes({pid for pid in finder.find(proc.pid, table) if me is None or pid != me.pid})
            if len(tree) > limits.max_processes:
                stopped = f"started more than {limits.max_processes} processes (seen while running {_current_cell(scratch)})"
                break
            rss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            if rss > limits.memory_mb * 1024 * 1024:
                stopped = f"used more than {limits.memory_mb} MB of memory (seen while running {_current_cell(scratch)})"
                break
            try:
                grader_rss = me.memory_info().rss if me else 0
            except psutil.Error:
                grader_rss = 0
            if grader_rss > (limits.memory_mb + 1024) * 1024 * 1024:
                stopped = f"printed too much output in {_current_cell(scratch)}"
                break
        if stopped:
            handle.write(f"[autograder] stopped: {stopped}\n")
    leftovers = _as_processes(finder.find(proc.pid, _processes()))
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    killed = _kill(leftovers)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    _reap_zombies()
    return RunOutcome(
        None if stopped else proc.returncode, stopped, time.monotonic() - started, killed, _current_cell(scratch)
    )
