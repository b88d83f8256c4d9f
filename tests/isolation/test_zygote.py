"""The zygote's protocol, tested directly on a zygote that preloads nothing (so it starts in a fraction of a second),
and that rehearses nbgrader's first run only where a test asks it to."""

import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from autograder.isolation.zygote import TOKEN_PLACEHOLDER, ZygoteChild

LIGHT_ZYGOTE = "from autograder.isolation import zygote; zygote.PRELOAD = (); zygote.REHEARSE = {}; zygote.main()"


@pytest.fixture
def zygote(tmp_path):
    """A running zygote with nothing preloaded and no rehearsal; its socket."""
    yield from _zygote(tmp_path, rehearse=False)


@pytest.fixture
def rehearsed_zygote(tmp_path):
    """A running zygote with nothing preloaded that rehearsed nbgrader's first run; its socket."""
    yield from _zygote(tmp_path, rehearse=True)


def _zygote(tmp_path, rehearse: bool):
    socket_path = tmp_path / "zygote.sock"
    log = (tmp_path / "zygote.log").open("w")
    env = {"PATH": os.environ["PATH"], "KMW_TOKEN": TOKEN_PLACEHOLDER}
    process = subprocess.Popen([sys.executable, "-I", "-c", LIGHT_ZYGOTE.format(rehearse), str(socket_path)],
                               stdin=subprocess.PIPE, stdout=log, stderr=log, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "zygote.log").read_text()
        time.sleep(0.02)
    yield str(socket_path)
    process.stdin.close()
    process.wait(10)
    log.close()


def fork(zygote: str, request: dict, out: Path) -> ZygoteChild:
    """Ask the zygote for a child whose stdout and stderr go to `out`."""
    with open(os.devnull, "rb") as nothing, out.open("w") as handle:
        return ZygoteChild(zygote, request, [nothing.fileno(), handle.fileno(), handle.fileno()])


def test_a_module_runs_as_python_m_would_with_the_caller_s_folder_and_environment(zygote, tmp_path):
    """Does a `module` child run `python -m MODULE ARGV` in the caller's folder, with the caller's environment and
    streams, and report its exit code?"""
    out = tmp_path / "out.txt"
    request = {"kind": "module", "module": "json.tool", "argv": ["--compact", "in.json"], "cwd": str(tmp_path),
               "env": {"PATH": "/bin", "MARK": "caller"}}
    (tmp_path / "in.json").write_text('{"a": [1, 2]}')
    child = fork(zygote, request, out)
    assert child.wait(30) == 0
    assert out.read_text().strip() == '{"a":[1,2]}'


def test_an_entry_is_called_with_the_request_and_the_descriptors_beyond_the_streams(zygote, tmp_path):
    """Does an `entry` child call the function it names, with the request, in the caller's folder?"""
    out = tmp_path / "out.txt"
    request = {"kind": "entry", "entry": "builtins:print", "cwd": str(tmp_path), "env": {"PATH": "/bin"}, "mark": 7}
    child = fork(zygote, request, out)
    assert child.wait(30) == 0
    printed = out.read_text()
    assert "'mark': 7" in printed and printed.rstrip().endswith("[]")


def test_a_child_carries_the_caller_s_token_where_the_watchdog_looks(zygote, tmp_path):
    """Does a child show its student's token in /proc/<pid>/environ, where the watchdog finds its processes?"""
    token = "ab" * 16
    request = {"kind": "module", "module": "timeit", "argv": ["-n", "1", "-r", "1", "import time; time.sleep(3)"],
               "cwd": str(tmp_path), "env": {"PATH": "/bin", "KMW_TOKEN": token}}
    child = fork(zygote, request, tmp_path / "out.txt")
    try:
        environ = Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
        assert f"KMW_TOKEN={token}".encode() in environ
    finally:
        child.kill()
    assert child.wait(10) < 0, "a killed child reports the signal that ended it"


def test_an_unknown_kind_is_refused_with_the_reason(zygote, tmp_path):
    """Is a request of a kind the zygote does not know refused, so that the caller starts the process itself?"""
    request = {"kind": "rocket", "cwd": str(tmp_path), "env": {}}
    with pytest.raises(OSError, match="could not start it"):
        fork(zygote, request, tmp_path / "out.txt")


def test_a_confined_child_takes_its_confinement_before_its_entry_runs(zygote, tmp_path):
    """Does a child whose request carries a confinement get its limits and clean environment before its entry?"""
    from autograder.isolation.confinement import Confinement

    out = tmp_path / "out.txt"
    confinement = Confinement(str(tmp_path / "scratch"), memory_mb=600)
    request = {"kind": "entry", "entry": "os:abort", "cwd": str(tmp_path), "env": {"PATH": "/bin", "SECRET": "x"},
               "config": asdict(confinement)}
    child = fork(zygote, request, out)
    # os.abort(request, fds) raises TypeError in the child after confinement: what matters is that it got there
    assert child.wait(30) == 1
    assert (tmp_path / "scratch" / "home").is_dir() and (tmp_path / "scratch" / "tmp").is_dir()
    assert "TypeError" in out.read_text()


# A child's own check that its validators were compiled before it was born: compiling one now fails.
VALIDATES_WITHOUT_COMPILING = ("import fastjsonschema, nbformat; from nbformat.v4 import new_notebook; "
                               "fastjsonschema.compile = None; nbformat.validate(new_notebook(), relax_add_props=True); "
                               "print('validated without compiling')")


@pytest.mark.parametrize("rehearsed", [True, False], ids=["rehearsed", "not rehearsed"])
def test_a_child_inherits_the_rehearsal(rehearsed, tmp_path, request):
    """Does a child of a zygote that rehearsed find nbformat's validators ready, in the zygote's own environment
    (isolated mode, the caller's variables only), where a child of one that did not must compile them?"""
    socket = request.getfixturevalue("rehearsed_zygote" if rehearsed else "zygote")
    out = tmp_path / "out.txt"
    ask = {"kind": "module", "module": "timeit", "argv": ["-n", "1", "-r", "1", VALIDATES_WITHOUT_COMPILING],
           "cwd": str(tmp_path), "env": {"PATH": "/bin"}}
    status = fork(socket, ask, out).wait(60)
    assert (status == 0 and "validated without compiling" in out.read_text()) is rehearsed, out.read_text()
    assert "rehearsal failed" not in (tmp_path / "zygote.log").read_text()


def test_a_killed_zygote_no_longer_answers_though_its_socket_is_left(zygote, tmp_path):
    """Does `answers` tell a listening zygote from one killed with SIGKILL, whose socket file is still there (a task
    that finds its shared zygote so then starts its own, instead of grading without one)?"""
    import signal

    import psutil

    from autograder.isolation.prewarm import answers

    assert answers(zygote)
    assert fork(zygote, {"kind": "module", "module": "json.tool", "argv": ["--help"], "cwd": str(tmp_path),
                         "env": {"PATH": "/bin"}}, tmp_path / "out.txt").wait(30) == 0, "an answer is no request"
    (process,) = [p for p in psutil.Process().children() if zygote in " ".join(p.cmdline())]
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert Path(zygote).exists() and not answers(zygote)
