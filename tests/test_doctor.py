"""`python -m autograder doctor`: one finding per kind of trouble, each with its message; clean work gets none.

No kernel runs here: the doctor only reads files.
"""

import hashlib
import os

import nbformat
import pytest
from harness import make_submission, released_notebook, solutions

from autograder.cli import main
from autograder.grading.doctor import diagnose_submission, scan_code

LESSON = "03_sequential"
NAME = f"{LESSON}.ipynb"
ANSWER = "build_sequential_model"
TEST = "build_sequential_model_layers"


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _without(grade_id):
    nb = make_submission(LESSON)
    nb.cells.remove(_cell(nb, grade_id))
    return nb


def _folder(tmp_path, nb=None, name=NAME):
    folder = tmp_path / "submitted" / "student" / LESSON
    folder.mkdir(parents=True)
    if nb is not None:
        nbformat.write(nb, folder / name)
    return folder


def _messages(folder):
    return [(f.kind, f.message) for f in diagnose_submission(folder, LESSON)]


@pytest.mark.parametrize("build", [lambda: make_submission(LESSON), lambda: released_notebook(LESSON)],
                         ids=["passes-all", "not-started"])
def test_clean_submission_gets_no_findings(tmp_path, build):
    """Does a solved notebook, or the untouched release, get no findings at all?"""
    assert diagnose_submission(_folder(tmp_path, build()), LESSON) == []


@pytest.mark.parametrize("lesson", ["01_what_is_a_model", "02_layers", "04_functional", "05_model_wars"])
def test_reference_answers_of_every_lesson_look_clean(tmp_path, lesson):
    """Do the reference answers of the other lessons raise no false alarm?"""
    folder = tmp_path / lesson
    folder.mkdir()
    nbformat.write(make_submission(lesson), folder / f"{lesson}.ipynb")
    assert diagnose_submission(folder, lesson) == []


def test_duplicate_grade_id(tmp_path):
    """Is a test cell pasted twice reported as a duplicate grade id?"""
    nb = make_submission(LESSON)
    pasted = nbformat.from_dict(dict(_cell(nb, TEST)))
    pasted.id = "pasted-copy"
    nb.cells.append(pasted)
    assert _messages(_folder(tmp_path, nb)) == [("duplicate-id", (
        f"grade id {TEST} is on 2 cells; nbgrader keeps the last one and runs the others as ordinary cells, unchecked"
    ))]


def test_missing_test_cell(tmp_path):
    """Is a deleted test cell reported, with the news that the grader puts it back?"""
    assert _messages(_folder(tmp_path, _without(TEST))) == [
        ("missing-cell", f"test cell {TEST} is missing; the grader puts deleted test cells back before grading"),
    ]


def test_missing_read_only_cell(tmp_path):
    """Is a deleted read-only set-up cell reported, with the warning that it is not put back?"""
    assert _messages(_folder(tmp_path, _without("load_data"))) == [
        ("missing-cell",
         "read-only cell load_data is missing; the grader does not put it back, so the tests that rely on it may fail"),
    ]


def test_missing_answer_cell(tmp_path):
    """Is a deleted answer cell reported?"""
    assert _messages(_folder(tmp_path, _without(ANSWER))) == [
        ("missing-cell", f"answer cell {ANSWER} is missing; its tests will fail"),
    ]


def test_changed_test_cell(tmp_path):
    """Is a test cell whose code was edited reported as changed, and its code not scanned as the student's?"""
    nb = make_submission(LESSON)
    _cell(nb, TEST).source = "import os\nos._exit(0)  # nbgrader restores this cell, so it never runs"
    assert _messages(_folder(tmp_path, nb)) == [("changed-cell", (
        f"test cell {TEST} was changed: it differs from the release in its code; "
        "nbgrader restores the released cell when grading"
    ))]


def test_changed_metadata_of_a_test_cell(tmp_path):
    """Is a test cell whose points were raised reported as changed?"""
    nb = make_submission(LESSON)
    _cell(nb, TEST).metadata.nbgrader["points"] = 100
    assert _messages(_folder(tmp_path, nb)) == [("changed-cell", (
        f"test cell {TEST} was changed: it differs from the release in its nbgrader metadata (points); "
        "nbgrader restores the released cell when grading"
    ))]


def test_notebook_of_another_assignment(tmp_path):
    """Is lesson 02's notebook, handed in under lesson 03's name, reported as another assignment's?"""
    assert _messages(_folder(tmp_path, make_submission("02_layers"))) == [
        ("other-assignment", f"{NAME} is the notebook of assignment 02_layers, not {LESSON}"),
    ]


