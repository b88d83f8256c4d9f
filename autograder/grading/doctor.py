"""`python -m autograder doctor ASSIGNMENT`: what is wrong with each submission, before grading it.

Usage, from the repository root:

    .venv/bin/python -m autograder doctor 03_sequential                  # reads grading/submitted/
    .venv/bin/python -m autograder doctor 03_sequential --workspace DIR  # reads DIR/submitted/

For every student folder `DIR/submitted/<student_id>/ASSIGNMENT/` it prints "ok" or one line per finding:
a missing, empty, unreadable or misnamed notebook; a notebook of another assignment; duplicate grade ids;
test or read-only cells that were deleted or edited (compared with the released notebook in `course/`, by
nbgrader grade id); changed data files; files that would shadow a Python module; and signs of tampering in
the code the student wrote (found by reading the code with `ast`, never by running it). It only reads: no
file is changed, no kernel is started, and it exits 0 whatever it finds (2 when the assignment or the
submitted folder does not exist). A finding is a reason to look, not a verdict: grading still decides.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from autograder.notebook.cells import is_readonly_setup, is_test_cell, nbgrader_meta
from autograder.notebook.course import RELEASE
from autograder.notebook.reading import NotebookError, read_notebook

from .preflight import Finding, folder_finding, grade_ids, notebook_finding, shadows


# --- the notebook against its release --------------------------------------------------------------------

PROTECTED_KEYS = ("grade", "solution", "locked", "points")
"""The nbgrader metadata that makes a cell a test, an answer or read-only."""


def _grade_id(cell) -> str:
    return nbgrader_meta(cell).get("grade_id") or ""


def _role(cell) -> str:
    if is_test_cell(cell):
        return "test cell"
    if is_readonly_setup(cell) or nbgrader_meta(cell).get("locked"):
        return "read-only cell"
    return "answer cell" if nbgrader_meta(cell).get("solution") else "cell"


def duplicate_ids(nb, name: str) -> list[Finding]:
    """Grade ids carried by more than one cell (a copied cell keeps its metadata)."""
    counts = Counter(_grade_id(c) for c in nb.cells if _grade_id(c))
    return [
        Finding("duplicate-id", f"grade id {grade_id} is on {count} cells; nbgrader keeps the last one and runs "
                                f"the others as ordinary cells, unchecked", name, grade_id)
        for grade_id, count in counts.items() if count > 1
    ]


def compare_cells(nb, released, name: str) -> list[Finding]:
    """Test, read-only and answer cells of the release that are missing from `nb`, or changed in it."""
    submitted = {}
    for index, cell in enumerate(nb.cells):
        if _grade_id(cell):
            submitted[_grade_id(cell)] = (index, cell)  # the last copy, the one nbgrader keeps
    findings = []
    for cell in released.cells:
        grade_id, role = _grade_id(cell), _role(cell)
        if not grade_id:
            continue
        if grade_id not in submitted:
            consequence = {
                "test cell": "the grader puts deleted test cells back before grading",
                "read-only cell": "the grader does not put it back, so the tests that rely on it may fail",
            }.get(role, "its tests will fail")
            findings.append(Finding("missing-cell", f"{role} {grade_id} is missing; {consequence}", name, grade_id))
            continue
        if role not in ("test cell", "read-only cell"):
            continue
        index, mine = submitted[grade_id]
        changed = [key for key in PROTECTED_KEYS if nbgrader_meta(mine).get(key) != nbgrader_meta(cell).get(key)]
        what = []
        if mine.get("cell_type") != cell.get("cell_type"):
            what.append(f"its cell type ({mine.get('cell_type')})")
        if mine.get("source", "").strip() != cell.get("source", "").strip():
            what.append("its code")
        if changed:
            what.append("its nbgrader metadata (" + ", ".join(changed) + ")")
        if what:
            findings.append(Finding(
                "changed-cell", f"{role} {grade_id} was changed: it differs from the release in {' and '.join(what)}; "
                                f"nbgrader restores the released cell when grading", name, grade_id, index))
    return findings


# --- signs of tampering in the code the student wrote ------------------------------------------------------

GUARDED = ("autograder", "builtins", "IPython", "get_ipython()", "keras")
"""Objects whose attributes an answer has no reason to assign: the checks, Keras's classes, the interpreter."""
DEFAULT_NAMES = {"checks": "autograder.checks", "__builtins__": "builtins"}
"""Names the lessons' own cells define, resolved even before an import is seen."""
NETWORK = {"socket", "urllib", "urllib3", "requests", "http", "httpx", "aiohttp", "ftplib", "smtplib", "webbrowser"}
PROCESSES = {"subprocess", "multiprocessing", "pty"}
PROCESS_CALLS = ("os.fork", "os.forkpty", "os.system", "os.popen", "os.spawn", "os.exec", "os.posix_spawn",
                 "concurrent.futures.ProcessPoolExecutor")
