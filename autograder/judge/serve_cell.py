"""The cell the grader adds at the end of a student's notebook, so that the judge can call the student's functions.

While nbgrader runs the notebook, its last cell (`answer_server.serve`) answers the judge's calls (`judging.py`).
nbgrader's Execute step (`autograder.grading.bounded_execute`) recognises it by its metadata (`MARK`); after
grading, the cell is removed again from the autograded notebook, so that the student never sees it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat

from .answer_server import SERVE_CELL

MARK = "kmw_answer_server"
"""The metadata key of the cell the grader adds (and removes again after grading)."""


def is_serve_cell(cell: dict) -> bool:
    """Whether `cell` is the one the grader added."""
    return bool(cell.get("metadata", {}).get(MARK))


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


def remove_serve_cell(path: Path) -> list[str]:
    """Remove the added cell from an autograded notebook; return the errors it showed, one line each."""
    if not path.is_file():
        return []
    nb = nbformat.read(path, as_version=4)
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for cell in nb.cells if is_serve_cell(cell)
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    nb.cells = [cell for cell in nb.cells if not is_serve_cell(cell)]
    rewrite(nb, path)
    return errors