def test_notebook_without_nbgrader_cells(tmp_path):
    """Is a notebook whose cells lost their nbgrader metadata reported?"""
    nb = make_submission(LESSON)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    assert _messages(_folder(tmp_path, nb)) == [("no-grade-ids", (
        f"{NAME} has no nbgrader cells at all (was it copied into a new notebook?); nbgrader cannot grade it"
    ))]


@pytest.mark.parametrize("text, message", [
    ("{ not json", f"{NAME} is not a valid notebook (JSON error at line 1: Expecting property name enclosed in double quotes)."),
    ("", f"{NAME} is empty: not a notebook."),
], ids=["not-json", "empty"])
def test_unreadable_notebook(tmp_path, text, message):
    """Is a file that is not a notebook reported with the reason?"""
    folder = _folder(tmp_path)
    (folder / NAME).write_text(text)
    assert _messages(folder) == [("unreadable", message)]


def test_wrong_name(tmp_path):
    """Is a notebook saved under another name reported, with the name to give it?"""
    folder = _folder(tmp_path, make_submission(LESSON), name="Untitled.ipynb")
    assert _messages(folder) == [
        ("wrong-name", f"missing notebook {NAME} (found: Untitled.ipynb): rename it to {NAME}"),
    ]


def test_missing_notebook(tmp_path):
    """Is a folder without the notebook reported?"""
    assert _messages(_folder(tmp_path)) == [("missing-notebook", f"missing notebook {NAME} (found: no notebooks)")]


def test_missing_folder(tmp_path):
    """Is a student folder without the assignment's folder reported, with what it holds?"""
    (tmp_path / "student" / "lesson3").mkdir(parents=True)
    assert [(f.kind, f.message) for f in diagnose_submission(tmp_path / "student" / LESSON, LESSON)] == [
        ("missing-notebook", f"no folder {LESSON}/ in the submission (found: lesson3)"),
    ]


def test_extra_notebook(tmp_path):
    """Is a second notebook beside the right one reported as not graded?"""
    folder = _folder(tmp_path, make_submission(LESSON))
    nbformat.write(make_submission(LESSON), folder / "scratch.ipynb")
    assert _messages(folder) == [("extra-notebook", f"scratch.ipynb is not part of {LESSON}; it is not graded")]


def test_changed_data_file(tmp_path):
    """Is an edited data file reported?"""
    folder = _folder(tmp_path, make_submission(LESSON))
    (folder / "exam_results.csv").write_text("studied,passed\n1,1\n")
    assert _messages(folder) == [
        ("changed-file", "exam_results.csv differs from the released file; nbgrader grades with the instructor's copy"),
    ]


@pytest.mark.parametrize("name, message", [
    ("keras.py", "keras.py would be imported instead of the module keras; the grader removes it before grading"),
    ("autograder", "autograder would be imported instead of the module autograder; the grader removes it before grading"),
    ("evil.pth", "evil.pth is a .pth file, which can run code when Python starts or imports; "
                 "the grader removes it before grading"),
])
def test_file_that_shadows_a_module(tmp_path, name, message):
    """Is a file or folder named like a module the notebook imports reported?"""
    folder = _folder(tmp_path, make_submission(LESSON))
    (folder / name).mkdir() if "." not in name else (folder / name).write_text("")
    assert _messages(folder) == [("shadowing", message)]


def test_link_in_the_submission(tmp_path):
    """Is a symbolic link in the folder reported?"""
    folder = _folder(tmp_path, make_submission(LESSON))
    os.symlink("/etc/hostname", folder / "notes.txt")
    assert _messages(folder) == [
        ("shadowing", "notes.txt is a link to /etc/hostname; the grader removes links before grading"),
    ]


