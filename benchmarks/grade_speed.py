"""Benchmark: grade N generated submissions with stock serial `nbgrader autograde`, then with
`python -m autograder grade` as it is, without its judge, and without prewarmed kernels, in one run on this
machine, and compare.

    python benchmarks/grade_speed.py [--lesson 03_sequential] [-n 20] [--workers CORES] [--variants default,no-judge]

Stock nbgrader grades the first half of the class before the project's runs and the second half after them (its
seconds are the sum), so that a drift of the machine's speed over the minutes of a run weighs on both sides;
`--no-interleave` grades the whole class first, as earlier versions did.

Prints the speed-up of each run of the project's command over stock serial nbgrader (the baseline, run in the
same process), the median seconds per submission, the peak memory per worker (every grading process: nbgrader,
its kernels, the zygote; proportional set size, so that pages a zygote shares with its kernels count once), and
whether every run gave every student the same score. Machines are noisy: read the ratios, not the seconds.
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

from autograder.notebook.course import run_nbgrader, tool_environment, workspace_flags  # noqa: E402

WRONG = {  # a few wrong answers, so that the class is not all full marks
    "03_sequential": {"build_sequential_model": "def build_sequential_model(n_features):\n    return None\n"},
    "02_layers": {"count_dense_params": "def count_dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n"},
}


def make_class(lesson: str, n: int, workspace: Path, first: int = 0) -> None:
    """Write submissions `first` to n - 1 of a class of n: every third one has a wrong answer."""
    for i in range(first, n):
        answers = WRONG.get(lesson, {}) if i % 3 == 2 else {}
        submit(workspace, f"student-{i:03d}", lesson, make_submission(lesson, answers))


GRADING = ("autograde", "autograder.isolation.zygote")
"""Arguments of a process that grades: stock `nbgrader autograde`, and a zygote."""


def is_grading(cmdline: list[str]) -> bool:
    """Whether a process grades: nbgrader autograde, a zygote, or a Dask worker (it holds TensorFlow for the judge)."""
    return any(part in GRADING for part in cmdline) or any("spawn_main" in part for part in cmdline)


class PeakMemory(threading.Thread):
    """Sample the memory of every grading process with its descendants, together; keep the peak.

    Proportional set size (PSS) counts a page shared by n processes as 1/n in each, so a zygote and the
    kernels forked from it are not counted several times for the TensorFlow they share.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.running = True
        self._lock = threading.Lock()
        self._generation = 0

    def restart(self, peak_mb: float = 0.0) -> None:
        """Keep the peak from here on, starting at `peak_mb`: a sample taken before this moment is dropped (one
        running meanwhile would otherwise carry the last run's processes into the next run's peak)."""
        with self._lock:
            self._generation += 1
            self.peak_mb = peak_mb

    def sample(self) -> float:
        """The memory of all grading processes now, in MiB."""
        found: dict[int, psutil.Process] = {}
        for proc in psutil.Process().children(recursive=True):  # this benchmark's, not another grader's
            try:
                cmdline = proc.cmdline()
                if is_grading(cmdline) and proc.pid not in found:
                    found[proc.pid] = proc
                    found.update((child.pid, child) for child in proc.children(recursive=True))
            except psutil.Error:
                continue
        total = 0
        for proc in found.values():
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                continue
        return total / 2**20

    def run(self) -> None:
        while self.running:
            generation = self._generation
            found = self.sample()
            with self._lock:
                if generation == self._generation:
                    self.peak_mb = max(self.peak_mb, found)
            time.sleep(1.0)  # reading PSS walks every page of a process: sample rarely, or the sampler costs CPU


