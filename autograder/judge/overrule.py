"""Put the judge's verdicts into an autograded notebook: a test that passed only in the student's kernel loses.

`judging.py` runs every test cell again outside the student's kernel. The grade of a test is the lower of the
two verdicts: this module lowers nbgrader's score where the judge disagrees, and shows the judge's message
in the test cell, so that the feedback and `grades.csv` say why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat

from autograder.notebook.cells import is_test_cell, nbgrader_meta

from .answer_server import SERVE_CELL
from .judging import UNAVAILABLE, Judge

MARK = "kmw_answer_server"
"""The metadata key of the cell the grader adds (and removes again after grading)."""
PREFIX = "Checked again outside your notebook, this test failed: "
"""How the feedback introduces the judge's message."""
ASK = "Does an answer cell change how the notebook runs its cells, or the grader's tools? Remove that code."


def add_serve_cell(path: Path, socket_path: Path) -> bool:
    """Append the cell that serves the student's answers to the judge; return False when the notebook is unreadable."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 (nbgrader reports an unreadable notebook itself)
        return False
    cell = nbformat.v4.new_code_cell(SERVE_CELL.format(path=str(socket_path)))
    cell.metadata[MARK] = True
    nb.cells.append(cell)
    rewrite(nb, path)
    return True


def rewrite(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write `nb` over the file at `path`, keeping its permissions.

    nbgrader leaves the notebooks it writes read-only (its `permissions` trait, 444). Root writes through that;
    anyone else must replace the file instead, so that grading works the same without root.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    tmp = path.with_name(f".{path.name}.kmw-tmp")
    nbformat.write(nb, tmp)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def overrule(folder: Path, scores: dict[str, dict], judges: list[Judge]) -> list[str]:
    """Lower the scores of tests the judge failed, note why in their cells, and remove the added cell.

    Args:
        folder: the student's autograded folder.
        scores: per notebook name, per grade id, `auto_score` (changed in place).
        judges: the finished judges, one per notebook.

    Returns:
        One line per overruled test: `grade id: message`.
    """
    lines = []
    for judge in judges:
        path = folder / judge.plan.notebook
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get(MARK):
                lines += [f"(the added cell) {o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                          if o.get("output_type") == "error"]
        nb.cells = [cell for cell in nb.cells if not cell.metadata.get(MARK)]
        grades = scores.get(path.stem, {})
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            found = grades.get(grade_id)
            if not is_test_cell(cell) or not found or not found.get("auto_score") or judge.own_error:
                continue
            verdict = judge.results.get(grade_id)
            if verdict is not None and verdict.passed:
                continue
            if verdict is None:
                message = f"{UNAVAILABLE}: {judge.error or 'no answer'}. {ASK}"
            elif verdict.message.startswith(UNAVAILABLE):
                message = f"{verdict.message}. {ASK}"
            else:
                message = PREFIX + verdict.message
            found["auto_score"] = 0.0
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="AssertionError", evalue=message, traceback=[f"AssertionError: {message}"]))
            lines.append(f"{grade_id}: {message}")
        rewrite(nb, path)
    return lines
