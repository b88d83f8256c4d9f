"""The confinement of a student's kernel, tested directly: its settings, and what applying them does to a process.

The process confined here is a small Python program, run as root and as an ordinary user (`nobody`, with a Python
it may run): it walks the whole file system it can see and reports what it found, where it could write, which
processes it sees, and whether it reached the network.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from autograder.isolation.allowlist import python_environment
from autograder.isolation.confinement import (
    ALLOWED_ENV,
    NOBODY,
    Confinement,
    allowed_environment,
    grading_confinement,
    isolation,
)
from autograder.isolation.limits import Limits
from autograder.notebook.course import RELEASE, ROOT

SECRET = ROOT / "source" / "02_layers" / "02_layers.ipynb"
"""The instructor's notebook, hidden tests and solutions in it, world-readable: no graded kernel may read it."""
RELEASED = RELEASE / "02_layers"
MARKER = "kmw-" + "confidential-" + "marker"
"""Text planted in files the confined process must not find (spelled in two pieces: this file holds it whole)."""
SYSTEM = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/passwd", "/etc/group",
          "/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/fonts", "/dev/null", "/dev/zero",
          "/dev/full", "/dev/random", "/dev/urandom", "/dev/shm", "/proc"]
"""What a confined process may see of the machine, written out here, not taken from the code under test."""


def test_grading_confinement_works_in_its_own_folder_and_reads_the_release(tmp_path):
    """Does a graded kernel's confinement name its own working folder, the lesson's release, the limits and the
    zygote, and take namespaces exactly where this machine gives them?"""
    limits = Limits(memory_mb=512, max_processes=9, network=False)
    found = grading_confinement(limits, tmp_path / "scratch", tmp_path / "work", RELEASED, zygote="/z.sock")
    assert (found.scratch, found.workdir, found.readonly) == (str(tmp_path / "scratch"), str(tmp_path / "work"),
                                                             (str(RELEASED),))
    assert (found.memory_mb, found.max_processes, found.network, found.uid, found.zygote) == (512, 9, False, NOBODY,
                                                                                             "/z.sock")
    assert found.namespaces == isolation().namespaces


def test_settings_survive_their_file(tmp_path):
    """Are the settings read back from their file exactly as they were written?"""
    written = Confinement(str(tmp_path), workdir="/w", readonly=("/a", "/b"), memory_mb=7, max_processes=3,
                          network=True, uid=123, zygote="/s", namespaces=False)
    assert Confinement.read(written.write(tmp_path / "settings.json")) == written
    assert json.loads((tmp_path / "settings.json").read_text())["readonly"] == ["/a", "/b"]


def test_only_allowed_variables_pass():
    """Does a confined process keep the allowed variables and lose every other one of the grader's?"""
    grader = {"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x", "KMW_TOKEN": "t", "HOME": "/root", "LANG": "C"}
    assert allowed_environment(grader) == {"PATH": "/bin", "KMW_TOKEN": "t", "LANG": "C"}
    assert "HOME" not in ALLOWED_ENV  # each confined process gets a HOME of its own


def test_the_python_environment_holds_the_package_but_never_the_course():
    """Is the package kept, with the interpreter and its site-packages, and no folder that holds source/?"""
    found = python_environment()
    assert {sys.prefix, sys.base_prefix, str(ROOT / "autograder")} <= set(found)
    for folder in found:
        assert not str(SECRET).startswith(folder.rstrip("/") + "/"), folder


def test_isolation_is_found_where_unshare_finds_it():
    """Does grading take namespaces exactly where util-linux's unshare can make them, and say so in one line?"""
    command = ["unshare", "--mount", "--net", "--pid", "--fork", "true"]
    if os.geteuid() != 0:
        command[1:1] = ["--user", "--map-root-user"]
    expected = subprocess.run(command, capture_output=True).returncode == 0
    found = isolation()
    assert found.namespaces == expected, found
    assert ("limits only" in found.describe()) != expected and "\n" not in found.describe()


# --------------------------------------------------------------------------- a confined process, walking what it sees

