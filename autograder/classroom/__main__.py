"""`python -m autograder.classroom [--port 8000] [--students 3]`: what `make classroom` runs.

Checks the proxy and the port, puts every lesson in the gradebook (for the formgrader), starts JupyterHub with
classroom/jupyterhub_config.py, prints each user's log-in page and password once the hub answers, and runs until
Ctrl-C (or SIGTERM), which stops the hub and every server it started.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from autograder.grading.register import register_lessons
from autograder.notebook.course import ROOT, tool_environment

from .hub import (
    INSTRUCTOR,
    PROXY,
    HubStopped,
    free_port,
    hub_command,
    logins,
    next_free_port,
    passwords,
    port_in_use,
    student_names,
    wait_until_up,
)


class _OneLineParser(argparse.ArgumentParser):
    """Bad input: one line, exit code 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {message}\n")


def _whole_number(what: str, low: int, high: int):
    """An argparse type: a whole number from `low` to `high`, or an error that names `what`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}, not {value}")
        return value

    return parse


_count = _whole_number("the number of students", 1, 200)
_port = _whole_number("the port", 1, 65535)


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineParser(prog="make classroom", description=__doc__.split("\n\n")[1])
    parser.add_argument("--port", type=_port, default=8000, help="the hub's port on 127.0.0.1 (PORT=)")
    parser.add_argument("--students", type=_count, default=3, help="how many students (STUDENTS=)")
    args = parser.parse_args(argv)

    if port_in_use(args.port):
        print(f"error: port {args.port} is busy (something else listens on it); pick another one: "
              f"make classroom PORT={next_free_port(args.port)}", file=sys.stderr)
        return 1
    if not PROXY.exists():
        print(f"error: JupyterHub's proxy is not installed ({PROXY.relative_to(ROOT)}); run `make install`",
              file=sys.stderr)
        return 1
    try:
        register_lessons()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    students = student_names(args.students)
    kept = passwords()
    hub_port = free_port()
    hub = subprocess.Popen(hub_command(args.port, hub_port, [INSTRUCTOR, *students]), cwd=ROOT, env=tool_environment())
    # Ctrl-C reaches the hub from the terminal; SIGTERM is passed on. Either way the hub stops its servers and proxy.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: hub.send_signal(signum))
    try:
        wait_until_up(args.port, hub_port, hub)
    except HubStopped as error:
        hub.terminate()
        hub.wait()
        print(f"error: {error}; see its messages above", file=sys.stderr)
        return 1
    print(logins(args.port, students, kept), flush=True)
    return hub.wait()


if __name__ == "__main__":
    sys.exit(main())
