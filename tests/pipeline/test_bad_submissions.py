"""A class with broken and hostile submissions: each scores what it deserves, and the batch survives them all.

Lesson 02 has two exercises worth 3 points each (6 autograded, 8 with the written answer). Hostile tricks that
cannot help each other share a student, so that the class needs few kernels.

Run as root (as CI does), the same class is also graded by an ordinary user from their own copy of the course
(`ordinary_user.py`), at the same time: every student must get root's grade, and the probe must find nothing hidden
without root too. Run as anyone else, every run here already grades as an ordinary user.
"""

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys

import nbformat
import psutil
import pytest
from harness import make_submission, sha256, solutions, submit
from hidden_probe import found_secrets, outputs, probe_report, probe_submission, problems
from ordinary_user import NAME as USER
from ordinary_user import OrdinaryUser

from autograder.isolation.confinement import isolation
from autograder.judge.judging import KERNEL_DIED
from autograder.notebook.course import RELEASE, ROOT

LESSON = "02_layers"
FULL = 6
SECRET = ROOT / "source" / LESSON / f"{LESSON}.ipynb"
SANDBOXED = isolation().namespaces  # hiding files and cutting the network need namespaces: root, or user namespaces
LISTENER = socket.create_server(("127.0.0.1", 0))  # a port on the grader's loopback, for a student to reach for

RIGHT_COUNT = "def count_dense_params(n_inputs, n_units):\n    return (n_inputs + 1) * n_units\n"
WRONG_COUNT = "def count_dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n"  # forgets the biases
WRONG_OUTPUT = "def output_layer_for(task, n_classes=None):\n    return (1, 'sigmoid')\n"


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _tampered_tests():
    """Wrong answers; the tests of one exercise deleted, those of the other edited down to `pass`."""
    nb = make_submission(LESSON, {"count_dense_params": WRONG_COUNT, "output_layer_for": WRONG_OUTPUT})
    nb.cells = [c for c in nb.cells if not _gid(c).startswith("count_dense_params_")]
    for cell in nb.cells:
        if _gid(cell).startswith("output_layer_for_"):
            cell.source = "pass"
    return nb


def _slow_with_copied_tests():
    """Right answers, one of them thinking for 20 s in its first call, with a graded test cell copied three times."""
    slow = ("import time\nfirst_call = [True]\ndef count_dense_params(n_inputs, n_units):\n"
            "    if first_call.pop() if first_call else False:\n        time.sleep(20)\n    return (n_inputs + 1) * n_units\n")
    nb = make_submission(LESSON, {"count_dense_params": slow})
    index = next(i for i, c in enumerate(nb.cells) if _gid(c) == "count_dense_params_small_layers")
    copies = [nbformat.from_dict({**nb.cells[index], "id": f"copy-{i}"}) for i in range(3)]
    nb.cells[index + 1:index + 1] = copies
    return nb


# Cheat 17: a count that equals anything, a keras.Model.count_params and a builtin sum that agree with it: in the
# kernel, both count tests pass.
FORGES_EQUALITY = '''
import builtins, sys
class Anything(int):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = int.__hash__
keras.Model.count_params = lambda self: Anything(0)
real_sum = builtins.sum
def forged_sum(values, start=0):
    total = real_sum(values, start)
    return Anything(total) if sys._getframe(1).f_code.co_name == "check_against_keras" else total
builtins.sum = forged_sum
def count_dense_params(n_inputs, n_units):
    return Anything(0)
'''
# Cheat 17, stronger: every later cell, tests included, is rewritten to nothing before it runs.
BLANKS_LATER_CELLS = '''
import ast
class Blank(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[], type_ignores=[])
get_ipython().ast_transformers.append(Blank())
''' + WRONG_COUNT

