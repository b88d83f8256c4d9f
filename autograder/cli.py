"""The course's commands: `python -m autograder grade ...` and `python -m autograder check ...`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.isolation.limits import Limits
from autograder.notebook.course import DEFAULT_WORKSPACE


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading.batch import grade_assignment
    from autograder.grading.errors import FeedbackError, GradingError
    from autograder.notebook.presentation import GradingProgress, format_summary, write_grades_csv

    workspace = Path(args.workspace)
    limits = Limits(
        cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout, memory_mb=args.memory_mb,
        max_processes=args.max_processes, network=args.allow_network, threads=args.threads,
        max_output_mb=args.max_output_mb, prewarm=args.prewarm,
    )
    from autograder.isolation.confinement import isolation

    if not isolation().namespaces:  # said once, at the start; each student's log says it too
        print(isolation().describe(), flush=True)

    feedback_error = None
    try:
        with GradingProgress(args.assignment) as progress:
            grades = grade_assignment(
                args.assignment, workspace, progress=progress, limits=limits, force=args.force,
                workers=args.workers, scheduler=args.scheduler, judge=not args.no_judge,
            )
    except FeedbackError as error:
        grades, feedback_error = error.grades, error
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_grades_csv(grades, workspace / "grades.csv")
    print()
    print(format_summary(grades))
    print(f"Grades: {workspace / 'grades.csv'}   Feedback: {workspace / 'feedback'}")
    if feedback_error:
        print(f"error: {feedback_error}", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    from autograder.lesson.notebook_check import check_notebook
    from autograder.notebook.presentation import format_check
    from autograder.notebook.reading import NotebookError

    try:
        result = check_notebook(args.notebook, timeout=args.timeout)
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_check(result))
    return 0 if all(t.passed for t in result.tests) else 1


def _doctor(args: argparse.Namespace) -> int:
    from autograder.grading.doctor import diagnose_workspace, format_report
    from autograder.notebook.reading import NotebookError

    try:
        results = diagnose_workspace(args.assignment, Path(args.workspace))
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_report(args.assignment, results))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .class_report import ReportError, make_report

    try:
        page = make_report(args.assignment, Path(args.workspace))
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Class report: {page}")
    return 0


def _register(args: argparse.Namespace) -> int:
    from autograder.grading.register import register_lessons

    try:
        added = register_lessons(Path(args.workspace))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if added:
        print(f"Registered in the gradebook, for the formgrader: {', '.join(added)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `python -m autograder`."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Keras Model Wars course tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade every submission of an assignment (instructors)")
    grade.add_argument("assignment", help="assignment id, for example 03_sequential")
    grade.add_argument(
        "--workspace", default=str(DEFAULT_WORKSPACE),
        help="folder with submitted/<student_id>/<assignment>/*.ipynb; results go there too (default: %(default)s)",
    )
    defaults = Limits()
    grade.add_argument("--cell-timeout", type=int, default=defaults.cell_seconds, help="seconds per cell (default: %(default)s)")
    grade.add_argument("--notebook-timeout", type=int, default=defaults.notebook_seconds,
                       help="seconds per notebook (default: %(default)s)")
    grade.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="memory per notebook (default: %(default)s)")
    grade.add_argument("--max-processes", type=int, default=defaults.max_processes,
                       help="processes per notebook (default: %(default)s)")
    grade.add_argument("--max-output-mb", type=int, default=defaults.max_output_mb,
                       help="output kept per notebook; the rest is dropped with a note (default: %(default)s)")
    grade.add_argument("--threads", type=int, default=defaults.threads,
                       help="CPU threads per notebook, 0 for TensorFlow's default (default: %(default)s)")
    grade.add_argument("--allow-network", action="store_true", help="let notebooks use the network (default: off)")
    grade.add_argument("--no-prewarm", dest="prewarm", action="store_false",
                       help="start each student's kernel from scratch, instead of forking it from a worker's "
                            "process that imported TensorFlow once (default: prewarm)")
    grade.add_argument("--force", action="store_true", help="grade again submissions already graded as they are")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="submissions graded at once on this machine (default: the number of cores, %(default)s)")
    grade.add_argument("--scheduler", default=None,
                       help="grade on an existing Dask cluster instead, for example tcp://10.0.0.5:8786")
    grade.add_argument("--no-judge", action="store_true",
                       help="trust the tests' verdicts in each student's kernel, as stock nbgrader does (default: "
                            "run them again outside it, so that no answer cell can disarm them)")
    grade.set_defaults(run=_grade)

    check = commands.add_parser("check", help="check your own notebook against its visible tests (learners)")
    check.add_argument("notebook", help="path to your .ipynb file")
    check.add_argument("--timeout", type=int, default=120, help="seconds each cell may take (default: %(default)s)")
    check.set_defaults(run=_check)

    doctor = commands.add_parser("doctor", help="list what looks wrong in each submission, before grading (instructors)")
    doctor.add_argument("assignment", help="assignment id, for example 03_sequential")
    doctor.add_argument("--workspace", default=str(DEFAULT_WORKSPACE),
                        help="folder with submitted/<student_id>/<assignment>/ (default: %(default)s)")
    doctor.set_defaults(run=_doctor)

    report = commands.add_parser("report", help="write a class report with plots: scores, each test's pass rate, "
                                                "common failure messages (instructors)")
    report.add_argument("assignment", help="assignment id, for example 03_sequential")
    report.add_argument("--workspace", default=str(DEFAULT_WORKSPACE),
                        help="the grading folder; the report goes to its report/ folder (default: %(default)s)")
    report.set_defaults(run=_report)

    register = commands.add_parser(
        "register", help="put every lesson the gradebook does not know yet into it, so that the formgrader lists "
                         "it (instructors; `make instructor` runs it)")
    register.add_argument("--workspace", default=str(DEFAULT_WORKSPACE),
                          help="the grading folder whose gradebook.db to fill (default: %(default)s)")
    register.set_defaults(run=_register)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command and return its exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args)
