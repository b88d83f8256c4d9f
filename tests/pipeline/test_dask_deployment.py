"""Grading on a Dask deployment started with Dask's own command line, that loses a worker and meets a poison task.

A scheduler and two workers run as separate processes, started the way an instructor starts them on separate
machines (`dask scheduler`, `dask worker tcp://...`), talking over TCP on 127.0.0.1. One grading run
(`python -m autograder grade --scheduler tcp://...`) meets two accidents:

- **A lost machine.** A student's notebook sleeps in a cell; once the scheduler says which worker has that
  student's task, and that worker's processes show its kernel running, the test kills that `dask worker` process
  with SIGKILL (its worker process goes with it). The scheduler runs the task again on the other worker.
- **A poison task.** The workers load `dask_poison.py` (Dask's own `--preload`), which kills the worker process as
  it starts grading the student `z-kills-its-worker`: a worker that crashes on a submission. Each time, the
  worker's nanny starts a new worker process. The scheduler allows 1 failure (`distributed.scheduler.allowed-failures`,
  set as Dask reads its settings from the environment), so it gives up after 2 deaths with `KilledWorker`.

The crash is simulated, not a student's code: grading runs as root here, so the kernel runs as `nobody` in its own
namespaces, and cannot signal the worker (another user), see its files or reach it over the network (as an
ordinary user, a notebook could simply kill it). What is under test is what the grader and Dask do when a worker
dies on a submission, however it died.

Lesson 02 grades fastest. The notebooks and their grades are those the local run gives in
test_bad_submissions.py, plus the sleeper (the right answers) and the poison.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from harness import make_submission, submit
from test_bad_submissions import FULL, LESSON, RIGHT_COUNT
from test_bad_submissions import SUBMISSIONS as LOCAL

SLEEPER = "a-sleeps-in-a-cell"
POISON = "z-kills-its-worker"  # the student dask_poison.py kills its worker on
ALLOWED_FAILURES = 1
# Full marks, none, and a forgery the judge overrules on the worker. Three students graded before the poison also
# keep it off the cluster until the sleeper's worker is lost (tasks go out in student order, one per free thread).
LOCAL_RUN = ("forges-equality", "passes-all", "untouched")
CLASS = {
    SLEEPER: (lambda: make_submission(LESSON, {"count_dense_params": "import time\ntime.sleep(3)\n" + RIGHT_COUNT}),
              FULL, []),
    **{student: LOCAL[student] for student in LOCAL_RUN},
}
DASK = Path(sys.executable).parent / "dask"
PRELOAD = Path(__file__).with_name("dask_poison.py")
BOUND = 300
"""Seconds the grading run may take before the test calls it hung (not a speed test: it takes well under one)."""


def _wait_for(condition, seconds: float, what: str):
    """Poll `condition` until it returns something true; fail, saying `what` did not happen, after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s")