# student id -> (notebook, expected score, fragments of the reason); None: any score below full marks.
SUBMISSIONS = {
    "passes-all": (lambda: make_submission(LESSON), FULL, []),  # ships a fake numpy.py too (see _layouts)
    "untouched": (lambda: make_submission(LESSON, solve=False), 0, ["Not done yet: replace `raise NotImplementedError()`"]),
    "slow-and-copied-tests": (_slow_with_copied_tests, FULL, []),
    "tampered-tests": (_tampered_tests, 0, ["it should be 16. You counted the weights", "output_layer_for"]),
    # A busy loop that ignores interrupts; at the lowest priority, so that its 45 s cost the suite's other tests
    # (and the ordinary user's run of this class) no CPU: the watchdog must stop it all the same.
    "endless-loop": (lambda: make_submission(LESSON, {"count_dense_params": (
        "import os, signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nos.nice(19)\n" + RIGHT_COUNT
        + "while True:\n    pass\n"
    )}), 0, ["timed out after", "in the cell that defines count_dense_params"]),
    "loops-when-tested": (lambda: make_submission(LESSON, {"count_dense_params": (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "import time\ndef count_dense_params(n_inputs, n_units):\n    while True:\n        time.sleep(1)\n"
    )}), 0, ["This test timed out: your count_dense_params did not return within 30 s"]),
    "process-storm": (lambda: make_submission(LESSON, {"count_dense_params": (
        "import subprocess\nkids = [subprocess.Popen(['sleep', '600']) for _ in range(150)]\n" + RIGHT_COUNT
    )}), 0, ["started more than 64 processes"]),
    # A crash costs what needed the crashed cell: the kernel dies in the last exercise, then in the first.
    "exits-its-kernel": (lambda: make_submission(LESSON, {"output_layer_for": "import os\nos._exit(1)\n"}),
                         3, [f"output_layer_for is not defined: {KERNEL_DIED} in cell 'output_layer_for'"]),
    "segfaults-in-the-first-exercise": (lambda: make_submission(LESSON, {
        "count_dense_params": "import ctypes\nctypes.string_at(0)\n" + RIGHT_COUNT}),
        3, [f"count_dense_params is not defined: {KERNEL_DIED} in cell 'count_dense_params'"]),
    "broken-code": (lambda: make_submission(LESSON, {
        "count_dense_params": "def count_dense_params(n_inputs, n_units)\n    return 1\n",
        "output_layer_for": "import keras_helpers_that_do_not_exist\n",
    }), 0, ["count_dense_params", "output_layer_for"]),
    "hogs-memory-then-exits": (lambda: make_submission(LESSON, {
        "count_dense_params": "hog = bytearray(3 * 1024 ** 3)\n" + RIGHT_COUNT,
        "output_layer_for": "import sys\nsys.exit()\n",
    }), 0, ["count_dense_params", "output_layer_for"]),
    "sneaky": (lambda: make_submission(LESSON, {
        "count_dense_params": (
            "get_ipython().showtraceback = lambda *args, **kwargs: None\n"
            f"import glob\nfor path in glob.glob('/tmp/**/gradebook.db', recursive=True) + [{str(ROOT / 'grading' / 'gradebook.db')!r}]:\n"
            "    open(path, 'w').write('spoiled')\n"
            f"open({str(SECRET)!r}).read()\n" + RIGHT_COUNT
        ),
        "output_layer_for": (
            "import os, signal, socket\n"
            f"socket.create_connection(('127.0.0.1', {LISTENER.getsockname()[1]}), timeout=3).close()\n"
            "os.kill(os.getppid(), signal.SIGKILL)\n" + solutions(LESSON)["output_layer_for"]
        ),
    }), 0, ["count_dense_params", "output_layer_for"]),
    "another-assignment": (lambda: make_submission("03_sequential", solve=False), 0,
                           ["is the notebook of assignment 03_sequential"]),
    # Three times what the grader keeps. Receiving and dropping output costs the grader CPU (200 MB took 15.6 s,
    # against 6.5 s for the plain right answers, in one run): graded beside the ordinary user's run and the rest of
    # the suite, 200 MB once ran past the notebook timeout.
    "prints-60-mb": (lambda: make_submission(LESSON, {"count_dense_params": (
        "for _ in range(60):\n    print('x' * 2**20)\n" + RIGHT_COUNT)}), FULL, []),
    "forges-equality": (lambda: make_submission(LESSON, {"count_dense_params": FORGES_EQUALITY}), 3,
                        ["count_dense_params(3, 4) returned 0; it should be 16"]),
    "blanks-the-tests": (lambda: make_submission(LESSON, {"count_dense_params": BLANKS_LATER_CELLS}), 0,
                         ["The grader could not check this test outside your notebook: the notebook ended"]),
    "looks-for-hidden-tests": (None, 0, []),  # answers nothing; built for each run (see _hand_in)
}
PROBE = "looks-for-hidden-tests"
NEED_NAMESPACES = {"sneaky"}


