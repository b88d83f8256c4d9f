"""Prewarmed grading: kernels forked from one worker's zygote (autograder/isolation/zygote.py) share nothing between students.

With one worker, the class is graded in student order by the same zygote: the first student patches everything
a kernel could carry over (modules, builtins, the environment, globals, files in every folder it may write) and
leaves a process behind; the next two students look for each of those traces. A student who finds none scores
full marks, and prints what it looked at, so that a failure says what leaked.

The zygote also forks nbgrader and the judge: each task's log says where its nbgrader came from, and a fourth
student's answer tries to read and kill every process it can see, each time the judge calls it: with namespaces,
it sees none but its own.
"""

import ast
import csv
import re
import subprocess
import sys

import psutil
import pytest
from harness import make_submission, printed_line, solutions, submit

from autograder.isolation.confinement import isolation

LESSON = "02_layers"
FULL = 6
SANDBOXED = isolation().namespaces  # as root, or with user namespaces
# Where a kernel may write. Without namespaces nothing hides the machine's /tmp, so it is shared by design.
FOLDERS = '(os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir()' + (', "/tmp")' if SANDBOXED else ')')
LINGERING = "sleep 613"  # a process the first student leaves behind

PATCHES = f'''import builtins, os, subprocess, sys, tempfile
import keras, numpy, tensorflow as tf
FOLDERS, LINGERING = {FOLDERS}, {LINGERING!r}
keras.LEAKED = tf.LEAKED = numpy.LEAKED = builtins.LEAKED = "from student a"
keras.layers.Dense.LEAKED = "from student a"
keras.utils.set_random_seed = lambda seed: None
sys.modules["leaked_module"] = sys
os.environ["KMW_LEAKED"] = "from student a"
LEAKED_GLOBAL = "from student a"
for folder in FOLDERS:
    try:
        open(os.path.join(folder, "leaked.txt"), "w").write("from student a")
    except OSError:
        pass
lingering = subprocess.Popen(LINGERING.split(), start_new_session=True)
print("KERNEL_ORIGIN", open("/proc/self/cmdline").read().replace("\\0", " "))  # a fork keeps its zygote's
zygote_socket = open("/proc/self/cmdline").read().split("\\0")[-2]
try:
    import socket
    socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).connect(zygote_socket)
    print("REACHED_ZYGOTE yes")
except OSError as error:
    print("REACHED_ZYGOTE no", error)
'''

LOOKS_FOR_LEAKS = f'''import builtins, os, sys, tempfile
import keras, numpy, tensorflow as tf
FOLDERS = {FOLDERS}
traces = {{
    "keras attribute": hasattr(keras, "LEAKED"), "tensorflow attribute": hasattr(tf, "LEAKED"),
    "numpy attribute": hasattr(numpy, "LEAKED"), "builtin": hasattr(builtins, "LEAKED"),
    "Dense attribute": hasattr(keras.layers.Dense, "LEAKED"),
    "patched keras function": getattr(keras.utils.set_random_seed, "__name__", "") == "<lambda>",
    "module": "leaked_module" in sys.modules, "environment": "KMW_LEAKED" in os.environ,
    "global": "LEAKED_GLOBAL" in globals(),
    "the zygote's temporary folder": not os.access(tempfile.gettempdir(), os.W_OK),
    "files": [f for f in FOLDERS if os.path.exists(os.path.join(f, "leaked.txt"))],
}}
LEAKS = sorted(name for name, seen in traces.items() if seen)
print("KERNEL_ORIGIN", open("/proc/self/cmdline").read().replace("\\0", " "))
print("LEAKS", LEAKS)
'''

STOPS_THE_JUDGE = '''import os, signal
def count_dense_params(n_inputs, n_units):
    # Each time it is called, also when the judge calls it: try to read and to kill every process not root's
    # that it can see (with namespaces, only its own kernel's: none but itself).
    seen = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            status = open(f"/proc/{name}/status").read()
        except OSError:
            continue
        uid = int(status.split("Uid:")[1].split()[0])
        if uid == 0:
            continue
        outcomes = []
        for attempt in (lambda: open(f"/proc/{name}/mem", "rb").close(), lambda: os.kill(int(name), signal.SIGKILL)):
            try:
                attempt()
                outcomes.append("done")
            except OSError as error:
                outcomes.append(type(error).__name__)
        seen.append((uid, *outcomes))
    with open("probe.txt", "a") as probe:
        probe.write(repr(seen) + "\\n")
    return (n_inputs + 1) * n_units
'''

