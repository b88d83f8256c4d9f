"""Start an IPython kernel for a student's notebook inside a sandbox, then hand over to ipykernel.

nbgrader starts kernels through a kernel spec; grading points that spec at this module, which, before any
student code runs:

- when run as root: moves into new mount and network namespaces (no network), covers the course's secrets (source/, the
  gradebook, other students' files, .git) with empty folders, and drops to the unprivileged user `nobody` (or the
  user id the settings name: the judge runs as another one, out of the kernel's reach);
- limits memory per process (RLIMIT_DATA) and, as `nobody`, the number of tasks (RLIMIT_NPROC);
- gives the notebook its own scratch HOME and TMPDIR and an environment without the grader's variables;
- records the start of each cell, so that a timeout can name the cell that was running.

The settings arrive as JSON in the environment variable KMW_SANDBOX. When KMW_ZYGOTE names a zygote's socket
(see zygote.py), the kernel is forked from that warmed-up process instead, with the same sandbox, and this
process stays as its stand-in for jupyter_client; without a zygote, or when it fails, the kernel starts here.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
NOBODY = 65534
THREADS_PER_PROCESS = 64
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND",
            "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID", "PYTHONUNBUFFERED", "KMW_TOKEN",
            "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")

CELL_HOOK = (
    "import IPython as _i; _i.get_ipython().events.register('pre_run_cell', "
    "lambda info, _p={path!r}: open(_p, 'w').write(info.raw_cell[:2000])); del _i"
)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}: {os.strerror(ctypes.get_errno())}")


def hide_paths(hide: list[str], keep: list[str], network: bool = True) -> None:
    """In a new mount namespace (and, without `network`, a new network namespace), cover each folder in `hide` with an empty tmpfs, then bring back each of `keep`."""
    libc = _libc()
    # Without network the kernel talks to nbgrader over Unix sockets (see ipc_kernel.py).
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


def move_connection_file(argv: list[str], folder: str) -> list[str]:
    """Copy the connection file named after `-f` into `folder` (it may sit in a folder about to be hidden)."""
    argv = list(argv)
    if "-f" in argv and argv.index("-f") + 1 < len(argv):
        index = argv.index("-f") + 1
        target = os.path.join(folder, os.path.basename(argv[index]))
        os.makedirs(folder, exist_ok=True)
        with open(argv[index], "rb") as source, open(target, "wb") as copy:
            copy.write(source.read())
        argv[index] = target
    return argv


def apply(config: dict) -> list[str]:
    """Apply the sandbox to this process; return the ipykernel arguments to add."""
    scratch = config["scratch"]
    home, tmp = os.path.join(scratch, "home"), os.path.join(scratch, "tmp")
    for folder in (home, tmp):
        os.makedirs(folder, exist_ok=True)
    as_root = os.geteuid() == 0
    uid = int(config.get("uid", NOBODY))
    if as_root:
        cwd = os.getcwd()
        _chown_tree(cwd, uid)
        _chown_tree(scratch, uid)
        try:
            hide_paths(config.get("hide", []), [cwd, scratch, *config.get("keep", [])], config.get("network", True))
        except OSError as error:  # no namespaces here: limits still apply
            print(f"sandbox: cannot hide files ({error})", file=sys.stderr)
        os.chdir(cwd)
    memory = int(config["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if as_root:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        # RLIMIT_NPROC counts threads too (TensorFlow starts dozens): it only stops a fork bomb here,
        # and the grader's watchdog enforces the process limit itself.
        tasks = THREADS_PER_PROCESS * int(config["max_processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
    env = {key: os.environ[key] for key in KEEP_ENV if key in os.environ}
    env.update(HOME=home, TMPDIR=tmp, MPLCONFIGDIR=os.path.join(tmp, "matplotlib"), IPYTHONDIR=os.path.join(home, ".ipython"))
    os.environ.clear()
    os.environ.update(env)
    hook = CELL_HOOK.format(path=os.path.join(scratch, "current_cell"))
    return [f"--IPKernelApp.exec_lines={hook}", "--HistoryManager.enabled=False"]


def main() -> None:
    """Apply the sandbox from KMW_SANDBOX, then run ipykernel with the remaining arguments."""
    config = json.loads(os.environ["KMW_SANDBOX"])
    argv = move_connection_file(sys.argv[1:], os.path.join(config["scratch"], "runtime"))
    if os.environ.get("KMW_ZYGOTE"):
        from .zygote import exit_like, run_in_zygote

        code = run_in_zygote(os.environ["KMW_ZYGOTE"], config, argv)
        if code is not None:
            exit_like(code)
    extra = apply(config)
    # -I: no current folder on sys.path, no user site-packages, no PYTHON* variables.
    os.execv(sys.executable, [sys.executable, "-I", "-m", "ipykernel_launcher", *argv, *extra])


if __name__ == "__main__":
    main()
