"""Grading as an ordinary user, from that user's own copy of the course, gives the grades root gives.

An instructor grading on a laptop, or from a JupyterHub server that runs as the instructor, is not root. The root
run of the same submissions is `test_grade_03_sequential.py`: both compare against its table of expected grades.
Run as root (as CI does), this module makes an ordinary user with `useradd`; run as anyone else, it is skipped,
because then every pipeline test already grades as an ordinary user. A probe (`hidden_probe.py`) is graded with
them: without root too, its kernel must find nothing hidden and nothing outside its allow-list.
"""

from __future__ import annotations

import csv
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from harness import clone_like, source_notebook, submit
from hidden_probe import found_secrets, outputs, probe_report, probe_submission, problems
from test_grade_03_sequential import LESSON, SUBMISSIONS

pytestmark = pytest.mark.root  # it makes an ordinary user; as anyone else, every pipeline test already grades as one

USER = "kmw-instructor"
STUDENTS = ("passes-all", "wrong-units-and-loss", "disarms-the-checks")
"""Full marks, honest partial marks, and a cheat that only the judge outside the kernel catches."""
PROBE = "looks-for-hidden-tests"
CONSOLE_SCRIPTS = {"alembic": "alembic.config"}
"""Commands nbgrader runs from PATH, with the module whose `main()` each one calls."""


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", USER], check=True, capture_output=True)
        return pwd.getpwnam(USER)


def _as_user(user: pwd.struct_passwd, command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {"HOME": user.pw_dir, "USER": USER, "LOGNAME": USER, "LANG": "C.UTF-8",
           "PATH": f"{cwd / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
    return subprocess.run(command, cwd=cwd, env=env, user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                          capture_output=True, text=True, **kwargs)


def _python_for(user: pwd.struct_passwd, home: Path) -> str:
    """An interpreter of this Python version that the user may run (a root-only pyenv is not one)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [os.path.realpath(sys.executable), f"/usr/bin/python{version}", shutil.which(f"python{version}")]
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
        try:
            done = _as_user(user, probe, home, timeout=60)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    pytest.fail(f"no Python {version} that the user {USER} may run (tried {candidates})")


def _user_venv(user: pwd.struct_passwd, home: Path, copy: Path) -> Path:
    """A virtualenv the user runs: their interpreter, their copy of the package, this suite's installed libraries."""
    python = _python_for(user, home)
    done = _as_user(user, [python, "-m", "venv", "--without-pip", str(home / "venv")], home)
    assert done.returncode == 0, done.stderr
    venv = home / "venv"
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # Their own package first: the editable install of this checkout is not on their path.
    libraries = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "course.pth").write_text("\n".join([str(copy), *sorted(libraries)]) + "\n")
    (venv / "share").symlink_to(Path(sys.prefix) / "share")  # the data files, such as nbconvert's templates
    for name, module in CONSOLE_SCRIPTS.items():
        script = venv / "bin" / name
        script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom {module} import main\nsys.exit(main())\n")
        script.chmod(0o755)
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def graded_as_user():
    """The same submissions as root's run, graded by an ordinary user from their own copy, into their own workspace."""
    user = _ensure_user()
    home = Path(tempfile.mkdtemp(prefix="kmw-user-"))
    try:
        copy = clone_like(home / "keras-model-wars")  # the user's own clone
        workspace = home / "workspace"
        for student in STUDENTS:
            submit(workspace, student, LESSON, SUBMISSIONS[student][0]())
        submit(workspace, PROBE, LESSON, probe_submission(LESSON, copy / "course" / LESSON))
        shutil.chown(home, user.pw_uid, user.pw_gid)
        for path in home.rglob("*"):
            os.lchown(path, user.pw_uid, user.pw_gid)
        python = _user_venv(user, home, copy)
        done = _as_user(user, [str(python), "-m", "autograder", "grade", LESSON, "--workspace", str(workspace)],
                        home, timeout=900)
        yield workspace, done, copy
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _rows(path: Path) -> dict[str, dict]:
    with path.open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_an_ordinary_user_grades_without_errors(graded_as_user):
    """Does `python -m autograder grade`, run by an ordinary user, finish and grade every student?"""
    workspace, done, _ = graded_as_user
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = _rows(workspace / "grades.csv")
    assert {s: rows[s]["status"] for s in (*STUDENTS, PROBE)} == dict.fromkeys((*STUDENTS, PROBE), "graded"), rows


@pytest.mark.parametrize("student", STUDENTS)
def test_an_ordinary_user_gives_the_grades_root_gives(graded_as_user, student):
    """Does each student get, from an ordinary user, the score root's run of the same notebook gives?"""
    workspace, _, _ = graded_as_user
    row = _rows(workspace / "grades.csv")[student]
    max_score = sum(c.metadata.nbgrader["points"] for c in source_notebook(LESSON).cells
                    if c.metadata.get("nbgrader", {}).get("grade"))
    expected_score = SUBMISSIONS[student][1]
    assert (float(row["score"]), float(row["max_score"])) == (expected_score, max_score), row["reason"]


def test_the_judge_still_overrules_a_cheat_without_root(graded_as_user):
    """Without root, does the judge outside the kernel still take back what disarmed checks gave in the kernel?"""
    workspace, _, _ = graded_as_user
    page = (workspace / "feedback" / "disarms-the-checks" / LESSON / f"{LESSON}.html").read_text()
    assert SUBMISSIONS["disarms-the-checks"][2] in page


def test_without_root_a_probe_finds_nothing_hidden(graded_as_user):
    """Graded by an ordinary user, with user namespaces, does the probe's kernel find no file outside the allow-list,
    none holding a line of the hidden tests or solutions, no process but its own, and nothing hidden in its autograded
    notebook's outputs or its feedback, as it does when root grades?"""
    workspace, done, copy = graded_as_user
    log = (workspace / "logs" / f"{PROBE}.log").read_text()
    if "isolation: limits only" in log:
        pytest.skip(log.splitlines()[0])
    assert "with user namespaces, without root" in log.splitlines()[0]
    assert "isolation:" not in done.stdout, "the run says nothing when every kernel is isolated"
    released = copy / "course" / LESSON
    autograded = workspace / "autograded" / PROBE / LESSON / f"{LESSON}.ipynb"
    report = probe_report(autograded)
    assert problems(report) == {}, report
    assert report["working folder"] == sorted(p.name for p in released.iterdir() if p.suffix != ".ipynb")
    page = (workspace / "feedback" / PROBE / LESSON / f"{LESSON}.html").read_text()
    assert found_secrets(outputs(autograded), LESSON, released) == []
    assert found_secrets(page, LESSON, released) == []
