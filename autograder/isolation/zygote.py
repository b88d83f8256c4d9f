"""A fork server for grading: import TensorFlow and nbgrader once per worker, then fork what each student needs.

Starting a kernel costs seconds, most of them in `import tensorflow`; starting nbgrader costs two more. A zygote
is a process that imports TensorFlow, Keras, ipykernel, nbgrader and the course's helpers once, rehearses
nbgrader's first run on a made-up notebook (`rehearsal.py`: the set-up every nbgrader child would otherwise
repeat), runs no student code, and then waits on a Unix socket. It forks three kinds of children, all started the
same way (`_become`: the caller's folder, environment and streams, and its confinement if it asks for one):

- `kernel`: for each kernel nbgrader starts, `kernel_launcher` (the process jupyter_client manages) sends the
  zygote its arguments, confinement, folder, environment and standard streams; the child confines itself
  (`confinement.apply`) and runs the IPython kernel in-process;
- `module`: the grader's own `python -m nbgrader autograde ...` (`watchdog.start`), run as the grader, with the
  worker's environment and log file;
- `entry`: a function the caller names as `module:function`, called with the request and the descriptors sent
  beyond the three streams. The judge (`autograder.judge.forked`) runs this way, confined as a user of its own;
  the zygote imports nothing of the callers it serves.

No state travels from one student to the next: each child is a fork of the zygote as it was after its imports,
and the zygote never runs a student's code nor reads anything back from a child. A kernel's memory is a
copy-on-write copy, its files live in its own scratch and working folders, and it sees no other folder.

A confined child with namespaces forks once more (`confinement.isolate`): its child, the first process of a new PID
namespace, becomes the kernel or the judge, and the zygote's child execs a small relay in its place (`relay.py`),
which forwards signals and ends as the kernel ends; the zygote and the launcher deal with the relay as before.

A kernel stays findable by the grader's watchdog (`watchdog.py`): the zygote starts with a placeholder
`KMW_TOKEN` in its environment block, which the child overwrites in place with its student's token, so that
`/proc/<pid>/environ` carries it as it would for an exec'd kernel. Every child dies with the zygote
(PR_SET_PDEATHSIG) and is killed when its caller disconnects; a kernel's launcher forwards signals (nbgrader
interrupts a cell with SIGINT) and exits with the kernel's status.

Protocol, over a SOCK_SEQPACKET socket (one JSON message per packet):

- caller -> zygote: `{"kind", "argv", "config", "cwd", "env", ...}`, with its stdin, stdout and stderr attached
  (SCM_RIGHTS), and for an entry any further descriptors it needs (the judge: its end of a socket pair);
- zygote -> caller: `{"pid"}` once the child is ready, or `{"error"}` (the caller then does without the zygote);
  later `{"status"}`, the child's wait status.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import signal
import socket
import sys
import tempfile
import time
from dataclasses import asdict

from .confinement import Confinement, apply

TOKEN_PLACEHOLDER = "0" * 32
"""The zygote's KMW_TOKEN: as long as a real token (uuid4().hex), and matching none."""
PRELOAD = (
    "numpy", "tensorflow", "keras", "matplotlib.pyplot", "ipykernel.kernelapp", "ipykernel.ipkernel",
    "autograder", "autograder.checks", "autograder.lesson.datasets", "autograder.lesson.graph_drawing", "autograder.lesson.network_drawing",
    "autograder.model.spec", "autograder.lesson.selfpaced", "nbgrader.apps.nbgraderapp",
)
"""What every lesson imports, the kernel itself, and nbgrader (`run_module` runs it in a fork too)."""
REHEARSE = True
"""Whether to rehearse nbgrader's first run after the imports (`rehearsal.py`): about 0.6 CPU-s once, saved in
each child that runs nbgrader, and in each kernel."""
MAX_MESSAGE = 1 << 20
READY_SECONDS = 60
EXIT_SECONDS = 0.5
"""How long a child's exit handlers may take (they normally take 40 ms) before it ends without them."""
PR_SET_PDEATHSIG = 1
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def _send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


def _receive(sock: socket.socket) -> tuple[dict | None, list[int]]:
    """One message and the descriptors attached to it; (None, []) when the peer is gone."""
    try:
        data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 4)
    except OSError:
        return None, []
    if not data:
        return None, fds
    return json.loads(data), fds


