"""One student's grading as a self-contained task: what a worker needs travels in, the result travels back.

A worker (a local process, or a Dask worker on another machine with the same environment) builds a private
course folder from the task, runs stock `nbgrader autograde` there under the sandbox, and returns the
autograded notebooks and the grades. It never touches the class gradebook: only the driver writes that.

The student's kernel never works in that course folder: nbgrader writes the notebook it runs, hidden tests
restored, into the autograded folder, which stock nbgrader makes the kernel's working folder. The kernel works in
a folder of its own instead (`kernel_folder`), holding the student's own files and the lesson's released data;
what it writes there comes back into the autograded folder afterwards, as with stock nbgrader.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.isolation.confinement import Confinement, grading_confinement, isolation
from autograder.isolation.limits import Limits
from autograder.isolation.watchdog import run_supervised
from autograder.judge.forked import ForkedJudge
from autograder.judge.judging import Judge, JudgePlan
from autograder.judge.serve_cell import add_serve_cell, remove_serve_cell
from autograder.notebook.course import RELEASE, tool_environment, workspace_flags


@dataclass(frozen=True)
class GradeTask:
    """Everything needed to grade one submission, as plain data."""

    assignment: str
    """The assignment id, for example `03_sequential`."""
    student: str
    """The student id."""
    files: dict[str, bytes]
    """The staged submission: relative path -> content."""
    gradebook: bytes
    """A gradebook holding the assignment and no students (the template the worker grades into)."""
    limits: Limits = Limits()
    """What the student's notebook may use."""
    judge: tuple[JudgePlan, ...] = ()
    """How to judge each notebook outside the student's kernel (none: nbgrader's verdicts alone)."""
    zygote: str = ""
    """The socket of a zygote already running on the worker's machine, as the same user, for kernels run under
    `limits`: the driver's, which its local workers share. Empty: the worker uses a zygote of its own."""


