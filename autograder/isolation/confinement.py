"""What a confined process (a student's kernel, the judge) may see and use, and how a process confines itself.

A `Confinement` is written once, as a JSON file in the task's scratch folder, and read once, by the kernel launcher
or by the zygote's child. Applied (`apply`), it:

- when run as root: moves the process into new mount and network namespaces (no network), covers the course's
  secrets (source/, the gradebook, other students' files, .git) with empty folders, and drops to an unprivileged
  user (`nobody` for a kernel; the judge runs as another one, out of the kernel's reach);
- limits memory per process (RLIMIT_DATA) and, for the unprivileged user, the number of tasks (RLIMIT_NPROC);
- gives the process its own scratch HOME and TMPDIR and an environment without the grader's variables;
- records the start of each cell, so that a timeout can name the cell that was running.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from autograder.notebook.course import ROOT

from .limits import Limits

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
NOBODY = 65534
THREADS_PER_PROCESS = 64
ALLOWED_ENV = ("PATH", "LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND",
               "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "PYTHONUNBUFFERED",
               "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID", "KMW_TOKEN")
"""The only variables of the grader's environment that a confined process keeps."""
PER_RUN_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID", "KMW_TOKEN")
"""Allowed variables that differ from one run to the next, and that no import reads."""

CELL_HOOK = (
    "import IPython as _i; _i.get_ipython().events.register('pre_run_cell', "
    "lambda info, _p={path!r}: open(_p, 'w').write(info.raw_cell[:2000])); del _i"
)


@dataclass(frozen=True)
class Confinement:
    """The settings of one confined process, as plain data."""

    scratch: str
    """Its own folder: HOME, TMPDIR, runtime files, and the record of the cell that runs."""
    hide: tuple[str, ...] = ()
    """Folders covered with an empty one (root only)."""
    keep: tuple[str, ...] = ()
    """Folders under `hide` that stay visible (root only)."""
    memory_mb: int = 2048
    """Memory one process may allocate (RLIMIT_DATA)."""
    max_processes: int = 64
    """How many processes it may run at once (the watchdog counts them; RLIMIT_NPROC stops a fork bomb)."""
    network: bool = False
    """Whether it keeps the network (root only: without root it always does)."""
    uid: int = NOBODY
    """The user it runs as (root only)."""
    zygote: str = ""
    """The socket of the worker's zygote to fork a kernel from, or empty to start it afresh."""

    def write(self, path: Path) -> Path:
        """Write the settings as JSON to `path`; return it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self)))
        return path

    @classmethod
    def read(cls, path: str | Path) -> Confinement:
        """The settings `write` wrote."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, data: dict) -> Confinement:
        """Settings from their plain form (`asdict`)."""
        return cls(**{**data, "hide": tuple(data.get("hide", ())), "keep": tuple(data.get("keep", ()))})

    def but(self, **changes: object) -> Confinement:
        """A copy with some settings changed."""
        return replace(self, **changes)


def grading_confinement(limits: Limits, scratch: Path, workspace: Path, zygote: str = "") -> Confinement:
    """A student's kernel while it is graded: the course's secrets, the workspace and the grader's home and
    temporary folders hidden, the Python environment and the package kept, and `limits` applied."""
    hide = ("/tmp", os.path.expanduser("~"), str(ROOT / "source"), str(ROOT / ".git"), str(ROOT / "grading"),
            str(workspace.resolve()))
    keep = (sys.base_prefix, sys.prefix, str(ROOT / "autograder"))
    return Confinement(str(scratch), hide, keep, limits.memory_mb, limits.max_processes, limits.network,
                       zygote=zygote)


def allowed_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The variables of `env` (default: this process's) that a confined process keeps."""
    env = os.environ if env is None else env
    return {key: env[key] for key in ALLOWED_ENV if key in env}


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}: {os.strerror(ctypes.get_errno())}")


def hide_paths(hide: list[str], keep: list[str], network: bool = True) -> None:
    """In a new mount namespace (and, without `network`, a new network namespace), cover each folder in `hide` with
    an empty tmpfs, then bring back each of `keep`."""
    libc = _libc()
    # Without network the kernel talks to nbgrader over Unix sockets (nbgrader's KernelManager.transport=ipc).
    if libc.unshare(CLONE_NEWNS | (0 if network else CLONE_NEWNET)) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, None)
    kept = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep if os.path.isdir(path)]
    for path in sorted(set(hide), key=len):
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", 0, "size=64m,mode=1777")
    for path, fd in kept:
        os.makedirs(path, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        os.close(fd)


def _chown_tree(path: str, uid: int) -> None:
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            try:
                os.lchown(name, uid, uid)
            except OSError:
                pass


def apply(confinement: Confinement) -> list[str]:
    """Confine this process; return the ipykernel arguments a kernel adds (the cell hook, no history)."""
    scratch = confinement.scratch
    home, tmp = os.path.join(scratch, "home"), os.path.join(scratch, "tmp")
    for folder in (home, tmp):
        os.makedirs(folder, exist_ok=True)
    as_root = os.geteuid() == 0
    uid = confinement.uid
    if as_root:
        cwd = os.getcwd()
        _chown_tree(cwd, uid)
        _chown_tree(scratch, uid)
        try:
            hide_paths(list(confinement.hide), [cwd, scratch, *confinement.keep], confinement.network)
        except OSError as error:  # no namespaces here: limits still apply
            print(f"sandbox: cannot hide files ({error})", file=sys.stderr)
        os.chdir(cwd)
    memory = confinement.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if as_root:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        # RLIMIT_NPROC counts threads too (TensorFlow starts dozens): it only stops a fork bomb here,
        # and the grader's watchdog enforces the process limit itself.
        tasks = THREADS_PER_PROCESS * confinement.max_processes
        resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
    env = allowed_environment()
    env.update(HOME=home, TMPDIR=tmp, MPLCONFIGDIR=os.path.join(tmp, "matplotlib"),
               IPYTHONDIR=os.path.join(home, ".ipython"))
    os.environ.clear()
    os.environ.update(env)
    hook = CELL_HOOK.format(path=os.path.join(scratch, "current_cell"))
    return [f"--IPKernelApp.exec_lines={hook}", "--HistoryManager.enabled=False"]
