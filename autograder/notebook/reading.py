"""Read a notebook file, with a reason a person understands when it is not one."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat


class NotebookError(ValueError):
    """The file given is not a notebook that can be checked."""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook, or raise NotebookError with a reason a person understands."""
    if not path.exists():
        raise NotebookError(f"{path}: no such file.")
    if path.is_dir():
        raise NotebookError(f"{path} is a folder; give the .ipynb file inside it.")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise NotebookError(f"{path} is empty: not a notebook.")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path} is not a valid notebook (JSON error at line {error.lineno}: {error.msg}).") from None
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 (nbformat's own validation errors vary by version)
        raise NotebookError(f"{path} is not a valid notebook: {error}") from None
