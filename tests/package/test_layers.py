"""The package's rooms and the one-way arrows between them, read from the source: imports inside functions count."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"

LAYERS = (
    ("__main__", "cli", "classroom"),
    ("class_report", "export"),
    ("grading",),
    ("judge",),
    ("isolation",),
    ("__init__", "lesson"),
    ("checks",),
    ("model",),
    ("notebook",),
)
"""Top to bottom. A module may import modules of its own room and of any room below it, never above.

Two stacks share the bottom: lesson helpers -> teaching checks -> model descriptions, for learners; grading ->
judge -> isolation -> notebook helpers, for instructors. The package's `__init__` is the lessons' public face.
"""
RANK = {room: len(LAYERS) - index for index, rooms in enumerate(LAYERS) for room in rooms}


def module_name(path: Path) -> str:
    """`autograder.grading.batch` for autograder/grading/batch.py; `autograder` for autograder/__init__.py."""
    parts = ("autograder", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The room a module lives in: its subpackage, or its own name for a top-level module."""
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules that a file imports, anywhere in it (functions included)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            # the longest package module the name reaches: `autograder.checks.shapes.fmt_shape` is in checks.shapes
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != here:
                found.add(name)
    return found


@functools.cache
def graph(package: Path | None = None) -> dict[str, set[str]]:
    """Each module of the package, with the package modules it imports."""
    files = sorted((package or PACKAGE).rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imports(p, modules) for p in files}


def test_every_room_is_known():
    """Does every module of the package live in a room that the layers name?"""
    assert {room(m) for m in graph()} <= set(RANK)


@pytest.mark.parametrize("module", sorted(graph()))
def test_imports_only_point_down(module):
    """Does this module import only from its own room and the rooms below it?"""
    up = sorted(target for target in graph()[module]
                if room(target) != room(module) and RANK[room(target)] > RANK[room(module)])
    assert not up, f"{module} ({room(module)}) imports from rooms above it: {up}"


def test_no_import_cycle():
    """Is the import graph free of cycles, imports inside functions included?"""
    edges, state, cycles = graph(), {}, []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target] if target in trail else [node, target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, f"import cycles: {cycles}"


def test_an_upward_import_inside_a_function_is_seen(tmp_path, monkeypatch):
    """Does the walk see an import inside a function that points up a layer?"""
    fake = tmp_path / "autograder"
    (fake / "model").mkdir(parents=True)
    (fake / "grading").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "model" / "__init__.py").write_text("")
    (fake / "grading" / "__init__.py").write_text("")
    (fake / "grading" / "batch.py").write_text("")
    (fake / "model" / "sneaky.py").write_text("def f():\n    from ..grading.batch import grade\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert graph(fake)["autograder.model.sneaky"] == {"autograder.grading.batch"}
    assert RANK[room("autograder.grading.batch")] > RANK[room("autograder.model.sneaky")]
