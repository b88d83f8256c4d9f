"""The README stays short and points to the docs pages, and what the docs name exists: files, modules, make targets."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = ("docs/students.md", "docs/instructors.md", "docs/grading.md", "docs/developers.md")
"""One page per audience, each linked from the README."""
DOCS = [README, ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
"""Every page of documentation whose references must hold."""
MAX_README_LINES = 100

PATH = re.compile(r"autograder/[\w./-]*")
DOTTED = re.compile(r"\bautograder(?:\.\w+)+")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
MAKE = re.compile(r"(?:^|`)make ([\w-]+)", re.M)
TARGET = re.compile(r"^([\w.-]+)\s*:(?!=)", re.M)


def _name(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


def module_paths(text: str) -> set[str]:
    """The `autograder/...` paths a page mentions, without a sentence's closing full stop."""
    return {match.rstrip(".") for match in PATH.findall(text)}


def defines(module: Path, name: str) -> bool:
    """Whether a module's source defines `name` at its top level (a class, a function or an assignment)."""
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
        if isinstance(node, ast.ImportFrom) and any((alias.asname or alias.name) == name for alias in node.names):
            return True
    return False


def resolves(dotted: str) -> bool:
    """Whether `autograder.a.b.c` names a module or package of the repository, or a name one of them defines."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if module.is_file():
            rest = parts[end:]
            return not rest or (len(rest) == 1 and defines(module, rest[0]))
    return False


def make_targets() -> set[str]:
    """The targets the Makefile defines."""
    return set(TARGET.findall((ROOT / "Makefile").read_text()))


def test_the_readme_is_short():
    """Is the README at most 100 lines, so that a student finds how to start without scrolling past the rest?"""
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; move detail to a page under docs/"


@pytest.mark.parametrize("page", PAGES)
def test_the_readme_links_each_audience_page(page):
    """Does the README link each audience's page, and does that page exist?"""
    assert f"]({page})" in README.read_text(), f"README.md does not link {page}"
    assert (ROOT / page).is_file(), f"{page} is linked from README.md but does not exist"


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_package_path_exists(doc):
    """Does every `autograder/...` path a page mentions exist in the repository?"""
    missing = sorted(path for path in module_paths(doc.read_text()) if not (ROOT / path).exists())
    assert missing == [], f"{_name(doc)} mentions paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_dotted_module_name_resolves(doc):
    """Does every `autograder.x.y` name a page mentions name a module of the package, or something one defines?"""
    stale = sorted(name for name in set(DOTTED.findall(doc.read_text())) if not resolves(name))
    assert stale == [], f"{_name(doc)} mentions names that the package does not have: {stale}"


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_relative_link_exists(doc):
    """Does every relative link of a page (another page, an image) point to a file that exists?"""
    links = [link for link in LINK.findall(doc.read_text()) if "://" not in link and not link.startswith("mailto:")]
    missing = sorted(link for link in links if not (doc.parent / link).exists())
    assert missing == [], f"{_name(doc)} links files that do not exist: {missing}"


def test_every_make_command_in_the_readme_exists():
    """Is every `make X` the README tells people to run a target of the Makefile?"""
    named = set(MAKE.findall(README.read_text()))
    assert named, "the README names no make command: has the set-up section lost them?"
    assert named - make_targets() == set()


def test_the_checks_can_fail():
    """Do the path, name and target checks catch a stale reference, such as the old `autograder/sandbox.py`?"""
    assert module_paths("see `autograder/sandbox.py`.") == {"autograder/sandbox.py"}
    assert not (ROOT / "autograder/sandbox.py").exists()
    assert not resolves("autograder.sandbox.start")
    assert not resolves("autograder.isolation.watchdog.no_such_function")
    assert resolves("autograder.isolation.watchdog.start")
    assert resolves("autograder.grading.feedback.HideHiddenTests")
    assert MAKE.findall("run `make lab`, then\nmake no-such-target") == ["lab", "no-such-target"]
    assert "no-such-target" not in make_targets() and {"lab", "test"} <= make_targets()