# --------------------------------------------------------------------------- the launcher's side


def run_in_zygote(socket_path: str, confinement: Confinement, argv: list[str]) -> int | None:
    """Have the zygote at `socket_path` fork a confined kernel; wait for it, forwarding signals.

    Args:
        socket_path: the zygote's Unix socket.
        confinement: the kernel's confinement.
        argv: ipykernel's arguments (the connection file already moved to the scratch folder).

    Returns:
        The exit code this launcher should end with, or None when the zygote could not start a kernel (then
        nothing was started, and the caller starts the kernel itself).
    """
    pending: list[int] = []
    target: list[int] = []  # the child's pidfd, once known

    def forward(signum: int, _frame: object) -> None:
        if target:
            try:
                signal.pidfd_send_signal(target[0], signum)
            except OSError:
                pass
        else:
            pending.append(signum)

    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    parent = os.getppid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(socket_path)
        request = {"kind": "kernel", "argv": argv, "config": asdict(confinement), "cwd": os.getcwd(),
                   "env": dict(os.environ)}
        _send(sock, request, [0, 1, 2])
        reply, _ = _receive(sock)
    except OSError as error:
        print(f"kernel_launcher: no zygote ({error}); starting the kernel directly", file=sys.stderr)
        reply = None
    if not reply or "pid" not in reply:
        if reply:
            print(f"kernel_launcher: zygote failed ({reply.get('error')}); starting the kernel directly", file=sys.stderr)
        sock.close()
        for signum in FORWARDED_SIGNALS:
            signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)
        return None
    try:
        target.append(os.pidfd_open(reply["pid"]))
    except OSError:  # it already ended; its status is on the way
        pass
    for signum in pending:
        forward(signum, None)
    while True:
        try:
            ready, _, _ = select.select([sock], [], [], 1.0)
        except InterruptedError:
            continue
        if not ready:
            if os.getppid() != parent:  # nbgrader is gone: so is the kernel
                forward(signal.SIGKILL, None)
                return 1
            continue
        message, _ = _receive(sock)
        if message is None:  # the zygote died, and its children with it
            forward(signal.SIGKILL, None)
            return 1
        if "status" in message:
            return os.waitstatus_to_exitcode(message["status"])


class ZygoteChild:
    """A process the zygote forked for this caller, handled like a `subprocess.Popen`: pid, poll, wait, kill.

    The zygote reports the child's wait status over the connection; when the connection closes first (the zygote
    died, and the child with it), the child counts as killed.
    """

    def __init__(self, socket_path: str, request: dict, fds: list[int]) -> None:
        """Ask the zygote at `socket_path` to fork a child for `request`, with `fds` as its stdin, stdout, stderr.

        Raises:
            OSError: when the zygote cannot be reached or could not start the child (start it another way).
        """
        self.returncode: int | None = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.sock.connect(socket_path)
            _send(self.sock, request, fds)
            reply, _ = _receive(self.sock)
        except OSError:
            self.sock.close()
            raise
        if not reply or "pid" not in reply:
            self.sock.close()
            raise OSError(f"the zygote could not start it: {(reply or {}).get('error', 'no answer')}")
        self.pid: int = reply["pid"]

    def poll(self) -> int | None:
        """The exit code once the child has ended (negative: killed by that signal), else None."""
        if self.returncode is None:
            self._read(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end; return its exit code.

        Raises:
            subprocess.TimeoutExpired: when it still runs after `timeout` seconds.
        """
        import subprocess

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"zygote child {self.pid}", timeout)
            self._read(left)
        return self.returncode

    def kill(self) -> None:
        """Kill the child and everything in its session."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _read(self, timeout: float | None) -> None:
        try:
            ready, _, _ = select.select([self.sock], [], [], timeout)
        except InterruptedError:
            return
        if not ready:
            return
        message, fds = _receive(self.sock)
        for fd in fds:
            os.close(fd)
        if message is None:
            self.returncode = -signal.SIGKILL
        elif "status" in message:
            self.returncode = os.waitstatus_to_exitcode(message["status"])
        if self.returncode is not None:
            self.sock.close()


def exit_like(code: int) -> None:
    """End this process as the kernel ended: with its exit code, or killed by the same signal."""
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)


# --------------------------------------------------------------------------- the child's side


