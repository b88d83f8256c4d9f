"""course/ is what stock nbgrader makes of source/, and nothing of the instructor's leaks into it."""

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.notebook.course import RELEASE, ROOT, SOURCE, run_nbgrader

LESSONS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
COURSE_FOLDERS = ["01_what_is_a_model", "02_layers", "03_sequential", "04_functional", "05_model_wars"]


def test_lessons_use_the_course_folder_names():
    """Is every lesson folder one of the five fixed course folders?"""
    assert LESSONS and set(LESSONS) <= set(COURSE_FOLDERS)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """Release every lesson again with stock nbgrader, into a scratch folder: one run, the assignment id a glob."""
    out = tmp_path_factory.mktemp("release")
    done = run_nbgrader([
        "generate_assignment", "*", "--force",
        f"--CourseDirectory.release_directory={out}",
        f"--CourseDirectory.db_url=sqlite:///{out / 'gradebook.db'}",
    ])
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.pipeline  # stock nbgrader releases every lesson again
@pytest.mark.parametrize("lesson", LESSONS)
def test_course_matches_a_fresh_release(regenerated, lesson):
    """Does course/ hold exactly what `nbgrader generate_assignment` makes of source/ now?"""
    ours, fresh = RELEASE / lesson, regenerated / lesson
    names = sorted(p.name for p in fresh.iterdir())
    assert sorted(p.name for p in ours.iterdir() if p.name != ".ipynb_checkpoints") == names
    _, mismatch, errors = filecmp.cmpfiles(ours, fresh, names, shallow=False)
    assert not mismatch and not errors, f"course/{lesson} is stale: run `make release` and commit it ({mismatch})"


@pytest.mark.parametrize("lesson", LESSONS)
def test_course_has_no_solutions_or_hidden_tests(lesson):
    """Is the student version free of solutions, hidden tests and their markers?"""
    text = "\n".join(p.read_text() for p in (RELEASE / lesson).glob("*.ipynb"))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    source = "\n".join(p.read_text() for p in (SOURCE / lesson).glob("*.ipynb"))
    for nb in (SOURCE / lesson).glob("*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            code = "".join(cell["source"])
            for block in code.split("### BEGIN HIDDEN TESTS")[1:]:
                hidden = block.split("### END HIDDEN TESTS")[0].strip()
                assert hidden and hidden not in text
    assert source != text


@pytest.mark.parametrize("notebook", sorted(SOURCE.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_source_notebooks_hold_no_outputs(notebook):
    """Are the instructor notebooks stripped of outputs and execution counts?"""
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{notebook}: run `make strip`"


@pytest.mark.parametrize("notebook", sorted(SOURCE.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_test_cell_opens_with_a_question(notebook):
    """Does every autograded test cell start with a one-line docstring asking what it checks?"""
    for cell in json.loads(notebook.read_text())["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            first = "".join(cell["source"]).splitlines()[0]
            assert first.startswith('"""') and first.rstrip().endswith('?"""'), f"{meta['grade_id']}: {first}"


def test_bundled_data_match_their_generator(tmp_path):
    """Does scripts/make_data.py, run again, write exactly the data files committed in source/?"""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_data.py"), str(tmp_path)], check=True, capture_output=True)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    assert written
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (SOURCE / relative).read_bytes(), f"{relative} is stale"


@pytest.mark.parametrize("notebook", sorted(SOURCE.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_stripping_changes_nothing(notebook, tmp_path):
    """Is each source notebook already as `make strip` (nbstripout) leaves it, nbgrader metadata and all?"""
    copy = tmp_path / notebook.name
    copy.write_bytes(notebook.read_bytes())
    subprocess.run([str(Path(sys.executable).parent / "nbstripout"), "--keep-id", str(copy)], check=True)
    assert copy.read_bytes() == notebook.read_bytes(), f"{notebook}: run `make strip` and commit"
