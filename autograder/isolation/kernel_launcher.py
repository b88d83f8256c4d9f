"""Start an IPython kernel for a student's notebook inside a sandbox, then hand over to ipykernel.

nbgrader starts kernels through a kernel spec; grading points that spec at this module
(`python -m autograder.isolation.kernel_launcher --confinement FILE -f CONNECTION_FILE`), which, before any
student code runs, confines the process as the settings file says (`confinement.py`): the kernel works in a
folder of its own, not in the autograded folder nbgrader hands it (where the notebook it runs lies, hidden tests
restored), inside a root file system that holds only what it may use (`allowlist.py`). When the settings name a
zygote's socket (zygote.py), the kernel is forked from that warmed-up process instead, with the same confinement,
and this process stays as its stand-in for jupyter_client; without a zygote, or when it fails, the kernel starts
here (and, in a PID namespace of its own, this process becomes its relay, `relay.py`).
"""

from __future__ import annotations

import os
import sys

from .confinement import Confinement, apply
from .zygote import exit_like, run_in_zygote


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


def split_arguments(argv: list[str]) -> tuple[str, list[str]]:
    """The settings file after `--confinement`, and the arguments left for ipykernel."""
    if "--confinement" not in argv or argv.index("--confinement") + 1 >= len(argv):
        raise SystemExit("usage: python -m autograder.isolation.kernel_launcher --confinement FILE -f CONNECTION_FILE")
    index = argv.index("--confinement")
    return argv[index + 1], argv[:index] + argv[index + 2:]


def main() -> None:
    """Confine this process as the settings file says, then run ipykernel with the remaining arguments."""
    settings, argv = split_arguments(sys.argv[1:])
    confinement = Confinement.read(settings)
    argv = move_connection_file(argv, os.path.join(confinement.scratch, "runtime"))
    if confinement.zygote:
        code = run_in_zygote(confinement.zygote, confinement, argv)
        if code is not None:
            exit_like(code)
    extra = apply(confinement)
    # -I: no current folder on sys.path, no user site-packages, no PYTHON* variables.
    os.execv(sys.executable, [sys.executable, "-I", "-m", "ipykernel_launcher", *argv, *extra])


if __name__ == "__main__":
    main()