def _carry_token(token: str) -> None:
    """Write `token` over the placeholder in this process's original environment block (/proc/self/environ)."""
    if len(token) != len(TOKEN_PLACEHOLDER):
        raise RuntimeError("the grader's token does not fit the placeholder")
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_void_p
    address = libc.getenv(b"KMW_TOKEN")
    if not address or ctypes.string_at(address) != TOKEN_PLACEHOLDER.encode():
        raise RuntimeError("the zygote's KMW_TOKEN placeholder is gone")
    ctypes.memmove(address, token.encode(), len(token))
    with open("/proc/self/environ", "rb") as handle:
        if f"KMW_TOKEN={token}".encode() not in handle.read().split(b"\0"):
            raise RuntimeError("the token does not show in /proc/self/environ")


def _take_streams(fds: list[int], own_fds: list[int]) -> None:
    """In a forked child: drop the zygote's descriptors, start a session, and take the caller's streams."""
    for fd in own_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    os.setsid()
    for number, fd in enumerate(fds[:3]):
        os.dup2(fd, number)
    for fd in fds[:3]:
        if fd > 2 and fd not in fds[3:]:
            os.close(fd)
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _die_with(zygote: int) -> None:
    """End this child when the zygote ends (set after any setuid, which clears it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote:
        os._exit(1)


def _become(request: dict, ready: int) -> list[str]:
    """In the forked child: carry the caller's token, take its folder and environment, confine this process as the
    request asks, tie its life to the zygote's, and tell the zygote it started. Return a kernel's extra arguments."""
    env = request["env"]
    if "KMW_TOKEN" in env:
        _carry_token(env["KMW_TOKEN"])
    zygote = os.getppid()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(env)
    extra = apply(Confinement.from_dict(request["config"])) if request.get("config") else []
    tempfile.tempdir = None  # the zygote's own temporary folder may be hidden here: use this child's TMPDIR
    if os.getppid() == zygote:  # else it is the first process of a PID namespace, tied to its relay by `apply`
        _die_with(zygote)  # after any change of user, which clears it
    os.write(ready, b"ok")
    os.close(ready)
    return extra


def _child(request: dict, fds: list[int], ready: int, own_fds: list[int]) -> None:
    """In the forked child: take the caller's streams, become what the request asks for, then run it."""
    _take_streams(fds, own_fds)
    kind = request.get("kind")
    if kind == "module":
        _become(request, ready)
        _run_module(request)
    elif kind == "entry":
        module, _, function = request["entry"].partition(":")
        entry = getattr(importlib.import_module(module), function)  # resolved before the child confines itself
        _become(request, ready)
        entry(request, fds[3:])
    elif kind == "kernel":
        _run_kernel(request, _become(request, ready))
    else:
        raise ValueError(f"unknown kind of child: {kind!r}")


def _run_module(request: dict) -> None:
    """Run a Python module as `python -m MODULE ARGV` would (the grader's nbgrader)."""
    import runpy

    sys.argv = [request["module"], *request["argv"]]
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)


def _run_kernel(request: dict, extra: list[str]) -> None:
    """Run the IPython kernel in this (confined) process."""
    if "" in sys.path:
        sys.path.remove("")
    import ipykernel_launcher
    from ipykernel.kernelapp import IPKernelApp

    env = request["env"]
    # ipykernel read JPY_PARENT_PID when the zygote imported it: give it this kernel's value.
    parent = [f"--IPKernelApp.parent_handle={env['JPY_PARENT_PID']}"] if env.get("JPY_PARENT_PID", "").isdigit() else []
    sys.argv = [ipykernel_launcher.__file__, *request["argv"], *extra, *parent]
    IPKernelApp.launch_instance(sys.argv[1:])


def _fork_child(request: dict, fds: list[int], own_fds: list[int]) -> int:
    """Fork a child for `request` (a sandboxed kernel, a module, a judge); return its pid once it is ready, or raise."""
    ready_r, ready_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(ready_r)
            _child(request, fds, ready_w, own_fds)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException as error:  # noqa: BLE001 (report anything, never return into the zygote's loop)
            code = 1
            try:
                os.write(2, f"{request.get('kind', 'kernel')} (zygote child): {type(error).__name__}: {error}\n".encode())
            except OSError:
                pass
        finally:
            import atexit
            import threading

            try:
                # An exit handler may block: ipykernel's IPKernelApp.close sometimes waits on zmq for seconds, and
                # jupyter_client then kills the kernel after its shutdown wait (2.5 s). Everything the caller
                # needs was sent before this point: give the handlers EXIT_SECONDS, then end.
                threading.Timer(EXIT_SECONDS, os._exit, (code,)).start()
                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(ready_w)
    try:
        readable, _, _ = select.select([ready_r], [], [], READY_SECONDS)
        answer = os.read(ready_r, 2) if readable else b""
    finally:
        os.close(ready_r)
    if answer != b"ok":
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        raise RuntimeError(f"the {request.get('kind', 'kernel')} could not start (see its stderr)")
    return pid