def _layouts(workspace):
    """Submissions whose folder, not notebook, is the problem: (expected score, fragment of the reason)."""
    misnamed = workspace / "submitted" / "wrong-name" / LESSON
    misnamed.mkdir(parents=True)
    nbformat.write(make_submission(LESSON), misnamed / "my_answers.ipynb")
    empty = workspace / "submitted" / "empty-file" / LESSON
    empty.mkdir(parents=True)
    (empty / f"{LESSON}.ipynb").write_text("")
    broken = workspace / "submitted" / "not-json" / LESSON
    broken.mkdir(parents=True)
    (broken / f"{LESSON}.ipynb").write_text('{"cells": [')
    (workspace / "submitted" / "no-folder").mkdir(parents=True)
    # The right answers, shipped with a numpy.py that would shadow numpy: it must change nothing.
    (workspace / "submitted" / "passes-all" / LESSON / "numpy.py").write_text("raise SystemExit('shadowed')\n")
    return {
        "wrong-name": (0, "missing notebook 02_layers.ipynb (found: my_answers.ipynb)"),
        "empty-file": (0, "is empty: not a notebook"),
        "not-json": (0, "not a valid notebook (JSON error at line 1"),
        "no-folder": (0, "no folder 02_layers/ in the submission"),
    }


NOTEBOOK_SECONDS = 45
WORKERS = 2
"""Each run: two Dask worker processes, as an instructor's machine would run, sharing the driver's zygote. A run on
one worker would wait on its students' timeouts one after the other (about 100 s), with a core left idle meanwhile."""


def batch_bound(notebooks: int, workers: int = WORKERS) -> float:
    """The longest the batch may take if every limit holds: each notebook stopped by its own timeout at worst.

    Not a speed test: a batch this slow means a notebook escaped its limits (a hang), whatever the machine.
    """
    rounds = -(-notebooks // min(workers, notebooks))
    return 120 + rounds * (NOTEBOOK_SECONDS + 30)  # start-up and feedback; per notebook, its limit and clean-up


def _hand_in(workspace, release):
    """Every submission of the class, into `workspace`; the probe checks its allow-list against `release`."""
    for student, (build, _, _) in SUBMISSIONS.items():
        submit(workspace, student, LESSON, probe_submission(LESSON, release) if student == PROBE else build())
    return _layouts(workspace)


def _grade(start, workspace, workers: int = WORKERS) -> subprocess.Popen:
    """Start grading the class in `workspace` with short limits; `start` runs the command (as root, or as a user)."""
    return start([sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace),
                  "--cell-timeout", "30", "--notebook-timeout", str(NOTEBOOK_SECONDS), "--workers", str(workers)])


