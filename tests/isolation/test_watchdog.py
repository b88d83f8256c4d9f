"""The watchdog's verdicts, tested directly on small commands instead of a whole grading run.

Each scenario runs in a Python process of its own: the watchdog makes its caller a subreaper and reaps orphans,
which the test process must not do to its own children.
"""

import json
import subprocess
import sys
import textwrap

import psutil
import pytest

from autograder.isolation.watchdog import describe_cell

RUN = """
import json, sys
from dataclasses import asdict
from pathlib import Path
from autograder.isolation.confinement import Confinement
from autograder.isolation.limits import Limits
from autograder.isolation.watchdog import run_supervised

folder = Path(sys.argv[1])
(folder / "scratch").mkdir()
(folder / "scratch" / "current_cell").write_text(sys.argv[3])
limits = Limits(**json.loads(sys.argv[2]))
outcome = run_supervised([sys.executable, "-c", sys.argv[4]], {"PATH": "/usr/bin:/bin"}, limits,
                         Confinement(str(folder / "scratch")), folder / "log.txt")
print(json.dumps(asdict(outcome)))
"""
CELL = 'def build_sequential_model(n_features):\n    return None\n'


def supervise(tmp_path, code: str, cell: str = CELL, **limits) -> dict:
    """Run `code` as a supervised command under `limits`; return the watchdog's `RunOutcome` as a dict.

    `{folder}` in the code stands for a folder of the test's own (the command runs at the course root).
    """
    code = textwrap.dedent(code).replace("{folder}", str(tmp_path))
    done = subprocess.run([sys.executable, "-c", RUN, str(tmp_path), json.dumps(limits), cell, code],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_command_that_ends_by_itself_is_left_alone(tmp_path):
    """Does a command that ends by itself keep its exit code, with no reason to stop it?"""
    outcome = supervise(tmp_path, "import sys; sys.exit(3)", notebook_seconds=30)
    assert (outcome["returncode"], outcome["stopped"], outcome["leftovers"]) == (3, "", 0)


def test_a_notebook_that_runs_too_long_is_stopped_naming_its_cell(tmp_path):
    """Is a command that outlives the notebook limit stopped, with the cell that was running named?"""
    outcome = supervise(tmp_path, "import time; time.sleep(60)", notebook_seconds=1)
    assert outcome["returncode"] is None
    assert outcome["stopped"] == "timed out after 1 s in the cell that defines build_sequential_model"


def test_too_much_memory_is_stopped(tmp_path):
    """Is a command whose kernel (a process it started) holds more than the memory limit stopped, with the reason?
    The command itself is the grader's nbgrader, whose own memory is watched apart."""
    code = """
    import subprocess, sys, time
    subprocess.Popen([sys.executable, "-c", "import time; hog = b'x' * (200 * 2**20); time.sleep(60)"])
    time.sleep(60)
    """
    outcome = supervise(tmp_path, code, memory_mb=100, notebook_seconds=30)
    assert outcome["stopped"].startswith("used more than 100 MB of memory (seen while running the cell that defines")


def test_a_process_storm_is_stopped_and_nothing_is_left(tmp_path):
    """Is a command that starts more processes than allowed stopped, and is every process it started killed?"""
    code = """
    import subprocess, time
    children = [subprocess.Popen(["sleep", "120"]) for _ in range(8)]
    open("{folder}/pids.txt", "w").write(" ".join(str(c.pid) for c in children))
    time.sleep(60)
    """
    outcome = supervise(tmp_path, code, max_processes=3, notebook_seconds=30)
    assert outcome["stopped"].startswith("started more than 3 processes")
    assert outcome["leftovers"] >= 8
    pids = [int(p) for p in (tmp_path / "pids.txt").read_text().split()]
    assert len(pids) == 8 and not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]


def test_a_process_left_behind_is_killed(tmp_path):
    """When the command ends, is a process it left running in the background (even a double fork) killed?"""
    code = """
    import os, subprocess, time
    if os.fork() == 0:
        os.setsid()
        sleeper = subprocess.Popen(["sleep", "120"])
        open("{folder}/orphan.txt", "w").write(str(sleeper.pid))
        os._exit(0)
    os.wait()
    time.sleep(1)
    """
    outcome = supervise(tmp_path, code, notebook_seconds=30)
    assert outcome["returncode"] == 0 and outcome["leftovers"] >= 1
    orphan = int((tmp_path / "orphan.txt").read_text())
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == "zombie"


CARRIES_LATER = """
import sys
from autograder.isolation.zygote import _carry_token
print("started", flush=True)
sys.stdin.readline()
_carry_token(sys.argv[1])
print("carried", flush=True)
sys.stdin.readline()
"""


def test_a_process_that_takes_the_token_after_a_first_look_is_found(tmp_path):
    """The watchdog reads a process's environment once when it names no token. Is a zygote's child, which writes its
    token over a placeholder some time after the fork, still found once it has, and a process without any token
    never?"""
    import os
    import uuid

    from autograder.isolation.watchdog import _Finder, _processes
    from autograder.isolation.zygote import TOKEN_PLACEHOLDER

    token = uuid.uuid4().hex
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path)}
    late = subprocess.Popen([sys.executable, "-c", CARRIES_LATER, token], env={**env, "KMW_TOKEN": TOKEN_PLACEHOLDER},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    plain = subprocess.Popen(["sleep", "60"], env=env)
    try:
        assert late.stdout.readline() == "started\n"
        finder = _Finder(token)
        nobody = -1  # a command with no descendants: only the token can find anything
        assert finder.find(nobody, _processes()) & {late.pid, plain.pid} == set()
        late.stdin.write("go\n")
        late.stdin.flush()
        assert late.stdout.readline() == "carried\n"
        assert finder.find(nobody, _processes()) & {late.pid, plain.pid} == {late.pid}
    finally:
        for process in (late, plain):
            process.kill()
            process.wait()


@pytest.mark.parametrize("text, named", [
    ('"""Does build_sequential_model stack\n   three layers?"""\ncheck()', "the test 'Does build_sequential_model stack three layers?'"),
    ("def train_for_exam(model, x, y):\n    pass", "the cell that defines train_for_exam"),
    ("\n\nprint('hello')\n", "the cell starting \"print('hello')\""),
    ("   \n", "an empty cell"),
])
def test_a_cell_is_named_for_a_person(text, named):
    """Is a stalled cell named by its question, the function it defines, or its first line?"""
    assert describe_cell(text) == named
