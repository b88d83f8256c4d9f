"""Stand in for a confined process that lives in a PID namespace of its own.

A new PID namespace takes the next child of the process that asks for it, never that process itself. So a confined
process forks: the child (process 1 of the namespace) goes on to become the kernel or the judge, and the parent
execs this small program in its place, which is what jupyter_client, the zygote and the watchdog see. It forwards
the signals nbgrader sends (SIGINT interrupts a cell), dies with its own parent, and ends as the child ended.
The child dies with it (PR_SET_PDEATHSIG), and everything the child started dies with the child.

The child writes its standard output and error into pipes that this program copies to its own: a confined process
never holds the grader's log file, which it could otherwise open again through /proc/self/fd.

It imports nothing but the standard library, so that it runs as `python -I -S relay.py PID PARENT UID OUT ERR` in a
few milliseconds and a few MiB, instead of keeping a copy of the zygote's TensorFlow-sized memory. Started by root,
it then runs as UID (the confined process's user; -1 keeps its own). OUT and ERR are the pipes' read ends.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """End this process when `parent` ends (or at once, if it already has)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def exit_like(status: int) -> None:
    """End this process as a child with wait status `status` ended: same exit code, or the same signal."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [-code])
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)


def copy_output(pipes: dict[int, int]) -> None:
    """Copy what comes out of each pipe (read end -> where it goes) until every pipe is closed."""
    while pipes:
        ready, _, _ = select.select(list(pipes), [], [])
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                os.close(fd)
                del pipes[fd]
                continue
            try:
                while data:
                    data = data[os.write(pipes[fd], data):]
            except OSError:  # nobody reads any more: keep draining, so that the child never blocks
                pass


def relay(child: int, parent: int, uid: int = -1, out: int = -1, err: int = -1) -> None:
    """Forward signals to `child` and copy its output (pipes `out` and `err`) until it ends, then end as it did; run
    as `uid` (-1: this process's own)."""
    pipes = {fd: number for fd, number in ((out, 1), (err, 2)) if fd >= 0}
    kept = sorted(pipes)
    for low, high in zip([3, *(fd + 1 for fd in kept)], [*kept, 1 << 16], strict=True):
        os.closerange(low, high)  # nothing of the confined process's stays open here

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED_SIGNALS)  # the confining side blocked them until now
    if uid >= 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    die_with_parent(parent)  # after the change of user, which clears it
    copy_output(pipes)  # until the child and everything it started are gone (they die together, see above)
    while True:
        try:
            _, status = os.waitpid(child, 0)
        except ChildProcessError:
            os._exit(1)
        exit_like(status)


if __name__ == "__main__":
    relay(*(int(arg) for arg in sys.argv[1:6]))
