"""A submission that looks, from inside its kernel, for what no student may see, and prints what it found.

Its first answer cell walks every file its kernel can see, from `/` and up from its own working folder, and looks
at what its own descriptors lead to (its output included). It reports every path outside the allow-list, every file
holding a line of the lesson's hidden tests or solutions (the "secrets"), and the processes it can see. The secrets
travel in the cell base64-encoded, so that the cell's own text (which the grader records in the kernel's scratch
folder) holds none of them. The pipeline tests grade it with the hostile batch (as root) and as an ordinary user.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import nbformat
from harness import make_submission, printed_line, source_notebook

from autograder.notebook.cells import nbgrader_meta

TAG = "PROBE_REPORT "
SYSTEM = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/passwd", "/etc/group",
          "/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/fonts", "/dev/null", "/dev/zero",
          "/dev/full", "/dev/random", "/dev/urandom", "/dev/shm", "/proc"]
"""What a kernel may see of the machine besides the Python environment, its own folders and the release."""
REGIONS = re.compile(r"^[ \t]*### BEGIN (?:SOLUTION|HIDDEN TESTS)[ \t]*\n(.*?)^[ \t]*### END", re.S | re.M)
SHORTEST = 20
"""Lines shorter than this (`return model`) could be anyone's."""

PROBE = r'''
import base64, json, os, sys
SECRETS = [s.encode() for s in json.loads(base64.b64decode("{secrets}"))]
RELEASED = {released!r}
environment = {{sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(os.__file__)),
               *(p for p in sys.path if p.endswith("-packages"))}}
import autograder
environment.add(os.path.dirname(autograder.__file__))
mine = [os.getcwd(), os.path.dirname(os.environ["HOME"])]
allowed = {system!r} + sorted(environment) + mine + [RELEASED]

def inside(path, folders):
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)

def allowed_path(path):  # inside an allowed folder, or a folder on the way to one
    return inside(path, allowed) or any(a.startswith(path.rstrip("/") + "/") for a in allowed)

outside, holding, files = set(), set(), 0
def look(path):
    global files
    files += 1
    if not allowed_path(path):
        outside.add(path)
    if os.path.isfile(path) and not os.path.islink(path):
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except OSError:
            return
        if any(secret in text for secret in SECRETS):
            holding.add(path)

for top in ("/", "../" * os.getcwd().count("/")):  # from the root, and up from its own folder
    for root, dirs, names in os.walk(top):
        here = os.path.normpath(os.path.join(os.getcwd(), root))
        if here == "/proc" or (top != "/" and inside(here, ["/usr", *environment])):
            dirs[:] = []
            continue
        if inside(here, ["/usr", *environment]):  # the system and the installed packages, read-only: counted
            files += len(names)
            continue
        for name in dirs + names:
            look(os.path.normpath(os.path.join(here, name)))
descriptors = []
for fd in os.listdir("/proc/self/fd"):  # where its own output and every open file lead
    try:
        descriptors.append(os.readlink(f"/proc/self/fd/{{fd}}"))
    except OSError:
        pass
for target in descriptors:
    if target.startswith("/"):
        look(target)
print({tag!r} + json.dumps({{
    "outside": sorted(outside)[:40], "holding": sorted(holding), "files": files, "descriptors": sorted(descriptors),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "pid": os.getpid(),
    "working folder": sorted(os.listdir(".")),
}}))
'''


def released_text(released: Path) -> str:
    """Everything the lesson's release holds, as text (a notebook's cells as written): what a student is given may
    be seen."""
    texts = []
    for path in sorted(p for p in released.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            texts += [cell.source for cell in nbformat.read(path, as_version=4).cells]
        else:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def secrets(assignment: str, released: Path) -> list[str]:
    """The lines of the lesson's hidden tests and solutions (written answers included) that its release lacks."""
    found = set()
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            regions = [cell.source]
        else:
            regions = REGIONS.findall(cell.source)
        found |= {line.strip() for region in regions for line in region.splitlines()}
    given = released_text(released)
    return sorted(line for line in found if len(line) >= SHORTEST and line not in given)


def probe_submission(assignment: str, released: Path) -> nbformat.NotebookNode:
    """The probe's notebook: its first answer cell looks, the other answers are left undone."""
    nb = make_submission(assignment, solve=False)
    first = next(nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("solution")
                 and c.cell_type == "code")
    encoded = base64.b64encode(json.dumps(secrets(assignment, released)).encode()).decode()
    code = PROBE.format(secrets=encoded, released=str(released), system=SYSTEM, tag=TAG)
    return make_submission(assignment, {first: code}, solve=False)


def outputs(path: Path) -> str:
    """The text of every output of a notebook."""
    nb = nbformat.read(path, as_version=4)
    return "\n".join(json.dumps(output) for cell in nb.cells for output in cell.get("outputs", []))


def probe_report(autograded: Path) -> dict:
    """What the probe printed in its autograded notebook."""
    line = printed_line(autograded, TAG)
    assert line is not None, f"the probe printed no report in {autograded}"
    return json.loads(line[len(TAG):])


def found_secrets(text: str, assignment: str, released: Path) -> list[str]:
    """The secret lines that appear in `text` (an HTML page is read as its text: no tags, no escapes)."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return [line for line in secrets(assignment, released) if line in plain]


def problems(report: dict) -> dict:
    """What the probe found that it must not have: an empty dict when it found nothing."""
    found = {"files outside the allow-list": report["outside"], "files holding secrets": report["holding"],
             "processes but its own": [p for p in report["processes"] if p != report["pid"]]}
    if report["pid"] != 1:
        found["not the first process of its own PID namespace"] = report["pid"]
    return {what: value for what, value in found.items() if value}
