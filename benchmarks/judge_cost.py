"""What judging a test outside the kernel costs, test by test, against running it in the student's namespace.

Runs a lesson's reference answers (the instructor notebook's cells, tests left out) in a namespace that stands for
the student's kernel. Then, for each round, runs each test cell twice, alternating: once in that namespace, as
stock nbgrader's kernel runs it (the baseline), and once judged, through `judging.LocalConnection`, which turns
every call and every model into the bytes the socket would carry and back. Both happen in this one process, so the
difference is the judge's own work (encoding, rebuilding models, the wrapped calls) without the socket, the fork
and the confinement.

    .venv/bin/python benchmarks/judge_cost.py                       # lesson 03, 2 rounds
    .venv/bin/python benchmarks/judge_cost.py --lesson 04_functional --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from harness import make_submission  # noqa: E402

from autograder.judge.judging import LocalConnection, bind, plan_for, prepare, run_test, working_folder  # noqa: E402
from autograder.notebook.cells import is_test_cell  # noqa: E402


@dataclass
class TestTiming:
    grade_id: str
    kernel: list[float]
    """Seconds per round, run in the student's namespace."""
    judged: list[float]
    """Seconds per round, judged through a LocalConnection."""


def _quietly(code: str, namespace: dict) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 (the course's own cells)


def measure(lesson: str, rounds: int) -> tuple[float, list[TestTiming]]:
    """Seconds for the reference answers' cells, and each test's timings."""
    source = ROOT / "source" / lesson / f"{lesson}.ipynb"
    os.chdir(source.parent)
    student: dict = {"__name__": "__main__"}
    started = time.perf_counter()
    for cell in make_submission(lesson).cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            _quietly(cell.source, student)
    cells_seconds = time.perf_counter() - started
    plan = plan_for(source)
    judge_namespace = prepare(plan)
    connection = LocalConnection(student)
    timings = {test.grade_id: TestTiming(test.grade_id, [], []) for test in plan.tests}
    for _ in range(rounds):
        with working_folder(plan) as folder:
            for test in plan.tests:
                started = time.perf_counter()
                with contextlib.suppress(Exception):  # a failing test still costs what it cost
                    _quietly(test.code, dict(student))
                timings[test.grade_id].kernel.append(time.perf_counter() - started)
                bind(plan, judge_namespace, connection, folder)
                started = time.perf_counter()
                run_test(test, judge_namespace)
                timings[test.grade_id].judged.append(time.perf_counter() - started)
    return cells_seconds, list(timings.values())


def format_table(timings: list[TestTiming]) -> str:
    """Median seconds per test in the kernel and judged, and their ratio; the totals last."""
    lines = [f"{'test':58} {'kernel':>7} {'judged':>7} {'ratio':>6}", "-" * 81]
    kernel_total = judged_total = 0.0
    for timing in timings:
        kernel, judged = statistics.median(timing.kernel), statistics.median(timing.judged)
        kernel_total, judged_total = kernel_total + kernel, judged_total + judged
        lines.append(f"{timing.grade_id:58} {kernel:7.2f} {judged:7.2f} {judged / max(kernel, 1e-3):6.2f}")
    lines.append(f"{'all tests':58} {kernel_total:7.2f} {judged_total:7.2f} {judged_total / max(kernel_total, 1e-3):6.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="03_sequential")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every test, each way (default: %(default)s)")
    args = parser.parse_args(argv)
    cells_seconds, timings = measure(args.lesson, args.rounds)
    print(f"{args.lesson}: the reference answers' cells took {cells_seconds:.2f} s; median of {args.rounds} rounds:")
    print(format_table(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