# Each hostile line, put at the top of the build_sequential_model answer, and what the doctor says.
TAMPERING = [
    ("from autograder import checks\nchecks.assert_layers = lambda *args, **kwargs: None",
     "line 2: assigns autograder.checks.assert_layers, which changes what the tests use"),
    ("checks.assert_layers = lambda *args, **kwargs: None",
     "line 1: assigns autograder.checks.assert_layers, which changes what the tests use"),
    ("import keras as K\nK.Model.get_config = lambda self: {}",
     "line 2: assigns keras.Model.get_config, which changes what the tests use"),
    ("keras.Sequential.summary = print", "line 1: assigns keras.Sequential.summary, which changes what the tests use"),
    ("import builtins\nbuiltins.isinstance = lambda obj, kind: True",
     "line 1: imports builtins, which can replace functions the tests rely on"),
    ("get_ipython().showtraceback = lambda *args, **kwargs: None",
     "line 1: assigns get_ipython().showtraceback, which changes what the tests use"),
    ("import sys\nsys.modules['autograder.checks'] = object()",
     "line 2: assigns sys.modules[...], which swaps a module for another object"),
    ("text = open('../../source/03_sequential/03_sequential.ipynb').read()",
     "line 1: names the path '../../source/03_sequential/03_sequential.ipynb', outside the student's own folder"),
    ("from pathlib import Path\nsecret = Path('..') / 'source'",
     "line 2: builds a path with 'source', outside the student's own folder"),
    ("db = 'gradebook.db'", "line 1: names the path 'gradebook.db', outside the student's own folder"),
    ("import os\nos.listdir('../../submitted/')",
     "line 2: names the path '../../submitted/', outside the student's own folder"),
    ("log = open('.git/HEAD')", "line 1: names the path '.git/HEAD', outside the student's own folder"),
    ("import socket", "line 1: imports socket: network access"),
    ("from urllib.request import urlopen", "line 1: imports urllib.request: network access"),
    ("import requests", "line 1: imports requests: network access"),
    ("import http.client", "line 1: imports http.client: network access"),
    ("import os\nos._exit(0)", "line 2: calls os._exit, which ends or kills the kernel"),
    ("import sys\nsys.exit()", "line 2: calls sys.exit, which ends or kills the kernel"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)",
     "line 2: sets a handler for SIGINT with signal.signal; a cell that ignores SIGINT cannot be stopped at its time limit"),
    ("import subprocess", "line 1: imports subprocess: starts other processes"),
    ("import os\nos.fork()", "line 2: calls os.fork: starts other processes"),
    ("from multiprocessing import Process", "line 1: imports multiprocessing: starts other processes"),
    ("!cat ../../source/03_sequential/03_sequential.ipynb",
     "line 1: runs a shell command (system): starts other processes"),
]


@pytest.mark.parametrize("code, message", TAMPERING, ids=[m.split(": ", 1)[1][:40] for _, m in TAMPERING])
def test_tampering_in_an_answer(tmp_path, code, message):
    """Is each sign of tampering in an answer cell reported with the cell, the line and what it does?"""
    nb = make_submission(LESSON, {ANSWER: code + "\n\n" + solutions(LESSON)[ANSWER]})
    findings = diagnose_submission(_folder(tmp_path, nb), LESSON)
    assert [f.kind for f in findings] and {f.kind for f in findings} == {"tampering"}
    index = nb.cells.index(_cell(nb, ANSWER))  # the doctor counts cells from 0, as nbformat does
    assert f"cell {index} ({ANSWER}), {message}" in [f.message for f in findings]
    assert {(f.grade_id, f.cell) for f in findings} == {(ANSWER, index)}


def test_tampering_in_a_cell_the_student_added(tmp_path):
    """Is hostile code in a new cell, without nbgrader metadata, reported too?"""
    nb = make_submission(LESSON)
    nb.cells.insert(18, nbformat.v4.new_code_cell("import builtins\nbuiltins.print = None"))
    messages = [f.message for f in diagnose_submission(_folder(tmp_path, nb), LESSON)]
    assert messages == [
        "cell 18, line 1: imports builtins, which can replace functions the tests rely on",
        "cell 18, line 2: assigns builtins.print, which changes what the tests use",
    ]


def test_scan_skips_what_is_harmless():
    """Are ordinary answers, strings that merely mention a word, and broken code left alone?"""
    assert scan_code("checks = []\nchecks[0] = 1") == []
    assert scan_code("print('You submitted the source of your model')") == []
    assert scan_code("model.layers[0].trainable = False\nkeras.utils.set_random_seed(1)") == []
    assert scan_code("def broken(:\n    import socket") == []


def _hashes(root):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def test_doctor_command_lists_each_student_and_changes_nothing(tmp_path, capsys):
    """Does `doctor` print "ok" or the findings per student, exit 0, and leave every file as it was?"""
    for student, nb in {"alice": make_submission(LESSON), "bob": _without(TEST)}.items():
        folder = tmp_path / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NAME)
    before = _hashes(tmp_path)
    assert main(["doctor", LESSON, "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["alice", "ok"]
    assert out[1].split() == ["bob", "1", "finding(s)"]
    assert out[2] == (f"  [missing-cell] {NAME}: test cell {TEST} is missing; "
                      "the grader puts deleted test cells back before grading")
    assert out[-1] == f"{LESSON}: 1 of 2 submissions ok, 1 with findings."
    assert _hashes(tmp_path) == before


@pytest.mark.parametrize("assignment, workspace, fragment", [
    ("99_nothing", "", "There is no assignment '99_nothing'"),
    (LESSON, "missing", "No submissions:"),
])
def test_doctor_command_refuses_what_does_not_exist(tmp_path, capsys, assignment, workspace, fragment):
    """Does `doctor` exit 2 with a reason when the assignment or the submitted folder does not exist?"""
    assert main(["doctor", assignment, "--workspace", str(tmp_path / workspace)]) == 2
    assert fragment in capsys.readouterr().err