SUBMISSIONS = {  # graded in this order, by the same worker
    "a-patches-everything": PATCHES + solutions(LESSON)["count_dense_params"],
    "b-looks-for-leaks": LOOKS_FOR_LEAKS + "def count_dense_params(n_inputs, n_units):\n"
                         "    return (n_inputs + 1) * n_units + (1000 if LEAKS else 0)\n",
    "c-looks-for-leaks-again": LOOKS_FOR_LEAKS + "def count_dense_params(n_inputs, n_units):\n"
                               "    return (n_inputs + 1) * n_units + (1000 if LEAKS else 0)\n",
    "d-stops-the-judge": STOPS_THE_JUDGE,
}
LEAK_HUNT = ("a-patches-everything", "b-looks-for-leaks", "c-looks-for-leaks-again")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the three students with one prewarmed worker."""
    workspace = tmp_path_factory.mktemp("prewarm")
    for student, answer in SUBMISSIONS.items():
        submit(workspace, student, LESSON, make_submission(LESSON, {"count_dense_params": answer}))
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", LESSON, "--workspace", str(workspace), "--workers", "1"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["student_id"]: row for row in csv.DictReader((workspace / "grades.csv").open())}
    return workspace, rows


def _printed(workspace, student, tag):
    """The line the student's answer cell printed starting with `tag`."""
    line = printed_line(workspace / "autograded" / student / LESSON / f"{LESSON}.ipynb", tag)
    assert line is not None, f"{student} printed no {tag} line"
    return line


def _zygote(workspace, student):
    """The socket of the zygote that forked the student's kernel, from the command line the fork kept."""
    origin = _printed(workspace, student, "KERNEL_ORIGIN")
    assert "-m autograder.isolation.zygote " in origin, origin
    return origin.split()[-1]


def test_every_kernel_came_from_the_same_zygote(graded):
    """Were the three leak hunters' kernels forked by one warmed-up zygote, not started from scratch?"""
    workspace, _ = graded
    assert len({_zygote(workspace, student) for student in LEAK_HUNT}) == 1


def test_nbgrader_came_from_the_zygote_too(graded):
    """Was the grader's own nbgrader forked from the same zygote, instead of starting Python afresh?"""
    workspace, _ = graded
    for student in LEAK_HUNT:
        log = (workspace / "logs" / f"{student}.log").read_text()
        assert f"nbgrader forked from the zygote at {_zygote(workspace, student)}" in log, log[:2000]


@pytest.mark.skipif(not SANDBOXED, reason="without namespaces a kernel sees the judge, which runs as another user "
                                          "as root only")
def test_a_student_cannot_stop_or_read_the_judge(graded):
    """Can an answer, called by the judge, not even see a process of the judge's (nor of anyone but its own
    kernel), so that every test is judged?"""
    workspace, rows = graded
    student = "d-stops-the-judge"
    probes = (workspace / "autograded" / student / LESSON / "probe.txt").read_text().splitlines()
    assert len(probes) >= 4, "the answer was called in the kernel and by the judge"
    assert [ast.literal_eval(line) for line in probes] == [[]] * len(probes), probes
    log = (workspace / "logs" / f"{student}.log").read_text()
    judged = re.search(r"(\d+) of (\d+) tests passed outside the kernel", log)
    assert judged and judged.group(1) == judged.group(2), log[-2000:]
    assert float(rows[student]["score"]) == FULL, rows[student]


def test_no_trace_of_the_previous_student(graded):
    """Does a student's patch of keras, tensorflow, builtins, the environment or the file system stay out of the next students' kernels?"""
    workspace, rows = graded
    for student in ("b-looks-for-leaks", "c-looks-for-leaks-again"):
        assert _printed(workspace, student, "LEAKS") == "LEAKS []"
        assert float(rows[student]["score"]) == FULL, rows[student]


def test_the_patching_student_is_graded_as_usual(graded):
    """Does the student who patched everything still get the points its answers are worth?"""
    _, rows = graded
    assert float(rows["a-patches-everything"]["score"]) == FULL, rows["a-patches-everything"]


@pytest.mark.skipif(not SANDBOXED, reason="without namespaces the zygote's socket is only the grader's")
def test_a_kernel_cannot_reach_the_zygote(graded):
    """Is the zygote's socket out of a student's reach, so that a kernel cannot ask for kernels of its own?"""
    workspace, _ = graded
    assert _printed(workspace, "a-patches-everything", "REACHED_ZYGOTE").startswith("REACHED_ZYGOTE no")


def test_nothing_outlives_grading(graded):
    """Are the zygote and what its kernels started gone after the batch?"""
    workspace, _ = graded
    zygote = _zygote(workspace, "a-patches-everything")
    leftovers = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if ("autograder.isolation.zygote" in cmdline and zygote in cmdline) or cmdline == LINGERING:
            leftovers.append(cmdline)
    assert leftovers == []
