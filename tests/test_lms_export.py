"""Grades an LMS imports: the Canvas and per-test nbgrader export plugins, on a gradebook with known content."""

import pytest
from generated_class import NOT_DONE, Outcome, build_class
from generated_class import tests_of as lesson_tests
from harness import source_notebook
from traitlets.config import Config

from autograder.export.canvas import CanvasExportPlugin
from autograder.export.per_test import PerTestExportPlugin
from autograder.notebook.course import ROOT, run_nbgrader, workspace_flags

UNITS = "Layer 2 should be Dense(8, activation='relu'); yours is Dense(32, activation='relu'). Change its units to 8."
COUNT = "count_dense_params(3, 4) should be 16; yours is 12. Count one bias per unit, too."
TIMEOUT = "timed out after 300 s in the cell that defines train_for_exam"
WRITTEN = "when_sequential_is_not_enough"
GRADED = [(c.metadata.nbgrader["grade_id"], f"{c.metadata.nbgrader['points']:g}")
          for c in source_notebook("03_sequential").cells if c.metadata.get("nbgrader", {}).get("grade")]
"""Lesson 03's graded cells in notebook order, with their points: 15 for the tests, 2 for the written answer."""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Two lessons graded: alice did both; bob, carol (who timed out) and erin (untouched) only 03; dave nothing."""
    from nbgrader.api import Gradebook

    folder = tmp_path_factory.mktemp("lms")
    alice = {"first_name": "Alice", "last_name": "Liddell", "lms_user_id": "1001"}
    build_class(folder, "02_layers", [Outcome("alice", {"count_dense_params_small_layers": ("AssertionError", COUNT)},
                                              1.0, **alice)], register=("03_sequential",))
    build_class(folder, "03_sequential", [
        Outcome("alice", written=2.0),
        Outcome("bob", {"build_sequential_model_layers": ("AssertionError", UNITS)}, None),
        Outcome("carol", status="failed", reason=TIMEOUT, seconds=300.0),
        Outcome("erin", dict.fromkeys(lesson_tests("03_sequential"), NOT_DONE), "blank"),
    ])
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        gradebook.add_student("dave")
    return folder


def export(workspace, plugin: str, *flags: str) -> str:
    """Run the real `nbgrader export --exporter=autograder.export.<plugin>` on the workspace; return the CSV."""
    out = workspace / f"{plugin}.csv"
    done = run_nbgrader(["export", f"--exporter=autograder.export.{plugin}", f"--to={out}", *flags,
                         *workspace_flags(workspace)])
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text()


def test_canvas_csv_has_what_canvas_imports(workspace):
    """Does the Canvas CSV hold Canvas's identity columns, the Points Possible row and each student's points,
    with an empty cell for a missing submission and for a student the gradebook lacks?"""
    text = export(workspace, "canvas.CanvasExportPlugin", '--student=["alice","ghost","bob","carol","dave","erin"]')
    assert text == (
        "Student,ID,SIS User ID,SIS Login ID,Section,02_layers,03_sequential\n"
        "Points Possible,,,,,8,17\n"
        '"Liddell, Alice",1001,,alice,,5,17\n'
        "ghost,,,ghost,,,\n"
        "bob,,,bob,,,13\n"
        "carol,,,carol,,,0\n"
        "dave,,,dave,,,\n"
        "erin,,,erin,,,0\n"
    )


def test_per_test_csv_has_each_test_with_its_message(workspace):
    """Does the per-test CSV give each test's points and failure message, and say why a submission went ungraded?"""
    text = export(workspace, "per_test.PerTestExportPlugin", '--assignment=["03_sequential"]',
                  '--student=["alice","bob","carol","erin","ghost"]')
    lines = text.splitlines()
    assert lines[0] == "student_id,assignment,test,points,max_points,message"
    not_done = "Not done yet: replace `raise NotImplementedError()` in the exercise with your code."
    expected = [f"alice,03_sequential,{t},{m},{m}," for t, m in GRADED]
    expected += [f'bob,03_sequential,{t},0,{m},"{UNITS}"' if t == "build_sequential_model_layers"
                 else f"bob,03_sequential,{t},,{m},written answer: not graded yet" if t == WRITTEN
                 else f"bob,03_sequential,{t},{m},{m}," for t, m in GRADED]
    expected += [f"carol,03_sequential,{t},0,{m},not graded: {TIMEOUT}" for t, m in GRADED]
    expected += [f"erin,03_sequential,{t},0,{m},No response." if t == WRITTEN
                 else f"erin,03_sequential,{t},0,{m},{not_done}" for t, m in GRADED]
    expected += [f"ghost,03_sequential,{t},,{m}," for t, m in GRADED]
    assert lines[1:] == expected


def _run(plugin, workspace) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gradebook:
        plugin.export(gradebook)
    return open(plugin.to).read()


def test_canvas_columns_follow_the_settings(workspace, tmp_path):
    """Does the id go to SIS User ID, the column take Canvas's title, and an unknown assignment stay out?"""
    plugin = CanvasExportPlugin(to=str(tmp_path / "c.csv"), id_column="SIS User ID", assignment=["03_sequential",
                                "99_unknown"], titles={"03_sequential": "Lesson 3: Sequential (4242)"})
    assert _run(plugin, workspace) == (
        "Student,ID,SIS User ID,SIS Login ID,Section,Lesson 3: Sequential (4242)\n"
        "Points Possible,,,,,17\n"
        '"Liddell, Alice",1001,alice,,,17\n'
        "bob,,bob,,,13\n"
        "carol,,carol,,,0\n"
        "dave,,dave,,,\n"
        "erin,,erin,,,0\n"
    )


def test_per_test_csv_reads_partial_credit_and_config(workspace, tmp_path):
    """Configured without nbgrader's app, does the per-test export find the autograded notebooks and manual points?"""
    config = Config()
    config.CourseDirectory.root = str(ROOT)
    config.CourseDirectory.autograded_directory = str(workspace / "autograded")
    plugin = PerTestExportPlugin(config=config, to=str(tmp_path / "p.csv"), assignment=["02_layers"],
                                 student=["alice", "dave"])
    assert _run(plugin, workspace) == (
        "student_id,assignment,test,points,max_points,message\n"
        f'alice,02_layers,count_dense_params_small_layers,0,2,"{COUNT}"\n'
        "alice,02_layers,count_dense_params_matches_keras,1,1,\n"
        "alice,02_layers,output_layer_for_each_task,2,2,\n"
        "alice,02_layers,output_layer_for_unknown_task,1,1,\n"
        "alice,02_layers,sigmoid_for_exam_scores,1,2,\n"
        "dave,02_layers,count_dense_params_small_layers,,2,\n"
        "dave,02_layers,count_dense_params_matches_keras,,1,\n"
        "dave,02_layers,output_layer_for_each_task,,2,\n"
        "dave,02_layers,output_layer_for_unknown_task,,1,\n"
        "dave,02_layers,sigmoid_for_exam_scores,,2,\n"
    )