PROBE = r"""
import json, os, signal, socket, sys
from autograder.isolation.confinement import Confinement, apply
asked = json.loads(sys.argv[1])
apply(Confinement.read(asked["settings"]))
marker = asked["marker"].encode()
environment = {sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p.endswith("-packages"))}
allowed = [*asked["allowed"], *environment, os.getcwd(), os.path.dirname(os.environ["HOME"])]

def allowed_path(path):  # inside an allowed folder, or one of the folders leading to one
    return any(path == a or path.startswith(a.rstrip("/") + "/") or a.startswith(path + "/") for a in allowed)

def walk(top):  # every path below top, but inside /proc, /usr and the Python environment (allowed, read-only)
    for root, dirs, files in os.walk(top):
        if os.path.normpath(os.path.join(os.getcwd(), root)) in ("/proc", "/usr", *environment):
            dirs[:] = []
            continue
        yield from (os.path.normpath(os.path.join(os.getcwd(), root, name)) for name in dirs + files)

outside, holding, seen = [], [], 0
tops = ["/", "../" * os.getcwd().count("/")] if asked["walk"] else []  # from the root, and up from its own folder
for path in (path for top in tops for path in walk(top)):
    seen += 1
    if not allowed_path(path):
        outside.append(path)
    if os.path.isfile(path) and not os.path.islink(path):
        try:
            with open(path, "rb") as handle:
                if marker in handle.read():
                    holding.append(path)
        except OSError:
            pass
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # the listing's own descriptor, closed by now
        pass

def attempt(action):
    try:
        action()
        return "done"
    except OSError as error:
        return type(error).__name__

report = {
    "uid": os.getuid(), "pid": os.getpid(), "seen": seen, "outside": sorted(set(outside))[:40],
    "holding": holding, "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "open files": sorted(t for t in fds.values() if t.startswith("/") and not allowed_path(t)),
    "descriptors": sorted(fds.values()),
    "secret": attempt(lambda: open(asked["secret"]).close()),
    "stray": attempt(lambda: open(asked["stray"]).close()),
    "network": attempt(lambda: socket.create_connection(("127.0.0.1", asked["port"]), timeout=2).close()),
    "writes": {folder: attempt(lambda: open(os.path.join(folder, "x.txt"), "w").close())
               for folder in (os.getcwd(), os.environ["TMPDIR"], "/tmp", os.path.dirname(sys.executable))},
    "capabilities": open("/proc/self/status").read().split("CapEff:")[1].split()[0],
}
print(json.dumps(report), flush=True)
"""


def _python_for(uid: int) -> str | None:
    """An interpreter of this Python version that the user `uid` may run, or None."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in filter(None, [os.path.realpath(sys.executable), f"/usr/bin/python{version}"]):
        try:
            done = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], user=uid,
                                  capture_output=True, text=True, cwd="/")
        except OSError:  # not the user's to run (a root-only pyenv)
            continue
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def _as(who: str) -> tuple[int, str]:
    """The user a confined process starts as, and its interpreter: root, or an ordinary user (`nobody` when this
    suite runs as root, else whoever runs it)."""
    if who == "root":
        if os.geteuid() != 0:
            pytest.skip("needs root")
        return 0, sys.executable
    if os.geteuid() != 0:
        return os.geteuid(), sys.executable
    python = _python_for(NOBODY)
    if python is None:
        pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} that nobody may run")
    return NOBODY, python


@pytest.fixture
def task():
    """A grading task's folders, the kernel's own and the ones it must never see: the workspace and the judge's
    folder (each holding the marker), and a world-readable file with the marker in the machine's /tmp (another
    course's, say)."""
    folder = Path(tempfile.mkdtemp(prefix="kmw-confined-"))
    stray = Path(tempfile.mkstemp(prefix="kmw-other-course-", suffix=".txt")[1])
    (folder / "stray").symlink_to(stray)
    try:
        folder.chmod(0o711)
        for name in ("workspace", "judge", "scratch", "work"):
            (folder / name).mkdir(mode=0o700)
        (folder / "workspace" / "gradebook.db").write_text(MARKER)
        (folder / "judge" / "plan.json").write_text(MARKER)
        (folder / "work" / "mine.txt").write_text("the student's own file")
        stray.write_text(MARKER)
        stray.chmod(0o644)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        stray.unlink()