def scores(workspace: Path, lesson: str) -> dict[str, float]:
    """Each student's score in a workspace's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(lesson)}


def stock_serial(lesson: str, workspace: Path, steps: list[list[str]]) -> float:
    """Stock nbgrader's `steps` (generate_assignment, autograde, generate_feedback), one after the other, in
    `workspace`; return the seconds they took."""
    started = time.monotonic()
    for step in steps:
        done = run_nbgrader([*step, *workspace_flags(workspace)])
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:])
    return time.monotonic() - started


VARIANTS = {  # name -> extra flags of `python -m autograder grade`
    "default": [],
    "no-judge": ["--no-judge"],
    "no-prewarm": ["--no-prewarm"],
}


def ours(lesson: str, workspace: Path, workers: int, flags: list[str]) -> float:
    """The project's command; return the seconds it took (assignment set-up included)."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade", lesson, "--workspace", str(workspace),
                    "--workers", str(workers), *flags],
                   env=tool_environment(), check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def median_seconds(workspace: Path) -> float:
    """The median seconds per graded submission, from grades.csv."""
    import csv

    with (workspace / "grades.csv").open() as handle:
        return statistics.median(float(r["seconds"]) for r in csv.DictReader(handle) if r["status"] == "graded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="03_sequential")
    parser.add_argument("-n", type=int, default=20, help="submissions (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="runs of ours, among %(default)s: default settings, without the judge outside the "
                             "kernel, without prewarmed kernels")
    parser.add_argument("--no-interleave", action="store_true",
                        help="grade the whole class with stock nbgrader first, then run ours; by default stock grades "
                             "the first half before our runs and the second half after them")
    args = parser.parse_args()
    runs = [("python -m autograder grade" if name == "default" else f"  ... --{name}", VARIANTS[name])
            for name in args.variants.split(",")]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kmw-bench-") as tmp:
        stock_ws = Path(tmp) / "stock"
        # The machine's speed drifts over minutes: with stock's time split around ours, a drift weighs on both.
        half = args.n if args.no_interleave else args.n // 2
        make_class(args.lesson, half, stock_ws)
        memory = PeakMemory()
        memory.start()
        generate, autograde, feedback = (["generate_assignment", args.lesson, "--force"], ["autograde", args.lesson],
                                         ["generate_feedback", args.lesson])
        baseline = stock_serial(args.lesson, stock_ws, [generate, autograde] + ([feedback] if half == args.n else []))
        stock_peak = memory.peak_mb
        results = []
        for index, (label, flags) in enumerate(runs):
            workspace = Path(tmp) / f"ours-{index}"
            make_class(args.lesson, args.n, workspace)
            memory.restart()
            seconds = ours(args.lesson, workspace, args.workers, flags)
            results.append((label, seconds, median_seconds(workspace), memory.peak_mb / args.workers,
                            scores(workspace, args.lesson)))
        if half < args.n:  # the rest of the class, in the same workspace: autograde skips the students graded
            make_class(args.lesson, args.n, stock_ws, first=half)
            memory.restart(stock_peak)
            baseline += stock_serial(args.lesson, stock_ws, [autograde, feedback])
            stock_peak = memory.peak_mb
        memory.running = False
        expected = scores(stock_ws, args.lesson)
        results = [(label, seconds, median, peak, found == expected) for label, seconds, median, peak, found in results]
    order = "stock on the whole class first" if half == args.n else f"stock on {half} before ours, {args.n - half} after"
    print(f"lesson {args.lesson}, {args.n} submissions, {args.workers} workers, {os.cpu_count()} cores ({order}); "
          f"load average before {load_before:.1f}, after {os.getloadavg()[0]:.1f} (another job on the cores skews it)")
    print(f"{'run':28} {'seconds':>8} {'speed-up':>9} {'median/sub':>11} {'MiB/worker':>11}  same scores")
    print(f"{'stock serial nbgrader':28} {baseline:8.1f} {1:8.2f}x {baseline / args.n:10.1f}s {stock_peak:11.0f}  -")
    for label, seconds, median, peak, same in results:
        print(f"{label:28} {seconds:8.1f} {baseline / seconds:8.2f}x {median:10.1f}s {peak:11.0f}  "
              f"{'yes' if same else 'NO'}")
    print("goal on 2 cores: 1.8x, at most 1024 MiB per worker. Stock's median/sub is its mean (all steps / n);")
    print("ours is the median task in a worker. MiB/worker: peak PSS of all grading processes / workers.")


if __name__ == "__main__":
    main()
