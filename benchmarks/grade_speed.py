"""Benchmark: grade N generated submissions with stock serial `nbgrader autograde`, then with
`python -m autograder grade`, in one run on this machine, and compare.

    python benchmarks/grade_speed.py [--lesson 03_sequential] [-n 20] [--workers CORES]

Prints the speed-up of the project's command over stock serial nbgrader (the baseline, run in the same process),
the median seconds per submission, the peak memory of one worker (an nbgrader process and the kernel it runs),
and whether both gave every student the same score. Machines are noisy: read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import make_submission, submit  # noqa: E402

from autograder.course import run_nbgrader, tool_environment, workspace_flags  # noqa: E402

WRONG = {  # a few wrong answers, so that the class is not all full marks
    "03_sequential": {"build_sequential_model": "def build_sequential_model(n_features):\n    return None\n"},
    "02_layers": {"count_dense_params": "def count_dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n"},
}


def make_class(lesson: str, n: int, workspace: Path) -> None:
    """Write n submissions: every third one has a wrong answer."""
    for i in range(n):
        answers = WRONG.get(lesson, {}) if i % 3 == 2 else {}
        submit(workspace, f"student-{i:03d}", lesson, make_submission(lesson, answers))


class PeakMemory(threading.Thread):
    """Sample the resident memory of each nbgrader process together with its kernels; keep the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.running = True

    def run(self) -> None:
        while self.running:
            for proc in psutil.process_iter(["cmdline"]):
                try:
                    if "nbgrader" in " ".join(proc.info["cmdline"] or []) and "autograde" in proc.info["cmdline"]:
                        rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                        self.peak_mb = max(self.peak_mb, rss / 2**20)
                except psutil.Error:
                    continue
            time.sleep(0.5)


def scores(workspace: Path, lesson: str) -> dict[str, float]:
    """Each student's score in a workspace's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(lesson)}


def stock_serial(lesson: str, workspace: Path) -> float:
    """Stock nbgrader, one student after another, then feedback; return the seconds it took."""
    started = time.monotonic()
    for step in (["generate_assignment", lesson, "--force"], ["autograde", lesson, "--force"], ["generate_feedback", lesson]):
        done = run_nbgrader([*step, *workspace_flags(workspace)])
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:])
    return time.monotonic() - started


def ours(lesson: str, workspace: Path, workers: int) -> float:
    """The project's command; return the seconds it took (assignment set-up included)."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade", lesson, "--workspace", str(workspace),
                    "--workers", str(workers)], env=tool_environment(), check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="03_sequential")
    parser.add_argument("-n", type=int, default=20, help="submissions (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kmw-bench-") as tmp:
        stock_ws, our_ws = Path(tmp) / "stock", Path(tmp) / "ours"
        make_class(args.lesson, args.n, stock_ws)
        make_class(args.lesson, args.n, our_ws)
        memory = PeakMemory()
        memory.start()
        baseline = stock_serial(args.lesson, stock_ws)
        stock_peak, memory.peak_mb = memory.peak_mb, 0.0
        ours_seconds = ours(args.lesson, our_ws, args.workers)
        memory.running = False
        with (our_ws / "grades.csv").open() as handle:
            import csv

            per = [float(r["seconds"]) for r in csv.DictReader(handle) if r["status"] == "graded"]
        same = scores(stock_ws, args.lesson) == scores(our_ws, args.lesson)
    print(f"lesson {args.lesson}, {args.n} submissions, {args.workers} workers, {os.cpu_count()} cores")
    print(f"stock serial nbgrader (generate, autograde, feedback): {baseline:7.1f} s  ({baseline / args.n:.1f} s per submission)")
    print(f"python -m autograder grade:                            {ours_seconds:7.1f} s  (median {statistics.median(per):.1f} s per submission in a worker)")
    print(f"speed-up over stock serial:      {baseline / ours_seconds:7.2f}x  (goal on 2 cores: 1.8x)")
    print(f"peak memory of one worker:       {memory.peak_mb:7.0f} MiB (stock: {stock_peak:.0f} MiB; goal: at most 1024 MiB)")
    print(f"same score for every student:    {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