def _finish(process: subprocess.Popen, workspace, workers: int = WORKERS):
    """Wait for a grading run, within its bound; return what it printed and its rows of grades.csv."""
    try:
        stdout, stderr = process.communicate(timeout=batch_bound(len(SUBMISSIONS), workers))
        done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        done = subprocess.CompletedProcess(process.args, None, stdout, stderr)
    grades = workspace / "grades.csv"
    rows = {row["student_id"]: row for row in csv.DictReader(grades.open())} if grades.exists() else {}
    return done, rows


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Grade the whole hostile class in one batch, with short limits: as root, and, when this suite runs as root,
    at the same time as an ordinary user from their own copy of the course (the batch waits on timeouts, so the two
    runs share the time)."""
    workspace = tmp_path_factory.mktemp("hostile")
    layouts = _hand_in(workspace, RELEASE / LESSON)
    before = {p: sha256(p) for p in (workspace / "submitted").rglob("*") if p.is_file()}
    user = OrdinaryUser.make() if os.geteuid() == 0 else None
    user_run = None
    try:
        if user:
            user_workspace = user.home / "workspace"
            _hand_in(user_workspace, user.copy / "course" / LESSON)
            user.give_them(user_workspace)
            user_run = _grade(lambda command: user.popen([str(user.python), *command[1:]]), user_workspace)
        root_run = _grade(lambda command: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                           text=True), workspace)
        done, rows = _finish(root_run, workspace)
        found = {"root": (workspace, done, before, rows, layouts)}
        if user:
            found["user"] = (user_workspace, *_finish(user_run, user_workspace), user)
        yield found
    finally:
        if user_run is not None and user_run.poll() is None:  # root's run failed first: stop the user's too
            user_run.send_signal(signal.SIGINT)  # Ctrl-C: the grader ends its workers and kernels
            try:
                user_run.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                user_run.kill()
                user_run.communicate()
        if user:
            if (user.home / "workspace" / "logs").is_dir():  # kept with pytest's temporary folders, for a failure
                shutil.copytree(user.home / "workspace" / "logs", workspace.parent / "ordinary-user-logs")
            user.remove()


@pytest.fixture(scope="module")
def graded(batches):
    """Root's run: its workspace, the finished command, the submissions' fingerprints, its rows and the layouts."""
    return batches["root"]


@pytest.fixture(scope="module")
def graded_as_user(batches):
    """An ordinary user's run of the same class: its workspace, the finished command, its rows and the user."""
    if "user" not in batches:
        pytest.skip("the suite runs as an ordinary user: every run here already is one")
    return batches["user"]


def test_the_batch_survives(graded):
    """Does grading finish, within the bound its limits set, with a row for every student, whatever their notebook did?"""
    _, done, _, rows, layouts = graded
    assert done.returncode is not None, f"the batch ran past {batch_bound(len(SUBMISSIONS)):.0f} s: {done.stdout[-2000:]}"
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(rows) == set(SUBMISSIONS) | set(layouts)
    assert {row["max_score"] for row in rows.values()} == {"8"}, "copied test cells must not add points"


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_each_gets_what_it_deserves(graded, student):
    """Does each submission score what its answers are worth, with the reason when it lost points?"""
    if student in NEED_NAMESPACES and not SANDBOXED:
        pytest.skip(f"hiding the solutions and cutting the network need namespaces: {isolation().reason}")
    _, _, _, rows, _ = graded
    _, expected, reasons = SUBMISSIONS[student]
    row = rows[student]
    assert float(row["score"]) == expected, row
    for reason in reasons:
        assert reason in row["reason"], row


def test_broken_layouts_and_shadowing_files(graded):
    """Do misnamed, empty, broken or missing notebooks score 0 with a reason, and a shadowing numpy.py do nothing?"""
    _, _, _, rows, layouts = graded
    found = {s: (float(rows[s]["score"]), reason in rows[s]["reason"]) for s, (_, reason) in layouts.items()}
    assert found == {s: (float(score), True) for s, (score, _) in layouts.items()}


def test_originals_are_unchanged(graded):
    """Are all submitted files byte for byte as handed in?"""
    _, _, before, _, _ = graded
    assert {p: sha256(p) for p in before} == before


def test_the_gradebook_agrees_with_grades_csv(graded):
    """Is the class gradebook still a working nbgrader gradebook, holding every student's grade?"""
    from nbgrader.api import Gradebook

    workspace, _, _, rows, _ = graded
    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gradebook:
        stored = {s.student.id: s.score for s in gradebook.assignment_submissions(LESSON)}
    assert stored == {k: float(v["score"]) for k, v in rows.items() if k != "no-folder"} | (
        {"no-folder": stored["no-folder"]} if "no-folder" in stored else {})