def _confine(task: Path, uid: int, python: str, namespaces: bool = True) -> dict:
    """Confine the probe as `uid`, in the task's folders; what it reports."""
    for name in ("judge", "scratch", "work"):  # the judge runs as the kernel's user when not as root
        shutil.chown(task / name, uid, uid)
        for path in (task / name).rglob("*"):
            os.lchown(path, uid, uid)
    confinement = Confinement(str(task / "scratch"), str(task / "work"), (str(RELEASED),), memory_mb=700,
                              max_processes=5, namespaces=namespaces)
    settings = confinement.write(task / "confinement.json")
    allowed = [*SYSTEM, str(RELEASED), str(ROOT / "autograder")]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        asked = {"settings": str(settings), "allowed": allowed, "marker": MARKER, "secret": str(SECRET),
                 "stray": os.readlink(task / "stray"), "port": listener.getsockname()[1], "walk": namespaces}
        env = {"PATH": os.environ["PATH"], "AWS_SECRET_ACCESS_KEY": "x", "KMW_TOKEN": "t" * 32, "PYTHONPATH": str(ROOT)}
        log = task / "workspace" / "log.txt"  # its output goes to the grader's log, as a kernel's does
        with log.open("w") as handle:
            done = subprocess.run([python, "-c", PROBE, json.dumps(asked)], cwd=task / "work", env=env, user=uid,
                                  stdout=handle, stderr=handle, timeout=300)
    assert done.returncode == 0, log.read_text()
    return json.loads(log.read_text())


@pytest.mark.parametrize("who", ["root", "ordinary user"])
def test_a_confined_process_sees_only_what_it_is_allowed(task, who):
    """Walking every file it can see, from / and up from its own folder, does a confined process find nothing
    outside the allow-list, no file with the marker (workspace, judge, another course's file), no instructor's
    notebook, no other process, no network, nothing it can write but its own folders, and no capability?"""
    uid, python = _as(who)
    if not isolation().namespaces:
        pytest.skip(f"this machine gives no namespaces: {isolation().reason}")
    report = _confine(task, uid, python)
    assert report["outside"] == [] and report["holding"] == [] and report["open files"] == [], report
    assert any(target.startswith("pipe:") for target in report["descriptors"]), "its output is a pipe to its relay"
    assert report["seen"] > 20, "it walked the folders it may see"
    assert (report["uid"], report["pid"], report["processes"]) == (NOBODY if who == "root" else uid, 1, [1])
    assert (report["secret"], report["stray"], report["network"]) == ("FileNotFoundError",) * 2 + ("OSError",)
    work, tmp = str(task / "work"), str(task / "scratch" / "tmp")
    assert report["writes"] == {work: "done", tmp: "done", "/tmp": "done", os.path.dirname(python): "OSError"}
    assert int(report["capabilities"], 16) == 0


def test_without_namespaces_only_the_limits_apply(task):
    """Told that the machine gives no namespaces, does a confined process keep its limits, its own HOME and TMPDIR and
    a clean environment, and see the machine as its user does (as the docs say)?"""
    uid, python = _as("ordinary user")
    report = _confine(task, uid, python, namespaces=False)
    assert report["uid"] == uid and report["pid"] != 1
    assert (report["secret"], report["stray"], report["network"]) == ("done", "done", "done")


LIMITS = """
import json, os, resource, sys
from autograder.isolation.confinement import Confinement, apply
extra = apply(Confinement.read(sys.argv[1]))
print(json.dumps({"memory": resource.getrlimit(resource.RLIMIT_DATA)[0], "env": dict(os.environ), "extra": extra}))
"""


