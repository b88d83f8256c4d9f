"""Exercises make learners decide: what a student can read holds no line of an exercise's solution.

"Lines" are found as `harness.solution_fragments` finds them: each line of a reference solution, and the value a
one-line statement assigns, returns or raises, with spacing and quoting ignored. The hints have their own guard in
tests/test_selfpaced.py (`test_no_hint_gives_away_a_solution`), with the same fragments.
"""

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from harness import fragments_in, released_notebook, solution_fragments, solution_regions, squeeze

from autograder.notebook.course import SOURCE
from autograder.notebook.cells import is_answer_cell, is_manual_answer, is_test_cell, nbgrader_meta

LESSONS = sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb"))

def fragments_by_exercise(lesson: str) -> dict[str, set[str]]:
    """Each exercise's solution fragments."""
    return {grade_id: set().union(*(solution_fragments(code) for code in codes))
            for grade_id, codes in solution_regions(lesson).items()}


def long_lines(code: str) -> list[str]:
    """A solution's non-trivial lines, as the before-stop hook counts them: longer than 20 characters, not comments."""
    return [line.strip() for line in code.splitlines() if len(line.strip()) > 20 and not line.strip().startswith("#")]


def demo_cells(lesson: str) -> list:
    """The student's code cells that are neither an exercise nor a test: set-up, data, demos, plots."""
    return [c for c in released_notebook(lesson).cells
            if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)]


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_demo_cell_copies_a_solution(lesson):
    """Does no exercise stand, line for line, in the student's demo cells (half or more of its long lines)?"""
    shown = {squeeze(line) for cell in demo_cells(lesson) for line in cell.source.splitlines()}
    copies = {}
    for grade_id, codes in solution_regions(lesson).items():
        lines = [squeeze(line) for code in codes for line in long_lines(code)]
        copied = [line for line in lines if line in shown]
        if lines and 2 * len(copied) >= len(lines):
            copies[grade_id] = copied
    assert not copies, f"{lesson}: these exercises are copies of demo cells: {copies}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_prompt_or_explanation_holds_a_solution_line(lesson):
    """Does no Markdown cell of the student's notebook (prompts, explanations, summaries) hold a solution line?"""
    found = {}
    for cell in released_notebook(lesson).cells:
        if cell.cell_type == "markdown" and not is_manual_answer(cell):
            for grade_id, fragments in fragments_by_exercise(lesson).items():
                if hits := fragments_in(cell.source, fragments):
                    found[f"{cell.id} ({grade_id})"] = hits
    assert not found, f"{lesson}: prose holds solution lines: {found}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_visible_test_holds_a_solution_line(lesson):
    """Does no visible test cell, its messages included, hold a line of a solution?"""
    found = {}
    for cell in released_notebook(lesson).cells:
        if is_test_cell(cell):
            for grade_id, fragments in fragments_by_exercise(lesson).items():
                if hits := fragments_in(cell.source, fragments):
                    found[f"{nbgrader_meta(cell)['grade_id']} ({grade_id})"] = hits
    assert not found, f"{lesson}: visible tests hold solution lines: {found}"


def checker_modules(test_source: str) -> set[Path]:
    """The files of autograder/checks/ whose messages a test cell can show: the checks it calls, and the modules
    those import from the package."""
    import autograder.checks

    names = set()
    for node in ast.walk(ast.parse(test_source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "checks":
            names.add(("autograder.checks", node.attr))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograder.checks"):
            names |= {(node.module, alias.name) for alias in node.names}
    todo = [Path(inspect.getsourcefile(getattr(importlib.import_module(module), name))) for module, name in names]
    package, found = Path(autograder.checks.__file__).parent, set()
    while todo:
        path = todo.pop()
        if path in found or path.parent != package:
            continue
        found.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                todo += [package / f"{node.module}.py"] if node.module else [package / f"{a.name}.py" for a in node.names]
    return found


def messages_of(path: Path) -> str:
    """Every piece of text a checker module can put in a message: its string constants, f-strings' pieces too."""
    return " ".join(node.value for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.Constant) and isinstance(node.value, str))


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_message_of_a_check_holds_a_solution_line(lesson):
    """Do the checks that the visible tests call hold no line of the lesson's solutions in their messages?"""
    modules = set().union(*(checker_modules(c.source) for c in released_notebook(lesson).cells if is_test_cell(c)))
    found = {}
    for path in sorted(modules):
        for grade_id, fragments in fragments_by_exercise(lesson).items():
            if hits := fragments_in(messages_of(path), fragments):
                found[f"{path.name} ({grade_id})"] = hits
    assert not found, f"{lesson}: checks' messages hold solution lines: {found}"


def test_the_fragments_find_a_line_and_its_value_whatever_the_spacing():
    """Are a solution's line and the value it assigns found with other spacing and quotes, and a bare name not?"""
    fragments = solution_fragments('order = np.random.default_rng(seed).permutation(len(x))\nreturn model\n'
                                   'if task == "binary":\n    return (1, "sigmoid")  # the yes/no question\n')
    assert fragments_in("use `np.random.default_rng(seed).permutation( len(x) )`", fragments)
    assert fragments_in("return a pair such as (1, 'sigmoid')", fragments) == ["(1,'sigmoid')"]
    assert fragments_in("compare: `if task == 'binary':`", fragments)
    assert not fragments_in("return model", fragments) and not fragments_in("the yes/no question", fragments)