def test_a_stopped_notebook_gets_feedback_with_the_reason(graded):
    """Does a stopped student's feedback page say why the notebook scored 0?"""
    workspace, _, _, _, _ = graded
    page = (workspace / "feedback" / "endless-loop" / LESSON / f"{LESSON}.html").read_text()
    assert "timed out after" in page and "in the cell that defines count_dense_params" in page


def test_forgeries_that_pass_in_the_kernel_fail_outside_it(graded):
    """Do the tests that a forged value with a patched keras.Model and builtin would pass in the kernel (as stock
    nbgrader's would) fail, judged outside it?"""
    workspace, _, _, _, _ = graded
    log = (workspace / "logs" / "forges-equality.log").read_text()
    failed = sorted(line.split()[2].rstrip(":") for line in log.splitlines() if line.startswith("[judge] failed"))
    assert failed == ["count_dense_params_matches_keras", "count_dense_params_small_layers"]


def test_a_flood_of_output_is_cut_not_kept(graded):
    """Does a notebook that prints 60 MB keep only the first 20 MB, with a note, and still get its grade?"""
    workspace, _, _, rows, _ = graded
    autograded = workspace / "autograded" / "prints-60-mb" / LESSON / f"{LESSON}.ipynb"
    assert autograded.stat().st_size < 25 * 2**20
    assert "The output stops here: this notebook printed more than 20 MB" in autograded.read_text()
    assert float(rows["prints-60-mb"]["score"]) == FULL


def test_feedback_hides_hidden_test_code(graded):
    """Does feedback show hidden tests' results but not their code?"""
    workspace, _, _, _, _ = graded
    page = (workspace / "feedback" / "tampered-tests" / LESSON / f"{LESSON}.html").read_text()
    assert "hidden tests: your instructor ran more checks here" in page
    assert "hidden_inputs" not in page and "BEGIN HIDDEN TESTS" not in page


