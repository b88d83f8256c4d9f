"""Prepare a private copy of a submission for grading: the original is never touched.

Test cells that a student deleted come back from the released notebook, in their place, so that the
answers are still tested; copies of a graded cell are dropped (nbgrader itself restores the source of test
cells that were edited).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat

from autograder.notebook.cells import is_test_cell, nbgrader_meta

from .preflight import shadows


def submission_hash(folder: Path) -> str:
    """A fingerprint of every file in a submission folder, to tell whether it changed since it was graded."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def restore_test_cells(nb: nbformat.NotebookNode, released: nbformat.NotebookNode) -> list[str]:
    """Put back the released notebook's test cells that `nb` lacks; return their grade ids."""
    present = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
    restored = []
    for index, cell in enumerate(released.cells):
        grade_id = nbgrader_meta(cell).get("grade_id")
        if not is_test_cell(cell) or grade_id in present:
            continue
        # Insert after the cell that precedes it in the release, when the student kept that one.
        before = nbgrader_meta(released.cells[index - 1]).get("grade_id") if index else None
        ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
        position = ids.index(before) + 1 if before in ids else min(index, len(nb.cells))
        nb.cells.insert(position, nbformat.from_dict(dict(cell)))
        present.add(grade_id)
        restored.append(grade_id)
    return restored


def remove_shadowing(folder: Path) -> list[str]:
    """Delete links, `.pth` files, and files or folders that would shadow a trusted module; return their names."""
    found = shadows(folder)
    links = sorted((s for s in found if s.link), key=lambda s: s.path, reverse=True)  # the deepest first
    removed = []
    for shadow in links + [s for s in found if not s.link]:
        path = folder / shadow.path
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        removed.append(str(shadow.path))
    return removed


def drop_duplicates(nb: nbformat.NotebookNode) -> list[str]:
    """Keep only the first cell of each nbgrader grade id (a copied test cell must not count twice)."""
    seen, kept, dropped = set(), [], []
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id and grade_id in seen:
            dropped.append(grade_id)
            continue
        seen.add(grade_id)
        kept.append(cell)
    nb.cells = kept
    return dropped


def make_writable(folder: Path) -> None:
    """Give the owner write permission on every folder and file below `folder` (links are left alone)."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


def stage(original: Path, staged: Path, release: Path) -> list[str]:
    """Copy a submission folder to `staged`, made safe to grade; return what was changed in the copy.

    Args:
        original: the student's folder, `submitted/<student>/<assignment>`.
        staged: where the copy goes (replaced if it exists).
        release: the assignment's released folder, whose notebooks hold the test cells.
    """
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(original, staged, symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    make_writable(staged)  # nbgrader's exchange hands in read-only files: the copy is ours to change
    notes = [f"removed {name}" for name in remove_shadowing(staged)]
    restored = []
    for released_path in sorted(release.glob("*.ipynb")):
        path = staged / released_path.name
        if not path.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        dropped = drop_duplicates(nb)
        added = restore_test_cells(nb, nbformat.read(released_path, as_version=4))
        if added or dropped:
            nbformat.write(nb, path)
            restored += added
            notes += [f"dropped a copy of cell {grade_id}" for grade_id in dropped]
    return notes + [f"restored test cell {grade_id}" for grade_id in restored]
