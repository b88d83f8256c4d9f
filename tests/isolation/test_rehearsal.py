"""The zygote's rehearsal of nbgrader's first run: work its children no longer repeat, and nothing else it leaves.

Each check runs in a new interpreter, since the suite's own process has long since warmed every cache involved:
one that rehearses first, one that does not.
Work is counted as the set-ups a process makes (cProfile's count of calls, the same on every run), not in seconds.
"""

import json
import subprocess
import sys

import pytest

from autograder.notebook.course import ROOT

AUTOGRADED = ROOT / "source" / "03_sequential" / "03_sequential.ipynb"  # the largest lesson, with its figures

CHILD = """
import cProfile, gc, json, os, pstats, re, sys, tempfile, threading
import bs4.dammit, fastjsonschema, nbformat, pygments.lexer, sqlalchemy.orm
import nbgrader.api
from nbgrader.nbgraderformat import MetadataValidator
from autograder.isolation.rehearsal import LANGUAGE_INFO, feedback_exporter, rehearse

def files():
    return {f"{folder}/{name}" for folder in (".", tempfile.gettempdir()) for name in os.listdir(folder)}

left = {}
if sys.argv[1] == "rehearsed":
    fds, before = set(os.listdir("/proc/self/fd")), files()
    rehearse()
    gc.collect()
    left = {"threads": threading.active_count(), "descriptors": sorted(set(os.listdir("/proc/self/fd")) - fds),
            "files": sorted(files() - before), "tensorflow": "tensorflow" in sys.modules}
compiled = []
real_compile = fastjsonschema.compile
fastjsonschema.compile = lambda *args, **kwargs: compiled.append(1) or real_compile(*args, **kwargs)
nb = nbformat.read(sys.argv[2], as_version=nbformat.NO_CONVERT)
nb.metadata.language_info = LANGUAGE_INFO  # as the kernel that ran it reported

def child():  # what autograde and generate_feedback do to a notebook, the kernel aside
    for relax in (False, True):
        nbformat.validate(nb, relax_add_props=relax)
    MetadataValidator().validate_nb(nb)
    sqlalchemy.orm.configure_mappers()
    for cell in nb.cells:  # as nbgrader's GetGrades leaves them for the feedback page
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.update(score=0.0, comment="")
    grades = {"notebook": "03_sequential", "score": 0.0, "max_score": 10.0, "late_penalty": 0}
    feedback_exporter().from_notebook_node(nb, resources={"nbgrader": grades})

profile = cProfile.Profile()
profile.runcall(child)
ONCE = {("re._compiler", "compile"): "regular expressions", ("pygments.lexer", "process_tokendef"): "lexer tables",
        ("sqlalchemy.orm.mapper", "_do_configure_registries"): "mapper set-ups",
        ("bs4.dammit", "_populate_class_variables"): "entity tables"}
where = {(sys.modules[module].__file__, function): name for (module, function), name in ONCE.items()}
calls = {name: 0 for name in ONCE.values()}
for (path, _, function), row in pstats.Stats(profile).stats.items():
    if (path, function) in where:
        calls[where[path, function]] += row[1]
print(json.dumps({"built": {"json schemas": len(compiled), **calls}, "left": left}))
"""


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    """The same child's work in a fresh interpreter, and in one that rehearsed first (in a folder, and with a
    temporary folder, of its own): what each built, and what the rehearsal left."""
    found = {}
    for mode in ("fresh", "rehearsed"):
        folder = tmp_path_factory.mktemp(mode)
        (folder / "tmp").mkdir()
        env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(folder / "tmp"), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", CHILD, mode, str(AUTOGRADED)], capture_output=True, text=True,
                              cwd=folder, env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        found[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture
def work(children):
    """What each child built."""
    return {mode: child["built"] for mode, child in children.items()}


def test_a_fresh_process_builds_each_table_itself(work):
    """Does a process that did not rehearse compile the schemas, regular expressions and tables itself (so that the
    next test would notice a rehearsal that warms nothing)?"""
    assert all(count > 0 for count in work["fresh"].values()), work["fresh"]


def test_after_the_rehearsal_a_child_builds_none_of_them(work):
    """Does a child validate, check and export a lesson's notebook, as autograde and generate_feedback do, without
    compiling a JSON schema, a regular expression, a lexer's table, the gradebook's mappings or the HTML entities?"""
    assert work["rehearsed"] == dict.fromkeys(work["fresh"], 0)


def test_the_rehearsal_leaves_no_thread_descriptor_file_or_tensorflow(children):
    """After the rehearsal, is there still one thread, no new open descriptor, no new file in the folder or in the
    temporary folder, and no TensorFlow (which must not start before a fork)?"""
    assert children["rehearsed"]["left"] == {"threads": 1, "descriptors": [], "files": [], "tensorflow": False}