def test_applying_limits_memory_and_cleans_the_environment(tmp_path):
    """Does the confined process get its memory limit, a HOME and TMPDIR of its own, and none of the grader's
    secrets in its environment?"""
    scratch = tmp_path / "scratch"
    settings = Confinement(str(scratch), str(tmp_path), memory_mb=700).write(tmp_path / "confinement.json")
    env = {"PATH": os.environ["PATH"], "AWS_SECRET_ACCESS_KEY": "x", "KMW_TOKEN": "t" * 32}
    done = subprocess.run([sys.executable, "-c", LIMITS, str(settings)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["memory"] == 700 * 2**20
    assert report["env"]["HOME"] == str(scratch / "home") and report["env"]["TMPDIR"] == str(scratch / "tmp")
    assert "AWS_SECRET_ACCESS_KEY" not in report["env"] and report["env"]["KMW_TOKEN"] == "t" * 32
    assert any(arg.startswith("--IPKernelApp.exec_lines=") for arg in report["extra"])


WAITS = """
import signal, sys, time
from autograder.isolation.confinement import Confinement, apply
apply(Confinement.read(sys.argv[1]))
def interrupted(*_):
    print("interrupted", flush=True)
    sys.exit(7)
signal.signal(signal.SIGINT, interrupted)
print("ready", flush=True)
time.sleep(60)
"""


def _start_waiting(tmp_path) -> subprocess.Popen:
    """Start a confined process that waits (WAITS) in a PID namespace of its own; return its relay, once it is ready."""
    if not isolation().namespaces:
        pytest.skip(f"this machine gives no namespaces: {isolation().reason}")
    settings = Confinement(str(tmp_path / "scratch"), str(tmp_path)).write(tmp_path / "confinement.json")
    relay = subprocess.Popen([sys.executable, "-c", WAITS, str(settings)], cwd=tmp_path, stdout=subprocess.PIPE,
                             text=True)
    assert relay.stdout.readline() == "ready\n"
    return relay


def test_the_relay_forwards_an_interrupt_and_ends_as_the_process_did(tmp_path):
    """With a PID namespace of its own, does the confined process still get nbgrader's interrupt through the process
    nbgrader started (its relay), and does that process end with the confined one's exit code?"""
    relay = _start_waiting(tmp_path)
    assert "relay.py" in " ".join(psutil.Process(relay.pid).cmdline())
    relay.send_signal(signal.SIGINT)
    assert relay.wait(30) == 7
    assert relay.stdout.read() == "interrupted\n"


def test_the_confined_process_dies_with_its_relay(tmp_path):
    """When the process nbgrader started is killed, does the confined process (and all it started) end too?"""
    relay = _start_waiting(tmp_path)
    (confined,) = psutil.Process(relay.pid).children()
    relay.kill()
    relay.wait(30)
    gone, _ = psutil.wait_procs([confined], timeout=30)
    assert gone, "the confined process outlived its relay"


def test_a_missing_settings_file_stops_the_launcher(tmp_path):
    """Does the kernel launcher refuse to start without its settings, rather than start unconfined?"""
    done = subprocess.run([sys.executable, "-m", "autograder.isolation.kernel_launcher", "-f", "x.json"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0 and "--confinement FILE" in done.stderr
    assert not Path(tmp_path / "x.json").exists()


DANCE = """
import ctypes, os, sys
uid, command = int(sys.argv[1]), sys.argv[2:]
go_r, go_w = os.pipe()
ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    try:
        if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
            raise OSError(ctypes.get_errno(), "unshare")
        os.write(ready_w, b"1")
        os.read(go_r, 1)
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:
            handle.write("0")
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        os.execvp(command[0], command)
    finally:
        os._exit(91)
os.read(ready_r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as handle:
        handle.write("0 0 65536")
os.write(go_w, b"1")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""
"""Run a command as a user for whom no user namespace can be made: in a user namespace of root's making whose
limit of user namespaces is 0, as on a machine that turned them off."""


@pytest.mark.root
def test_without_user_namespaces_grading_says_limits_only_once(tmp_path):
    """Where no user namespace can be made, does `grade` say once, first, that only the limits apply, and why?"""
    python = _python_for(NOBODY)
    if python is None:
        pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} that nobody may run")
    home = Path(tempfile.mkdtemp(prefix="kmw-no-userns-"))
    home.chmod(0o755)
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join([str(ROOT), *site]), "HOME": str(home)}
    try:
        done = subprocess.run([sys.executable, "-c", DANCE, str(NOBODY), python, "-m", "autograder", "grade",
                               "02_layers", "--workspace", str(home / "nothing")], env=env, cwd=home,
                              capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    lines = done.stdout.splitlines()
    assert lines and lines[0].startswith("isolation: limits only"), done.stdout + done.stderr
    assert sum("isolation:" in line for line in lines) == 1 and "No space left on device" in lines[0]
    assert done.returncode == 2 and "No submissions" in done.stderr  # and then the usual answer to an empty folder