EXIT_CALLS = ("os._exit", "sys.exit", "os.abort", "os.kill", "os.killpg", "exit", "quit")
PRIVATE_PATH = re.compile(
    r"(^|[/\\])(source|submitted|autograded|\.git)[/\\]|[/\\](source|submitted|autograded|\.git)$|gradebook", re.I
)
"""A path into the instructor's folders, the grader's folders or the repository's history."""
PRIVATE_WORDS = {"source", "submitted", "autograded", ".git"}
"""The same folders as bare names, flagged when joined into a path."""
PATH_JOINS = ("os.path.join", "pathlib.Path", "Path", "pathlib.PurePath", "PurePath")
SHELL_MAGICS = {"system", "getoutput", "sx", "bash", "sh", "script", "!"}


def _to_python(source: str) -> str:
    """The cell's code as IPython runs it: `!cmd` and `%magic` become `get_ipython()` calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover (IPython ships with Jupyter)
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (an untransformable cell is parsed as it is)
        return source


class _Scanner(ast.NodeVisitor):
    """Walks one cell's syntax tree and records what looks like tampering, with the line it is on."""

    def __init__(self, names: dict[str, str]):
        self.names = names  # local name -> what it refers to, e.g. {"K": "keras", "checks": "autograder.checks"}
        self.signs: list[tuple[int, str]] = []

    # Name resolution: a dotted path for names, attributes, sys.modules["x"] and get_ipython().
    def dotted(self, node) -> str:
        if isinstance(node, ast.Name):
            return self.names.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else ""
        if isinstance(node, ast.Subscript):
            base = self.dotted(node.value)
            key = node.slice
            if base == "sys.modules" and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            return f"{base}[]" if base else ""
        if isinstance(node, ast.Call) and self.dotted(node.func) == "get_ipython":
            return "get_ipython()"
        return ""

    def sign(self, node, text: str) -> None:
        self.signs.append((getattr(node, "lineno", 0), text))

    @staticmethod
    def guarded(path: str) -> bool:
        return any(path == root or path.startswith(root + ".") or path.startswith(root + "[") for root in GUARDED)

    # Imports
    def _imported(self, node, module: str) -> None:
        top = module.split(".")[0]
        if top == "builtins":
            self.sign(node, "imports builtins, which can replace functions the tests rely on")
        elif top in NETWORK:
            self.sign(node, f"imports {module}: network access")
        elif top in PROCESSES:
            self.sign(node, f"imports {module}: starts other processes")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._imported(node, alias.name)
            self.names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._imported(node, module)
        for alias in node.names:
            self.names[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name
        self.generic_visit(node)

    # Assignments to guarded objects, and aliases of them
    def _target(self, node, target, verb: str = "assigns") -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(node, element, verb)
            return
        if isinstance(target, ast.Subscript) and self.dotted(target.value) == "sys.modules":
            self.sign(node, f"{verb} sys.modules[...], which swaps a module for another object")
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            path = self.dotted(target)
            if self.guarded(path):
                self.sign(node, f"{verb} {path}, which changes what the tests use")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(node, target)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = self.dotted(node.value)
            # M = keras.Model makes M.fit = ... keras.Model.fit; checks = [] makes `checks` a plain variable
            self.names[node.targets[0].id] = value if value and self.guarded(value) else ""
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node, node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node, node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target(node, target, "deletes")
        self.generic_visit(node)

    # Calls
    def visit_Call(self, node: ast.Call) -> None:
        name = self.dotted(node.func)
        first = node.args[0] if node.args else None
        constant = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        if name in ("setattr", "delattr") and first is not None and self.guarded(self.dotted(first)):
            self.sign(node, f"calls {name} on {self.dotted(first)}, which changes what the tests use")
        elif name in ("__import__", "importlib.import_module") and constant:
            self._imported(node, constant)
        elif name in ("sys.modules.update", "sys.modules.setdefault", "sys.modules.pop", "sys.modules.__setitem__"):
            self.sign(node, f"calls {name}, which swaps modules for other objects")
        elif name == "signal.signal":
            which = self.dotted(first).split(".")[-1] if first is not None else "a signal"
            self.sign(node, f"sets a handler for {which} with signal.signal; a cell that ignores SIGINT cannot "
                            f"be stopped at its time limit")
        elif name in EXIT_CALLS:
            self.sign(node, f"calls {name}, which ends or kills the kernel")
        elif name.startswith(PROCESS_CALLS):
            self.sign(node, f"calls {name}: starts other processes")
        elif name.endswith(PATH_JOINS) or name.endswith(".joinpath"):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and arg.value in PRIVATE_WORDS:
                    self.sign(node, f"builds a path with {arg.value!r}, outside the student's own folder")
        elif name.startswith("get_ipython()."):
            method = name.split(".", 1)[1]
            magic = constant if method in ("run_line_magic", "run_cell_magic") else method
            if magic in SHELL_MAGICS:
                self.sign(node, f"runs a shell command ({magic}): starts other processes")
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        error = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if error is not None and self.dotted(error) in ("SystemExit", "KeyboardInterrupt"):
            self.sign(node, f"raises {self.dotted(error)}, which stops the notebook")
        self.generic_visit(node)

    # Names and paths
    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.sign(node, "uses __builtins__, which can replace functions the tests rely on")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and PRIVATE_PATH.search(node.value):
            self.sign(node, f"names the path {node.value[:60]!r}, outside the student's own folder")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        # Path(...) / "source" / ...: a bare folder name used as a path part
        if isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value in PRIVATE_WORDS:
                    self.sign(node, f"builds a path with {side.value!r}, outside the student's own folder")
        self.generic_visit(node)


def scan_code(source: str, names: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """Signs of tampering in one cell's code, as (line, description); `names` carries imports between cells.

    A cell that is not valid Python is skipped: it raises before anything in it runs.
    """
    try:
        tree = ast.parse(_to_python(source))
    except (SyntaxError, ValueError):
        return []
    scanner = _Scanner(names if names is not None else dict(DEFAULT_NAMES))
    scanner.visit(tree)
    return sorted(set(scanner.signs))


def _student_code(nb, released) -> Iterator[tuple[int, object, bool]]:
    """(index, cell, whether it runs as the student wrote it) for every code cell, in order.

    Test and read-only cells of the release are restored by nbgrader, so their code never runs as written;
    every other code cell (answers, cells the student added, duplicates that lost their metadata) does.
    """
    protected = {_grade_id(c) for c in released.cells if _role(c) in ("test cell", "read-only cell")}
    ids = [_grade_id(c) for c in nb.cells]
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        grade_id = ids[index]
        last_copy = grade_id and grade_id not in ids[index + 1:]
        restored = grade_id in protected and last_copy and (is_test_cell(cell) or nbgrader_meta(cell).get("locked"))
        yield index, cell, not restored


def tampering(nb, released, name: str) -> list[Finding]:
    """Signs of tampering in the code cells that run as the student wrote them."""
    names = dict(DEFAULT_NAMES)
    findings = []
    for index, cell, written_by_student in _student_code(nb, released):
        source = cell.get("source", "")
        if not written_by_student:
            scan_code(source, names)  # still learn its imports (`from autograder import checks`)
            continue
        grade_id = _grade_id(cell)
        where = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
        for line, text in scan_code(source, names):
            findings.append(Finding("tampering", f"{where}, line {line}: {text}", name, grade_id, index))
    return findings


# --- the folder -------------------------------------------------------------------------------------------

def _shadowing(folder: Path) -> list[Finding]:
    """Links, `.pth`/`.so` files, and files or folders named like a module, which the kernel would import."""
    return [Finding("shadowing", f"{shadow.path} {shadow.why}; the grader removes {'links' if shadow.link else 'it'} "
                                 f"before grading", str(shadow.path)) for shadow in shadows(folder)]


UNGRADED_FILES = {"hints.json"}
"""Released files that grading never reads (hints are off in graded mode), so an older copy is harmless."""


def _changed_files(folder: Path, release: Path) -> list[Finding]:
    """Released data files (not notebooks, not hints) whose content the submission changed."""
    findings = []
    for released in sorted(release.iterdir()):
        mine = folder / released.name
        if released.suffix == ".ipynb" or released.name in UNGRADED_FILES or not released.is_file():
            continue
        if not mine.is_file() or mine.is_symlink():
            continue
        if mine.read_bytes() != released.read_bytes():
            findings.append(Finding("changed-file", f"{released.name} differs from the released file; "
                                                    f"nbgrader grades with the instructor's copy", released.name))
    return findings


def released_notebooks(assignment: str) -> list[Path]:
    """The assignment's notebooks in course/.

    Raises:
        NotebookError: when course/ has no such assignment.
    """
    paths = sorted((RELEASE / assignment).glob("*.ipynb")) if (RELEASE / assignment).is_dir() else []
    if not paths:
        known = ", ".join(sorted(p.name for p in RELEASE.iterdir() if p.is_dir()))
        raise NotebookError(f"There is no assignment {assignment!r} in {RELEASE}. Known assignments: {known}.")
    return paths


def diagnose_submission(folder: Path, assignment: str) -> list[Finding]:
    """Everything that looks wrong in one student's submission folder, without changing or running anything.

    Args:
        folder: the student's folder for the assignment, `submitted/<student_id>/<assignment>`.
        assignment: the assignment id, for example `03_sequential`; its release in course/ is the reference.

    Returns:
        The findings, folder-level ones first, then per notebook; an empty list for a clean submission.

    Raises:
        NotebookError: when course/ has no such assignment.
    """
    expected = released_notebooks(assignment)
    missing = folder_finding(folder)
    if missing:
        return [missing]
    findings = _shadowing(folder) + _changed_files(folder, RELEASE / assignment)
    names = [p.name for p in expected]
    for released_path in expected:
        name = released_path.name
        blocking, nb = notebook_finding(folder, name, names)
        if blocking:
            findings.append(blocking)
        elif not grade_ids(nb):
            findings.append(Finding("no-grade-ids", f"{name} has no nbgrader cells at all (was it copied into a new "
                                                    f"notebook?); nbgrader cannot grade it", name))
        else:
            released = read_notebook(released_path)
            findings += duplicate_ids(nb, name) + compare_cells(nb, released, name) + tampering(nb, released, name)
    if not any(finding.kind == "wrong-name" for finding in findings):  # else the extra is the misnamed one
        findings += [Finding("extra-notebook", f"{p.name} is not part of {assignment}; it is not graded", p.name)
                     for p in sorted(folder.glob("*.ipynb")) if p.name not in names]
    return findings


def diagnose_workspace(assignment: str, workspace: Path) -> dict[str, list[Finding]]:
    """Findings for every student folder under `workspace/submitted`, by student id.

    Raises:
        NotebookError: when course/ has no such assignment, or the submitted folder does not exist.
    """
    released_notebooks(assignment)
    submitted = workspace / "submitted"
    if not submitted.is_dir():
        raise NotebookError(f"No submissions: {submitted} does not exist.")
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    return {student: diagnose_submission(submitted / student / assignment, assignment) for student in students}


def format_report(assignment: str, results: dict[str, list[Finding]]) -> str:
    """One block per student: "ok", or one line per finding, then a one-line summary."""
    lines = []
    for student, findings in results.items():
        lines.append(f"{student:20s} " + (f"{len(findings)} finding(s)" if findings else "ok"))
        for finding in findings:
            where = f"{finding.notebook}: " if finding.notebook and finding.notebook not in finding.message else ""
            lines.append(f"  [{finding.kind}] {where}{finding.message}")
    flagged = sum(bool(f) for f in results.values())
    lines += ["", f"{assignment}: {len(results) - flagged} of {len(results)} submissions ok, {flagged} with findings."]
    return "\n".join(lines)

