"""Whether a submission can be graded at all, and what the grader will change in its copy: rules that `grade`
and `doctor` share.

`grade` scores a submission that fails `blocking_findings` 0, with the first finding as its reason; `doctor`
reports every finding. `shadows` lists the files `grade` removes from its copy before grading, and `doctor` names.
"""

from __future__ import annotations

import pkgutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.notebook.cells import nbgrader_meta
from autograder.notebook.course import RELEASE
from autograder.notebook.reading import NotebookError, read_notebook


@dataclass(frozen=True)
class Finding:
    """One thing found in a submission."""

    kind: str
    """A short label: `missing-notebook`, `unreadable`, `wrong-name`, `extra-notebook`, `other-assignment`,
    `no-grade-ids`, `duplicate-id`, `missing-cell`, `changed-cell`, `changed-file`, `shadowing` or `tampering`."""
    message: str
    """What was found and what grading will do about it, for the instructor."""
    notebook: str = ""
    """The file the finding is about, relative to the submission folder; empty for the folder itself."""
    grade_id: str = ""
    """The nbgrader grade id of the cell concerned, when there is one."""
    cell: int | None = None
    """The cell's index in the submitted notebook (0 is the first cell), when there is one."""


def grade_ids(nb: nbformat.NotebookNode) -> set[str]:
    """The nbgrader grade ids of a notebook's cells."""
    return {nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def belongs_elsewhere(nb: nbformat.NotebookNode, assignment: str) -> str | None:
    """The other lesson in course/ a notebook was made from, when it shares no id proper to its own.

    Ids that several lessons use (`setup`, `load_data`) say nothing about where a notebook comes from, so
    only each lesson's own ids count; the lesson sharing most of them with the notebook wins.
    """
    by_lesson = {
        folder.name: set().union(*(grade_ids(read_notebook(p)) for p in folder.glob("*.ipynb")))
        for folder in sorted(RELEASE.iterdir()) if folder.is_dir()
    }
    common = Counter(i for ids in by_lesson.values() for i in ids)
    own = {lesson: {i for i in ids if common[i] == 1} for lesson, ids in by_lesson.items()}
    ids = grade_ids(nb)
    if ids & own.get(assignment, set()):
        return None
    matches = {lesson: len(ids & proper) for lesson, proper in own.items() if lesson != assignment and ids & proper}
    return max(matches, key=matches.get) if matches else None


def folder_finding(folder: Path) -> Finding | None:
    """Why there is no submission folder to grade, or None."""
    if folder.is_dir():
        return None
    found = ", ".join(sorted(p.name for p in folder.parent.iterdir())) if folder.parent.is_dir() else ""
    return Finding("missing-notebook", f"no folder {folder.name}/ in the submission" + (f" (found: {found})" if found else ""))


def notebook_finding(folder: Path, name: str, expected: list[str]) -> tuple[Finding | None, nbformat.NotebookNode | None]:
    """Why the notebook `name` of the submission in `folder` cannot be graded, else the notebook, read.

    Args:
        folder: the student's folder for the assignment, named after it.
        name: the notebook's file name.
        expected: every notebook file name of the assignment (the others in the folder are extras).
    """
    path = folder / name
    if path.is_symlink():
        return Finding("unreadable", f"{name} is a link to another file, not a notebook", name), None
    if not path.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in expected)
        if others:
            return Finding("wrong-name", f"missing notebook {name} (found: {', '.join(others)}): rename it to {name}",
                           name), None
        return Finding("missing-notebook", f"missing notebook {name} (found: no notebooks)", name), None
    try:
        nb = read_notebook(path)
    except NotebookError as error:
        return Finding("unreadable", str(error).replace(str(path), name), name), None
    other = belongs_elsewhere(nb, folder.name)
    if other:
        return Finding("other-assignment", f"{name} is the notebook of assignment {other}, not {folder.name}",
                       name), None
    return None, nb


def blocking_findings(folder: Path, notebooks: list[str]) -> list[Finding]:
    """What stops the submission in `folder` (named after its assignment) from being graded; empty when it can be."""
    missing = folder_finding(folder)
    if missing:
        return [missing]
    return [finding for name in notebooks if (finding := notebook_finding(folder, name, notebooks)[0])]


def trusted_module_names() -> set[str]:
    """Top-level names a file beside the notebook could shadow: the standard library, every installed package, and
    this course's own package."""
    names = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    names |= {module.name for module in pkgutil.iter_modules()}
    return names | {"autograder", "sitecustomize", "usercustomize"}


@dataclass(frozen=True)
class Shadow:
    """A file in a submission that Python would load in place of, or beside, trusted code."""

    path: Path
    """Relative to the submission folder."""
    why: str
    """What it is or would do, for the instructor."""
    link: bool = False
    """Whether it is a link (to a file anywhere on the grading machine)."""


def shadows(folder: Path) -> list[Shadow]:
    """Links anywhere in the folder; `.pth` and `.so` files, and files or folders named like a trusted module,
    at its top (where the kernel's `sys.path` starts)."""
    found = [Shadow(p.relative_to(folder), f"is a link to {p.readlink()}", link=True)
             for p in sorted(folder.rglob("*")) if p.is_symlink()]
    trusted = trusted_module_names()
    for path in sorted(folder.iterdir()):
        stem = path.name[:-3] if path.name.endswith(".py") else path.name
        if path.is_symlink():
            continue
        if path.suffix in (".pth", ".so"):
            found.append(Shadow(Path(path.name), f"is a {path.suffix} file, which can run code when Python starts "
                                                 f"or imports"))
        elif stem in trusted and (path.is_dir() or path.suffix == ".py"):
            found.append(Shadow(Path(path.name), f"would be imported instead of the module {stem}"))
    return found
