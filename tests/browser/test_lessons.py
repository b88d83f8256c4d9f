"""Every released lesson, run cell by cell in JupyterLab as a student would: no surprises, and pictures show."""

import ast
import re

import pytest
from browser_lab import (
    artifact,
    cell_locator,
    cells,
    errors,
    finish_running,
    open_notebook,
    relative,
    shot,
    start_running,
)

from autograder.notebook.cells import is_noise
from autograder.notebook.course import RELEASE

pytestmark = pytest.mark.browser

LESSONS = sorted(p.name for p in RELEASE.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
FIGURE_CALLS = ("plt.show()", "draw_model(")


def unexpected_errors(shown):
    """Errors other than an empty exercise's NotImplementedError and the NameErrors that follow from it.


    A cell that waits for an exercise fails with NotImplementedError, so the names it assigns are never made; a later
    cell that uses one of them fails with NameError. Both are what an unsolved lesson shows; anything else is a bug.
    """
    unmade, unexpected = set(), []
    for cell in shown:
        for ename, evalue in errors(cell):
            if not is_expected(ename, evalue, unmade):
                unexpected.append((cell["id"], ename, evalue))
            unmade |= assigned_names(cell["source"])
    return unexpected


def is_expected(ename, evalue, unmade=()):
    """An empty exercise's NotImplementedError (raised, or reported by a check), or a NameError for a name that an
    earlier, failed cell would have made."""
    missing = re.match(r"name '(\w+)' is not defined", evalue)
    return (
        ename == "NotImplementedError"
        or (ename == "AssertionError" and "NotImplementedError" in evalue)
        or (ename == "NameError" and missing is not None and missing[1] in unmade)
    )


def assigned_names(source):
    """The names a cell assigns or defines at its top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        for target in getattr(node, "targets", []) + [getattr(node, "target", None)]:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} if target is not None else set()
    return names


def _is_figure_cell(cell):
    return cell["type"] == "code" and any(call in cell["source"] for call in FIGURE_CALLS)


@pytest.fixture(scope="module")
def lesson_runs(lab, browser):
    """Every lesson open in its own page, all run at once (their kernels share the CPU), then read back.

    Yields each lesson's page (kept open for screenshots) and its cells after the run.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)
    pages = {lesson: context.new_page() for lesson in LESSONS}
    paths = {lesson: relative(next((RELEASE / lesson).glob("*.ipynb"))) for lesson in LESSONS}
    for lesson, page in pages.items():
        open_notebook(page, lab, paths[lesson])
        start_running(page, paths[lesson])
    runs = {}
    for lesson, page in pages.items():
        finish_running(page)
        runs[lesson] = (page, cells(page, paths[lesson]))
    yield runs
    context.close()
    lab.end_sessions()


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_without_unexpected_errors(lesson_runs, lesson):
    """Run every cell of the released lesson in JupyterLab: does no cell show an error but an empty exercise's
    'not implemented' (and what follows from it), and does nothing land on stderr?"""
    page, shown = lesson_runs[lesson]
    unexpected = unexpected_errors(shown)
    assert not unexpected, f"{lesson}: cells show errors: {unexpected}"
    stderr = [
        (c["id"], o["text"][:200]) for c in shown for o in c["outputs"]
        if o.get("output_type") == "stream" and o.get("name") == "stderr" and not is_noise(o["text"])
    ]
    assert not stderr, f"{lesson}: cells write to stderr (a red box for the student): {stderr}"
    first_error = next((c for c in shown if errors(c)), None)
    if first_error:
        shot(page, f"{lesson}-first-not-implemented", cell_locator(page, first_error["id"]))
    shot(page, f"{lesson}-end", cell_locator(page, shown[-1]["id"]))


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_figures_render_as_images(lesson_runs, lesson):
    """Does every image output show as a decoded picture, and does every figure cell show one, unless it waits
    for an exercise?"""
    page, shown = lesson_runs[lesson]
    rendered = 0
    for cell in shown:
        pictures = [o for o in cell["outputs"] if "image/png" in o.get("data", {})]
        assert len(cell["images"]) == len(pictures), f"{lesson}/{cell['id']}: an image output did not render"
        assert all(img["width"] > 0 and img["height"] > 0 for img in cell["images"]), f"{lesson}/{cell['id']}"
        if _is_figure_cell(cell):
            assert pictures or errors(cell), f"{lesson}/{cell['id']}: no figure, and no error to explain why"
        if cell["images"]:
            rendered += 1
            cell_locator(page, cell["id"]).screenshot(path=str(artifact(f"{lesson}-figure-{rendered}")))
