"""The confinement of a student's kernel, tested directly: its settings, and what applying them does to a process."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.isolation.confinement import (
    ALLOWED_ENV,
    NOBODY,
    Confinement,
    allowed_environment,
    grading_confinement,
)
from autograder.isolation.limits import Limits
from autograder.notebook.course import ROOT


def test_grading_hides_the_course_s_secrets_and_keeps_what_a_kernel_runs_on(tmp_path):
    """Does a graded kernel's confinement hide source/, .git, grading/, the workspace, /tmp and home, and keep the
    Python environment and the package?"""
    limits = Limits(memory_mb=512, max_processes=9, network=False)
    found = grading_confinement(limits, tmp_path / "scratch", tmp_path / "workspace", zygote="/z.sock")
    assert {str(ROOT / "source"), str(ROOT / ".git"), str(ROOT / "grading"), str((tmp_path / "workspace").resolve()),
            "/tmp", os.path.expanduser("~")} == set(found.hide)
    assert {sys.prefix, sys.base_prefix, str(ROOT / "autograder")} == set(found.keep)
    assert (found.memory_mb, found.max_processes, found.network, found.uid, found.zygote) == (512, 9, False, NOBODY,
                                                                                             "/z.sock")


def test_settings_survive_their_file(tmp_path):
    """Are the settings read back from their file exactly as they were written?"""
    written = Confinement(str(tmp_path), hide=("/a", "/b"), keep=("/a/c",), memory_mb=7, max_processes=3,
                          network=True, uid=123, zygote="/s")
    assert Confinement.read(written.write(tmp_path / "settings.json")) == written
    assert json.loads((tmp_path / "settings.json").read_text())["hide"] == ["/a", "/b"]


def test_only_allowed_variables_pass():
    """Does a confined process keep the allowed variables and lose every other one of the grader's?"""
    grader = {"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x", "KMW_TOKEN": "t", "HOME": "/root", "LANG": "C"}
    assert allowed_environment(grader) == {"PATH": "/bin", "KMW_TOKEN": "t", "LANG": "C"}
    assert "HOME" not in ALLOWED_ENV  # each confined process gets a HOME of its own


PROBE = """
import json, os, resource, socket, sys
from autograder.isolation.confinement import Confinement, apply
confinement = Confinement.read(sys.argv[1])
extra = apply(confinement)
secret = sys.argv[2]
try:
    seen = open(secret).read()
except OSError as error:
    seen = type(error).__name__
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[3])), timeout=2).close()
    network = "reached"
except OSError as error:
    network = type(error).__name__
print(json.dumps({"uid": os.getuid(), "memory": resource.getrlimit(resource.RLIMIT_DATA)[0],
                  "env": dict(os.environ), "secret": seen, "network": network, "extra": extra}))
"""


SECRET = ROOT / "source" / "03_sequential" / "03_sequential.ipynb"
"""The instructor's notebook, hidden tests and solutions in it: no graded kernel may read it."""


@pytest.fixture
def applied(tmp_path):
    """Confine a fresh Python process as grading confines a kernel, and report what it can see and do."""
    scratch, cwd = tmp_path / "scratch", tmp_path / "cwd"
    cwd.mkdir()
    confinement = grading_confinement(Limits(memory_mb=700, max_processes=5), scratch, tmp_path / "workspace")
    settings = confinement.write(tmp_path / "confinement.json")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        env = {"PATH": os.environ["PATH"], "AWS_SECRET_ACCESS_KEY": "x", "KMW_TOKEN": "t" * 32}
        done = subprocess.run([sys.executable, "-c", PROBE, str(settings), str(SECRET),
                               str(listener.getsockname()[1])], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), scratch


def test_applying_limits_memory_and_cleans_the_environment(applied):
    """Does the confined process get its memory limit, a HOME and TMPDIR of its own, and none of the grader's
    secrets in its environment?"""
    report, scratch = applied
    assert report["memory"] == 700 * 2**20
    assert report["env"]["HOME"] == str(scratch / "home") and report["env"]["TMPDIR"] == str(scratch / "tmp")
    assert "AWS_SECRET_ACCESS_KEY" not in report["env"] and report["env"]["KMW_TOKEN"] == "t" * 32
    assert any(arg.startswith("--IPKernelApp.exec_lines=") for arg in report["extra"])


@pytest.mark.root
def test_as_root_the_process_is_nobody_without_network_or_hidden_files(applied):
    """As root, is the confined process `nobody`, blind to the instructor's notebook, and cut off from the network?"""
    report, _ = applied
    assert SECRET.is_file()
    assert report["uid"] == NOBODY
    assert report["secret"] == "FileNotFoundError", "the instructor's notebook was readable"
    assert report["network"] != "reached"


def test_a_missing_settings_file_stops_the_launcher(tmp_path):
    """Does the kernel launcher refuse to start without its settings, rather than start unconfined?"""
    done = subprocess.run([sys.executable, "-m", "autograder.isolation.kernel_launcher", "-f", "x.json"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0 and "--confinement FILE" in done.stderr
    assert not Path(tmp_path / "x.json").exists()
