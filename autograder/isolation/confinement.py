"""What a confined process (a student's kernel, the judge) may see and use, and how a process confines itself.

A `Confinement` is written once, as a JSON file in the task's scratch folder, and read once, by the kernel launcher
or by the zygote's child. Applied (`apply`), it:

- where the machine allows it (as root, or with unprivileged user namespaces), moves the process into new user
  (without root), mount, network (no network) and PID namespaces, in a root file system that holds only what it is
  allowed (`allowlist.py`): the system and the Python environment read-only, the lesson's released files
  read-only, its own working folder and its scratch folder; everything else, the course's secrets included, does
  not exist for it;
- as root, drops to an unprivileged user (`nobody` for a kernel; the judge runs as another one);
- limits memory per process (RLIMIT_DATA) and, in its own user or user namespace, the number of tasks
  (RLIMIT_NPROC);
- gives the process its own scratch HOME and TMPDIR and an environment without the grader's variables;
- records the start of each cell, so that a timeout can name the cell that was running.

Where namespaces are not available, only the limits apply; `isolation` finds out, once per process, which it is.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from . import allowlist
from .limits import Limits
from .relay import FORWARDED_SIGNALS, die_with_parent

NOBODY = 65534
THREADS_PER_PROCESS = 64
ALLOWED_ENV = ("PATH", "LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND",
               "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "PYTHONUNBUFFERED",
               "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID", "KMW_TOKEN")
"""The only variables of the grader's environment that a confined process keeps."""
PER_RUN_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID", "KMW_TOKEN")
"""Allowed variables that differ from one run to the next, and that no import reads."""
RELAY = str(Path(__file__).with_name("relay.py"))

CELL_HOOK = (
    "import IPython as _i; _i.get_ipython().events.register('pre_run_cell', "
    "lambda info, _p={path!r}: open(_p, 'w').write(info.raw_cell[:2000])); del _i"
)


@dataclass(frozen=True)
class Confinement:
    """The settings of one confined process, as plain data."""

    scratch: str
    """Its own folder: HOME, TMPDIR, runtime files, and the record of the cell that runs."""
    workdir: str = ""
    """The folder it works in (empty: the one it starts in), which it may change."""
    readonly: tuple[str, ...] = ()
    """Folders and files it may read, besides the system and the Python environment (with namespaces: nothing
    else exists for it)."""
    memory_mb: int = 2048
    """Memory one process may allocate (RLIMIT_DATA)."""
    max_processes: int = 64
    """How many processes it may run at once (the watchdog counts them; RLIMIT_NPROC stops a fork bomb)."""
    network: bool = False
    """Whether it keeps the network (without namespaces it always does)."""
    uid: int = NOBODY
    """The user it runs as (root only)."""
    zygote: str = ""
    """The socket of the worker's zygote to fork a kernel from, or empty to start it afresh."""
    namespaces: bool = True
    """Whether it gets namespaces of its own and the allow-list file system; a run decides once, from `isolation`,
    so that every student of the run is graded alike."""

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
        return cls(**{**data, "readonly": tuple(data.get("readonly", ()))})

    def but(self, **changes: object) -> Confinement:
        """A copy with some settings changed."""
        return replace(self, **changes)


def grading_confinement(limits: Limits, scratch: Path, workdir: Path, released: Path, zygote: str = "") -> Confinement:
    """A student's kernel while it is graded: it works in `workdir` (the student's own files and the lesson's
    data), reads the lesson's `released` folder, and runs under `limits`, isolated where this machine allows it."""
    return Confinement(str(scratch), str(workdir), (str(released),), limits.memory_mb, limits.max_processes,
                       limits.network, zygote=zygote, namespaces=isolation().namespaces)


@dataclass(frozen=True)
class Isolation:
    """What this machine lets grading do to a student's kernel."""

    namespaces: bool
    """Whether a confined process gets namespaces of its own and the allow-list file system."""
    reason: str = ""
    """Why not, when it does not."""

    def describe(self) -> str:
        """One line for the instructor and the log."""
        if self.namespaces:
            how = "as root" if os.geteuid() == 0 else "with user namespaces, without root"
            return f"isolation: each kernel in namespaces of its own, seeing only its allowed files ({how})"
        return (f"isolation: limits only: student code can read every file its user can and use the network, "
                f"because this machine gives no namespaces ({self.reason})")


PROBE = """
import os, shutil, sys, tempfile
from autograder.isolation.confinement import Confinement, isolate
folder = tempfile.mkdtemp(prefix="kmw-probe-")
pid = os.fork()
if pid == 0:
    try:
        isolate(Confinement(folder, uid=os.geteuid()), folder)
        os._exit(0)
    except BaseException as error:
        print(getattr(error, "strerror", None) or f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
        os._exit(1)
status = os.waitpid(pid, 0)[1]
shutil.rmtree(folder, ignore_errors=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@functools.cache
def isolation() -> Isolation:
    """Whether a confined process can get its namespaces and its own root here: tried once, in a child process."""
    try:
        done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as error:
        return Isolation(False, str(error))
    if done.returncode == 0:
        return Isolation(True)
    lines = done.stderr.strip().splitlines()
    return Isolation(False, lines[-1] if lines else f"exit {done.returncode}")


def allowed_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The variables of `env` (default: this process's) that a confined process keeps."""
    env = os.environ if env is None else env
    return {key: env[key] for key in ALLOWED_ENV if key in env}