# --------------------------------------------------------------------------- the zygote


def preload(modules: tuple[str, ...] | None = None) -> None:
    """Import what every kernel needs (`PRELOAD` unless told otherwise), without running anything a student could see
    the effect of."""
    for name in PRELOAD if modules is None else modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 (a missing extra only costs its import later)
            print(f"zygote: cannot preload {name}: {error}", file=sys.stderr)


def serve(socket_path: str) -> None:
    """Bind `socket_path`, import the kernel's modules, then fork a kernel for each request until stdin closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # Early: launchers that come during the imports wait in the backlog. The socket appears under its name only
    # once it listens (those who wait for the name would otherwise be refused in between).
    listener.bind(socket_path + ".new")
    os.chmod(socket_path + ".new", 0o600)
    listener.listen(16)
    os.replace(socket_path + ".new", socket_path)
    preload()
    if REHEARSE:
        from .rehearsal import rehearse

        try:
            rehearse()
        except Exception as error:  # noqa: BLE001 (each child then does that work itself, as without a zygote)
            print(f"zygote: the rehearsal failed: {type(error).__name__}: {error}", file=sys.stderr)
    import gc

    gc.collect()
    gc.freeze()  # the collector then leaves the preloaded objects' pages alone in the kernels: less copy-on-write
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    kernels: dict[int, socket.socket] = {}  # child pid -> its launcher's connection
    print(f"zygote {os.getpid()}: ready", file=sys.stderr, flush=True)
    while True:
        watched = [listener, sys.stdin, wake_r, *(c for c in kernels.values() if c.fileno() >= 0)]
        try:
            readable, _, _ = select.select(watched, [], [])
        except InterruptedError:
            continue
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
            break  # the worker is gone
        if wake_r in readable:
            os.read(wake_r, 4096)
            _reap(kernels)
        if listener in readable:
            connection, _ = listener.accept()
            _handle(connection, kernels, [listener.fileno(), sys.stdin.fileno(), wake_r, wake_w])
        for pid, connection in list(kernels.items()):
            if connection in readable and connection.fileno() >= 0:
                message, fds = _receive(connection)
                for fd in fds:
                    os.close(fd)
                if message is None:  # the launcher died: so does its kernel
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                    connection.close()
                    kernels[pid] = connection
        _reap(kernels)
    for pid in kernels:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _handle(connection: socket.socket, kernels: dict[int, socket.socket], own_fds: list[int]) -> None:
    message, fds = _receive(connection)
    if message is None:
        connection.close()
        return
    try:
        pid = _fork_child(message, fds, [*own_fds, connection.fileno(),
                                          *(c.fileno() for c in kernels.values() if c.fileno() >= 0)])
    except Exception as error:  # noqa: BLE001 (the launcher falls back to starting the kernel itself)
        try:
            _send(connection, {"error": f"{type(error).__name__}: {error}"})
        except OSError:
            pass
        connection.close()
        return
    finally:
        for fd in fds:
            os.close(fd)
    kernels[pid] = connection
    try:
        _send(connection, {"pid": pid})
    except OSError:
        os.kill(pid, signal.SIGKILL)


def _reap(kernels: dict[int, socket.socket]) -> None:
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = kernels.pop(pid, None)
        if connection is not None and connection.fileno() >= 0:
            try:
                _send(connection, {"status": status})
            except OSError:
                pass
            connection.close()


def main() -> None:
    """`python -I -m autograder.isolation.zygote SOCKET`: serve kernels on SOCKET until stdin closes."""
    started = time.monotonic()
    socket_path = sys.argv[1]
    try:
        serve(socket_path)
    finally:
        try:
            os.unlink(socket_path)
        except OSError:
            pass
        print(f"zygote {os.getpid()}: done after {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