def _cmdline(process: psutil.Process) -> str:
    """A process's command line, or "" once it has ended (a zombie not yet reaped has none to read)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _still_running(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """The processes still running (zombies waiting for their parent count as ended) after up to `seconds`."""
    def running() -> list[psutil.Process]:
        alive = []
        for process in processes:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.NoSuchProcess:
                continue
        return alive

    deadline = time.monotonic() + seconds
    while (alive := running()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


@dataclass
class Deployment:
    """A scheduler and two workers, each started with Dask's command line; `stop` ends them and what they started."""

    folder: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    address: str = ""
    client: object = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)
    """Every process of the deployment seen so far (workers' zygotes and kernels too), to check that none outlives it."""

    def start(self) -> None:
        scheduler_file = self.folder / "scheduler.json"
        # Dask reads its settings from DASK_* variables: a poison task is tried on 2 workers, then fails.
        self._start("scheduler", [
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(scheduler_file),
            "--no-dashboard", "--idle-timeout", "180s",  # it stops by itself if nothing stops it
        ], DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(ALLOWED_FAILURES))
        _wait_for(lambda: scheduler_file.exists() and scheduler_file.stat().st_size, 60,
                  f"the scheduler did not start: {self.log('scheduler')}")
        self.address = json.loads(scheduler_file.read_text())["address"]
        for name in ("worker-1", "worker-2"):
            self._start(name, [
                "worker", self.address, "--name", name, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                "--local-directory", str(self.folder / name), "--preload", str(PRELOAD),
                "--death-timeout", "60s",  # it stops by itself when the scheduler is gone
            ])
        from distributed import Client

        self.client = Client(self.address, timeout="60s")
        self.client.wait_for_workers(2, timeout=120)

    def _start(self, name: str, arguments: list[str], **env: str) -> None:
        log = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen([str(DASK), *arguments], stdout=log, stderr=subprocess.STDOUT,
                                                env={**os.environ, **env}, start_new_session=True)
        log.close()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()[-3000:]

    def look(self) -> None:
        """Note every process of the deployment running now."""
        for process in self.processes.values():
            try:
                parent = psutil.Process(process.pid)
                for found in [parent, *parent.children(recursive=True)]:
                    self.seen.setdefault(found.pid, found)
            except psutil.NoSuchProcess:
                continue

    def kill_worker_running(self, student: str, grading: subprocess.Popen) -> dict:
        """Once `student`'s task runs on a worker (the scheduler says where, the worker's processes show its kernel),
        kill that `dask worker` process with SIGKILL.

        Returns:
            The worker's address, and the processes that died with it.
        """
        def running_kernel():
            self.look()
            for address, keys in self.client.processing().items():
                if any(f"-{student}-" in str(key) for key in keys):
                    pid = self.client.run(os.getpid, workers=[address], on_error="ignore").get(address)
                    tree = psutil.Process(pid).children(recursive=True) if pid else []
                    if any("autograder.isolation.kernel_launcher" in _cmdline(p) for p in tree):
                        return address, psutil.Process(pid)
            if grading.poll() is not None:
                raise AssertionError(f"grading ended before {student}'s kernel was seen running")
            return None

        address, worker = _wait_for(running_kernel, BOUND, f"{student}'s kernel was not seen running on a worker")
        command = psutil.Process(worker.ppid())  # the `dask worker` process: its nanny
        assert command.pid in {p.pid for p in self.processes.values()}, command.cmdline()
        tree = [command, *command.children(recursive=True)]
        os.kill(command.pid, signal.SIGKILL)
        return {"address": address, "tree": tree}

    def removals(self) -> list[tuple[str, set[str]]]:
        """The scheduler's own record of each worker it lost: its address and the tasks it was running."""
        return [(event["worker"], set(event["processing-tasks"]))
                for _, event in self.client.get_events("all")
                if isinstance(event, dict) and event.get("action") == "remove-worker"]

    def stop(self) -> list[str]:
        """Stop the workers, then the scheduler, as Ctrl-C would; kill what is left. Returns what was left."""
        self.look()
        if self.client is not None:
            self.client.close()
        for name in sorted(self.processes, reverse=True):  # the workers first
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        left = []
        # 30 s: a task orphaned by the SIGKILLed worker ends with its notebook, later on a loaded machine
        for process in _still_running(list(self.seen.values()), 30):
            try:
                left.append(" ".join(process.cmdline()))
                process.kill()
            except psutil.Error:
                continue
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        return left


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the class on the deployment, losing a worker on the way; stop the deployment, whatever happens."""
    folder = tmp_path_factory.mktemp("dask")
    workspace = folder / "workspace"
    for student, (build, _, _) in CLASS.items():
        submit(workspace, student, LESSON, build())
    submit(workspace, POISON, LESSON, make_submission(LESSON))
    cluster = Deployment(folder)
    started = time.monotonic()
    try:
        cluster.start()
        with (folder / "grade.log").open("w") as log:
            grading = subprocess.Popen(
                [sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace),
                 "--scheduler", cluster.address], stdout=log, stderr=subprocess.STDOUT, text=True)
            try:
                killed = cluster.kill_worker_running(SLEEPER, grading)
                returncode = grading.wait(timeout=BOUND)
            finally:
                if grading.poll() is None:
                    grading.kill()
                    grading.wait()
        removals = cluster.removals()
    finally:
        leftovers = cluster.stop()
    print(f"deployment test: {time.monotonic() - started:.1f} s from the scheduler's start to its stop")
    output = (folder / "grade.log").read_text()
    grades = workspace / "grades.csv"
    rows = list(csv.DictReader(grades.open())) if grades.exists() else []
    return {"workspace": workspace, "returncode": returncode, "output": output, "rows": rows, "killed": killed,
            "removals": removals, "leftovers": leftovers}


def test_every_student_gets_exactly_one_row(graded):
    """Does the batch finish, despite a lost worker and a poison task, with exactly one row per student?"""
    assert graded["returncode"] == 0, graded["output"][-3000:]
    assert sorted(row["student_id"] for row in graded["rows"]) == sorted([*CLASS, POISON])
    assert f"[{len(CLASS) + 1}/{len(CLASS) + 1}, " in graded["output"], "plain progress lines when piped"


@pytest.mark.parametrize("student", CLASS)
def test_grades_are_those_of_the_local_run(graded, student):
    """Does each student get the grade the local run gives the same notebook, the lost worker's too?"""
    row = {row["student_id"]: row for row in graded["rows"]}[student]
    _, expected, reasons = CLASS[student]
    assert (row["status"], float(row["score"])) == ("graded", expected), row
    for reason in reasons:
        assert reason in row["reason"], row