@pytest.mark.skipif(not SANDBOXED, reason="an allow-list file system needs namespaces")
def test_a_probe_finds_nothing_hidden(graded):
    """Walking every file its kernel can see, does a probe find no file outside the allow-list, none holding a line
    of the hidden tests or solutions, no process but its own, a working folder holding only the lesson's data, and
    does nothing hidden reach its autograded notebook's outputs or its feedback?"""
    workspace, _, _, _, _ = graded
    student = PROBE
    autograded = workspace / "autograded" / student / LESSON / f"{LESSON}.ipynb"
    report = probe_report(autograded)
    assert problems(report) == {}, report
    assert report["files"] > 10_000, "it walked the system and the Python environment too"
    released = [p.relative_to(RELEASE / LESSON) for p in (RELEASE / LESSON).rglob("*") if p.is_file()]
    # the lesson's files but its notebooks (JupyterLab's .ipynb_checkpoints/ holds only notebooks)
    assert report["working folder"] == sorted({p.parts[0] for p in released if p.suffix != ".ipynb"})
    assert found_secrets(autograded.read_text(), LESSON, RELEASE / LESSON), "the notebook nbgrader ran holds them"
    page = (workspace / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
    assert found_secrets(outputs(autograded), LESSON, RELEASE / LESSON) == []
    assert found_secrets(page, LESSON, RELEASE / LESSON) == []


def test_the_local_workers_share_one_zygote(graded):
    """Do the local cluster's two workers (each always has a student: the driver keeps both busy, and several
    students wait on timeouts) fork nbgrader from one zygote, the driver's, for every student graded?"""
    workspace, _, _, rows, _ = graded
    named = {student: re.findall(r"^\[autograder\] nbgrader forked from the zygote at (\S+)$",
                                 (workspace / "logs" / f"{student}.log").read_text(), re.M)
             for student in SUBMISSIONS if rows[student]["status"] == "graded"}
    assert len(named) >= 10 and all(named.values()), named
    assert len({path for paths in named.values() for path in paths}) == 1, named


def test_nothing_outlives_grading(graded):
    """Is no process of any student's notebook left running after the batch?"""
    leftovers = []
    kernels_run_as = {"nobody", psutil.Process().username(), USER}  # as root; without root, as the grader
    for proc in psutil.process_iter(["cmdline", "username"]):
        argv = proc.info["cmdline"] or []
        cmdline = " ".join(argv)
        # a kernel whose task is over (its settings file went with the task's folder): other tests may be grading
        if "autograder.isolation.kernel_launcher" in cmdline and "--confinement" in argv:
            settings = argv[argv.index("--confinement") + 1] if argv[-1] != "--confinement" else ""
            if not os.path.exists(settings):
                leftovers.append(cmdline)
        elif proc.info["username"] in kernels_run_as and "sleep 600" in cmdline:
            leftovers.append(cmdline)
    assert leftovers == []


# An ordinary user grading the same class (`graded_as_user`): an instructor on a laptop, or on a JupyterHub server
# that runs as the instructor. What only root can enforce (docs/grading.md, "Grading without root") is which user the
# kernels run as; every grade, reason and hiding must be the same.


def _grades(rows):
    return {student: (row["score"], row["max_score"], row["status"]) for student, row in rows.items()}


@pytest.mark.root
def test_an_ordinary_user_grades_the_batch_as_root_does(graded, graded_as_user):
    """Graded by an ordinary user from their own clone, does every student, right, wrong, broken or hostile, get
    root's score and status, with the reasons root's run gives?"""
    _, _, _, root_rows, layouts = graded
    _, done, rows, _ = graded_as_user
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    user_grades, root_grades = _grades(rows), _grades(root_rows)
    differing = {s: {"user": (user_grades.get(s), rows.get(s, {}).get("reason")),
                     "root": (root_grades.get(s), root_rows.get(s, {}).get("reason"))}
                 for s in set(rows) | set(root_rows) if user_grades.get(s) != root_grades.get(s)}
    assert differing == {}
    assert float(rows["passes-all"]["score"]) == FULL
    expected = {s: reasons for s, (_, _, reasons) in SUBMISSIONS.items()} | {s: [r] for s, (_, r) in layouts.items()}
    missing = {s: [r for r in reasons if r not in rows[s]["reason"]] for s, reasons in expected.items()}
    assert {s: r for s, r in missing.items() if r} == {}, rows


@pytest.mark.root
def test_without_root_the_judge_still_overrules_forgeries(graded_as_user):
    """Without root, do the forged counts that pass in the kernel still fail, judged outside it?"""
    workspace, _, _, _ = graded_as_user
    log = (workspace / "logs" / "forges-equality.log").read_text()
    failed = sorted(line.split()[2].rstrip(":") for line in log.splitlines() if line.startswith("[judge] failed"))
    assert failed == ["count_dense_params_matches_keras", "count_dense_params_small_layers"]


@pytest.mark.root
def test_without_root_a_probe_finds_nothing_hidden(graded_as_user):
    """Graded by an ordinary user, with user namespaces, does the probe's kernel find no file outside the allow-list,
    none holding a line of the hidden tests or solutions, no process but its own, and nothing hidden in its autograded
    notebook's outputs or its feedback, as it does when root grades?"""
    workspace, done, _, user = graded_as_user
    log = (workspace / "logs" / f"{PROBE}.log").read_text()
    if "isolation: limits only" in log:
        pytest.skip(log.splitlines()[0])
    assert "with user namespaces, without root" in log.splitlines()[0]
    assert "isolation:" not in done.stdout, "the run says nothing when every kernel is isolated"
    released = user.copy / "course" / LESSON
    autograded = workspace / "autograded" / PROBE / LESSON / f"{LESSON}.ipynb"
    report = probe_report(autograded)
    assert problems(report) == {}, report
    assert report["files"] > 10_000, "it walked the system and the Python environment too"
    assert report["working folder"] == sorted(p.name for p in released.iterdir() if p.suffix != ".ipynb")
    page = (workspace / "feedback" / PROBE / LESSON / f"{LESSON}.html").read_text()
    assert found_secrets(outputs(autograded), LESSON, released) == []
    assert found_secrets(page, LESSON, released) == []