def _chown_tree(path: str, uid: int) -> None:
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            try:
                os.lchown(name, uid, uid)
            except OSError:
                pass


def isolate(confinement: Confinement, workdir: str) -> None:
    """Move this process into namespaces of its own and a root that holds only what `confinement` allows.

    Only a child can start a new PID namespace: this process forks, the child (process 1 there) goes on and returns,
    and this process becomes the child's stand-in (`relay.py`) and never returns.

    Raises:
        OSError: when the machine refuses a namespace or a mount: in this process before the fork, in the child
            after it (the relay then ends as the child does). `isolation` finds out beforehand.
    """
    parent = os.getppid()  # now: should it end before the relay starts, the relay sees it and ends (and the child)
    if parent == 1:  # orphaned already: the grader that started this process was killed (a lost Dask worker)
        raise SystemExit("the grader that started this process is gone")
    if os.geteuid() != 0:
        allowlist.enter_user_namespace()
    mounts = allowlist.plan(list(confinement.readonly), [workdir, confinement.scratch], confinement.network)
    allowlist.unshare(allowlist.CLONE_NEWPID)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED_SIGNALS)  # kept for the relay, until it forwards
    sys.stdout.flush()
    sys.stderr.flush()
    pipes = [os.pipe(), os.pipe()]  # its output: through the relay, never the grader's log file itself
    child = os.fork()
    if child:
        for _, write in pipes:
            os.close(write)
        _become_relay(child, parent, confinement.uid if os.geteuid() == 0 else -1, [read for read, _ in pipes])
    for number, (read, write) in zip((1, 2), pipes, strict=True):
        os.dup2(write, number)
        os.close(read)
        os.close(write)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.setsid()  # signals from nbgrader reach it through the relay only, once each
    # Without network the kernel talks to nbgrader over Unix sockets (nbgrader's KernelManager.transport=ipc).
    allowlist.unshare(allowlist.CLONE_NEWNS | (0 if confinement.network else allowlist.CLONE_NEWNET))
    allowlist.build_root(mounts, confinement.scratch)


def _become_relay(child: int, parent: int, uid: int, pipes: list[int]) -> None:
    """In the parent of process 1 of a new PID namespace: exec the relay in place of this process, bound to `parent`
    (this process's parent before the fork: a grader's process killed meanwhile leaves no relay behind)."""
    try:
        for fd in pipes:
            os.set_inheritable(fd, True)
        os.execv(sys.executable, [sys.executable, "-I", "-S", RELAY, str(child), str(parent), str(uid),
                                  *map(str, pipes)])
    finally:  # only if exec failed
        os.kill(child, signal.SIGKILL)
        os._exit(1)


def apply(confinement: Confinement) -> list[str]:
    """Confine this process; return the ipykernel arguments a kernel adds (the cell hook, no history).

    With namespaces, what returns is a new process, the first of its PID namespace (see `isolate`).
    """
    scratch = confinement.scratch
    home, tmp = os.path.join(scratch, "home"), os.path.join(scratch, "tmp")
    for folder in (home, tmp):
        os.makedirs(folder, exist_ok=True)
    workdir = confinement.workdir or os.getcwd()
    as_root = os.geteuid() == 0
    uid = confinement.uid
    if as_root:
        _chown_tree(workdir, uid)
        _chown_tree(scratch, uid)
    if confinement.namespaces:
        isolate(confinement, workdir)
    os.chdir(workdir)
    memory = confinement.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if as_root:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if as_root or confinement.namespaces:
        # RLIMIT_NPROC counts the tasks of a user (in a user namespace: of that namespace's user), threads included
        # (TensorFlow starts dozens): it only stops a fork bomb here, and the grader's watchdog enforces the
        # process limit itself.
        tasks = THREADS_PER_PROCESS * confinement.max_processes
        resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
    if confinement.namespaces:
        allowlist.drop_capabilities()
        die_with_parent(0)  # the relay, outside this PID namespace (after the change of user, which clears it)
    env = allowed_environment()
    env.update(HOME=home, TMPDIR=tmp, MPLCONFIGDIR=os.path.join(tmp, "matplotlib"),
               IPYTHONDIR=os.path.join(home, ".ipython"))
    os.environ.clear()
    os.environ.update(env)
    hook = CELL_HOOK.format(path=os.path.join(scratch, "current_cell"))
    return [f"--IPKernelApp.exec_lines={hook}", "--HistoryManager.enabled=False"]