def test_the_lost_task_ran_again_on_the_other_worker(graded):
    """Was the sleeper's task running on the killed worker, by the scheduler's own record, and graded after all?"""
    killed = graded["killed"]
    lost = [keys for worker, keys in graded["removals"] if worker == killed["address"]]
    assert len(lost) == 1 and any(f"-{SLEEPER}-" in key for key in lost[0]), graded["removals"]
    assert not _still_running(killed["tree"], 30), "the killed worker's processes outlived it"


def test_a_poison_task_fails_after_bounded_tries(graded):
    """Does a submission that kills every worker it lands on fail, with the reason, after allowed-failures + 1 tries?"""
    deaths = [worker for worker, keys in graded["removals"] if any(f"-{POISON}-" in key for key in keys)]
    assert len(deaths) == ALLOWED_FAILURES + 1, graded["removals"]
    row = {row["student_id"]: row for row in graded["rows"]}[POISON]
    assert (row["status"], float(row["score"])) == ("failed", 0), row
    assert f"died each of the {ALLOWED_FAILURES + 1} times it graded this notebook" in row["reason"], row
    page = (graded["workspace"] / "feedback" / POISON / LESSON / f"{LESSON}.html").read_text()
    assert "could not be graded" in page
    assert not (graded["workspace"] / "state" / f"{POISON}.json").exists(), "grading again must try it again"


def test_the_gradebook_holds_one_complete_submission_per_student(graded):
    """Does the class gradebook hold one submission per student, each with every grade written, as grades.csv says?"""
    from nbgrader.api import Gradebook

    db = graded["workspace"] / "gradebook.db"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        per_student = dict(connection.execute(
            "SELECT sa.student_id, COUNT(*) FROM submitted_assignment sa JOIN assignment a ON a.id = sa.assignment_id "
            "WHERE a.name = ? GROUP BY sa.student_id", (LESSON,)).fetchall())
        grades = connection.execute(
            "SELECT sn.id, COUNT(g.id), (SELECT COUNT(*) FROM grade_cells gc JOIN base_cell bc ON bc.id = gc.id "
            "WHERE bc.notebook_id = sn.notebook_id), "
            "SUM(g.auto_score IS NULL AND g.manual_score IS NULL AND NOT g.needs_manual_grade) "
            "FROM submitted_notebook sn LEFT JOIN grade g ON g.notebook_id = sn.id GROUP BY sn.id").fetchall()
    assert per_student == dict.fromkeys([*CLASS, POISON], 1)
    assert all(written == cells and not blank for _, written, cells, blank in grades), grades
    with Gradebook(f"sqlite:///{db}") as gradebook:
        stored = {s.student.id: s.score for s in gradebook.assignment_submissions(LESSON)}
    assert stored == {row["student_id"]: float(row["score"]) for row in graded["rows"]}


def test_nothing_outlives_the_deployment(graded):
    """Once stopped, is every process of the deployment gone: schedulers, workers, zygotes, kernels?"""
    assert graded["leftovers"] == []