@dataclass(frozen=True)
class GradeOutcome:
    """What grading one submission produced."""

    student: str
    """The student id."""
    ok: bool
    """Whether nbgrader autograded the submission (its grades are then in `scores`)."""
    reason: str = ""
    """Why it was not graded (timeout, memory, crash), addressed to the student."""
    autograded: dict[str, bytes] = field(default_factory=dict)
    """The autograded folder: relative path -> content."""
    scores: dict[str, dict] = field(default_factory=dict)
    """Per notebook, per grade id: `auto_score` and `needs_manual_grade`."""
    comments: dict[str, dict] = field(default_factory=dict)
    """Per notebook, per grade id: nbgrader's automatic comment."""
    log: str = ""
    """What nbgrader printed."""
    seconds: float = 0.0
    """Wall time of the task."""
    peak_rss_mb: float = 0.0
    """Peak resident memory of the worker process, in MiB."""
    feedback: dict[str, bytes] = field(default_factory=dict)
    """The student's feedback folder, as stock `nbgrader generate_feedback` wrote it: relative path -> content
    (empty when it could not be written here: the driver writes it then)."""


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _read_grades(db: Path, assignment: str, student: str) -> tuple[dict, dict]:
    from nbgrader.api import Gradebook

    scores, comments = {}, {}
    with Gradebook(f"sqlite:///{db}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            scores[notebook.name] = {
                g.name: {"auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade} for g in notebook.grades
            }
            comments[notebook.name] = {c.name: c.auto_comment for c in notebook.comments}
    return scores, comments


def kernel_environment(limits: Limits) -> dict[str, str]:
    """The environment nbgrader, and so the student's kernel, runs with under `limits`."""
    env = tool_environment()
    if limits.threads:
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            env[name] = str(limits.threads)
    return env


def nbgrader_flags(limits: Limits, scratch: Path, handoff: Path | None = None) -> list[str]:
    """The grading limits that nbgrader itself applies, as its own `--Class.trait=value` flags.

    Without the network (the kernel gets a network namespace of its own where the machine allows it), nbgrader reaches the kernel over Unix sockets in the
    kernel's scratch folder instead of TCP. With a `handoff` folder, the kernel skips the test cells, and nbgrader
    records the judge's verdicts, which the judges leave there (`autograder.judge.verdicts`).
    """
    flags = [f"--Execute.timeout={limits.cell_seconds}", f"--BoundedExecute.max_output_bytes={limits.max_output_mb * 2**20}"]
    if handoff is not None:
        flags.append(f"--BoundedExecute.verdicts_folder={handoff}")
    if not limits.network:
        flags += ["--KernelManager.transport=ipc", f"--KernelManager.ip={scratch / 'runtime' / 'kernel'}"]
    return flags


def run_task(task: GradeTask) -> GradeOutcome:
    """Grade one submission in a private course folder; return the autograded files and grades.

    Args:
        task: the submission, the template gradebook and the limits.

    Returns:
        A `GradeOutcome`; `ok` is False, with the reason, when the notebook was stopped or nbgrader failed.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kmw-task-") as tmp:
        root = Path(tmp)
        root.chmod(0o711)  # a kernel without namespaces, as `nobody`, reaches its folders by name only
        workspace, scratch, work = root / "workspace", root / "scratch", root / "work"
        workspace.mkdir(mode=0o700)
        scratch.mkdir()
        submitted = workspace / "submitted" / task.student / task.assignment
        _write_tree(submitted, task.files)
        released = RELEASE / task.assignment
        given = kernel_folder(work, task.files, released)
        env = kernel_environment(task.limits)
        zygote = ""
        if task.limits.prewarm:
            from autograder.isolation.prewarm import answers, zygote_socket

            zygote = task.zygote if task.zygote and answers(task.zygote) else zygote_socket(env)
        confinement = grading_confinement(task.limits, scratch, work, released, zygote)
        handoff = root / "verdicts"  # the grader's: beside the workspace, out of the kernel's sight
        handoff.mkdir(mode=0o700)
        judges, notes = _start_judges(task, submitted, confinement, zygote, handoff)
        (workspace / "gradebook.db").write_bytes(task.gradebook)
        log = workspace / "logs" / "autograde.log"
        command = [
            sys.executable, "-m", "nbgrader", "autograde", task.assignment, "--student", task.student, "--force",
            *workspace_flags(workspace), *nbgrader_flags(task.limits, scratch, handoff if judges else None),
        ]
        for judge in judges:
            judge.start()
        outcome = run_supervised(command, env, task.limits, confinement, log)
        for judge in judges:
            judge.finished.set()
            judge.join(task.limits.cell_seconds)
            if judge.own_error:
                notes.append(f"{judge.plan.notebook}: the judge failed, the kernel ran the tests: {judge.own_error}")
                continue
            if judge.error:
                notes.append(f"{judge.plan.notebook}: {judge.error}")
            passed = sum(r.passed for r in judge.results.values())
            notes.append(f"{judge.plan.notebook}: {passed} of {len(judge.results)} tests passed outside the "
                         f"kernel, judged in {judge.seconds:.1f} s")
            notes += [f"failed {r.grade_id}: {r.message}" for r in judge.results.values() if not r.passed]
        text = f"[autograder] {isolation().describe()}\n"
        text += log.read_text(errors="replace") if log.exists() else ""
        text += "".join(f"[judge] {note}\n" for note in notes)
        folder = workspace / "autograded" / task.student / task.assignment
        if folder.is_dir():
            bring_back(work, folder, given)
        peak = psutil.Process().memory_info().rss / 2**20
        seconds = time.monotonic() - started
        if outcome.stopped:
            return GradeOutcome(task.student, False, outcome.stopped, log=text, seconds=seconds, peak_rss_mb=peak)
        if outcome.returncode != 0 or not folder.is_dir():
            kept_dying = re.search(r"KernelKeptDying: (.+)", text)
            if kept_dying:
                reason = kept_dying.group(1).strip()
            elif "CellTimeoutError" in text or "Timeout waiting for execute reply" in text:
                reason = f"timed out after {task.limits.cell_seconds} s in {outcome.last_cell}"
            elif "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
                reason = f"the notebook's kernel stopped (it exited or crashed) in {outcome.last_cell}"
            else:
                reason = f"autograde failed: {last_error(text)}"
            return GradeOutcome(task.student, False, reason, log=text, seconds=seconds, peak_rss_mb=peak)
        scores, comments = _read_grades(workspace / "gradebook.db", task.assignment, task.student)
        for judge in judges:
            text += "".join(f"[judge] the added cell showed {line}\n"
                            for line in remove_serve_cell(folder / judge.plan.notebook))
        feedback, note = _feedback(task, workspace, env, confinement)
        text += note
        return GradeOutcome(task.student, True, "", _read_tree(folder), scores, comments, text,
                            time.monotonic() - started, peak, feedback)


def _feedback(task: GradeTask, workspace: Path, env: dict[str, str], confinement: Confinement) -> tuple[dict, str]:
    """Write the student's feedback with stock `nbgrader generate_feedback`, here in the worker, while the other
    workers grade (the driver would otherwise write every page after the last student, on one core).

    Returns the feedback folder's files (none when nbgrader failed: the driver writes the pages then) and a line
    for the log.
    """
    command = [sys.executable, "-m", "nbgrader", "generate_feedback", task.assignment, "--student", task.student,
               "--force", *workspace_flags(workspace)]
    log = workspace / "logs" / "feedback.log"
    outcome = run_supervised(command, env, task.limits, confinement, log)
    folder = workspace / "feedback" / task.student / task.assignment
    if outcome.stopped or outcome.returncode != 0 or not folder.is_dir():
        why = outcome.stopped or last_error(log.read_text(errors="replace") if log.exists() else "")
        return {}, f"[autograder] feedback left to the driver: generate_feedback failed here: {why}\n"
    return _read_tree(folder), ""


def kernel_folder(work: Path, files: dict[str, bytes], released: Path) -> dict[str, bytes]:
    """Fill the kernel's working folder: the submission's files but its notebooks, then the lesson's released files
    but its notebooks (the instructor's data win, as nbgrader's own copy makes them win). Return what it holds."""
    given = {name: content for name, content in files.items() if not name.endswith(".ipynb")}
    if released.is_dir():
        given.update({str(p.relative_to(released)): p.read_bytes() for p in sorted(released.rglob("*"))
                      if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb"})
    work.mkdir(parents=True, exist_ok=True)
    _write_tree(work, given)
    return given


def bring_back(work: Path, autograded: Path, given: dict[str, bytes]) -> list[str]:
    """Copy the files the kernel wrote or changed in its working folder into the autograded folder, where stock
    nbgrader leaves them; never a link, a notebook, or over a file nbgrader put there. Return their names."""
    brought = []
    for root, _, names in os.walk(work):  # links to folders are not followed
        for name in names:
            path = Path(root) / name
            relative = str(path.relative_to(work))
            target = autograded / relative
            if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb" or target.exists():
                continue
            if relative in given and path.read_bytes() == given[relative]:
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target, follow_symlinks=False)
            except OSError:  # a folder of nbgrader's where the kernel had a file, or the reverse: nbgrader's wins
                continue
            brought.append(relative)
    return brought


def _start_judges(task: GradeTask, submitted: Path, confinement: Confinement, zygote: str,
                  handoff: Path) -> tuple[list[Judge], list[str]]:
    """Prepare a judge per notebook, and add the cell that lets each one call the student's functions.

    With a zygote, each judge runs in a fork of it, confined like the kernel but as its own unprivileged user
    (`autograder.judge.forked`); without one, in this process. Each hands its verdicts to nbgrader in `handoff`.
    """
    scratch = Path(confinement.scratch)
    workspace = submitted.parents[2]
    judges, notes = [], []
    for plan in task.judge:
        path = submitted / plan.notebook
        if not path.is_file():
            continue
        number = len(judges)
        socket_path = scratch / "answers" / f"{number}.sock"  # the judge sees this folder only of the kernel's
        socket_path.parent.mkdir(exist_ok=True)
        try:
            if zygote:
                judge = ForkedJudge(plan, socket_path, task.limits.cell_seconds, zygote, confinement,
                                    scratch.parent / f"judge-{number}", workspace / "logs" / f"judge-{number}.log",
                                    handoff)
            else:
                judge = Judge(plan, socket_path, task.limits.cell_seconds, handoff)
        except Exception as error:  # noqa: BLE001 (the instructor's set-up failed: grade as stock nbgrader does)
            notes.append(f"not judged outside the kernel: the set-up cells failed ({type(error).__name__}: {error})")
            continue
        if add_serve_cell(path, socket_path):
            judges.append(judge)
    return judges, notes


def last_error(log: str) -> str:
    """The most telling line of an nbgrader log: its last error, else its last line."""
    lines = log.splitlines()
    errors = [line for line in lines if "| ERROR]" in line or "Error:" in line]
    text = (errors or lines or ["nbgrader failed without a message"])[-1]
    return re.sub(r"^\[\w+ \| ERROR\] ", "", text).strip()[:300]
