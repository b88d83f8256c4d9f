"""A class on JupyterHub, end to end: `make classroom`'s hub, its instructor and two students, in real Chromium.

The instructor releases lesson 02 from the formgrader; two students fetch it from their Assignments panel, type an
answer (one right, one wrong), save and submit; the instructor collects, grades and releases feedback on the command
line; each student fetches the feedback in the Assignments panel and reads the score and the teaching message.

The hub runs `make classroom`'s own command (`python -m autograder.classroom`) in a fresh copy of the course, on a
free port, so that the exchange, the gradebook and the users' folders all go away with the copy.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest
from browser_lab import HELPERS, LAB_SETTINGS, cell_locator, free_port
from harness import clone_like, solutions
from playwright.sync_api import expect

from autograder.notebook.course import ROOT, tool_environment

pytestmark = [pytest.mark.browser, pytest.mark.classroom]

LESSON = "02_layers"  # the lesson that grades fastest; what is under test is the way there and back
NOTEBOOK = f"{LESSON}/{LESSON}.ipynb"
"""The notebook's path in a student's folder, once fetched."""
EXERCISE = "count-dense-params"
"""The id of the answer cell the students type into."""
RIGHT = solutions(LESSON)["count_dense_params"]
WRONG = "def count_dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n"  # forgets the biases
TEACHING = ("count_dense_params(3, 4) returned 12; it should be 16. "
            "You counted the weights (the lines) but not the biases: every unit has one bias too.")
ANSWERS = {"student1": RIGHT, "student2": WRONG}
ARTIFACTS = ROOT / "test-artifacts" / "classroom"
"""Screenshots of each step, for a person to look at (git-ignored)."""
# Guards against a hang, not checks of speed: starting the hub, a user's server, an nbgrader action behind a button
# (release, fetch, submit, list, feedback), and a command line.
STARTUP_LIMIT = 300.0
SPAWN_LIMIT_MS = 180_000
ACTION_LIMIT_MS = 120_000
GRADING_LIMIT = 900.0


@dataclass
class Classroom:
    """A running `make classroom` in a copy of the course."""

    root: Path
    """The copy: the instructor's course root; the users' folders are in root/classroom/users/."""
    process: subprocess.Popen
    """`python -m autograder.classroom`, which runs the hub."""
    log: Path
    """What it and the hub printed."""
    logins: dict[str, tuple[str, str]]
    """Each user's log-in page and password, as printed."""

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run a command at the course root, as the instructor would in a terminal of their JupyterLab."""
        env = tool_environment()
        env["JUPYTER_CONFIG_PATH"] = str(self.root / "classroom" / "instructor-config")
        return subprocess.run([sys.executable, "-m", *args], cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=GRADING_LIMIT)


def _prepare_users(root: Path, users: list[str]) -> None:
    """The browser suite's JupyterLab settings in each user's HOME: every cell in the page, no autosave, no news, and
    the app exposed to the page (as tests/browser/ starts JupyterLab), so that cells are found by id."""
    for user in users:
        config = root / "classroom" / "users" / user / ".jupyter"
        for name, values in LAB_SETTINGS.items():
            (config / "lab" / "user-settings" / name).parent.mkdir(parents=True, exist_ok=True)
            (config / "lab" / "user-settings" / name).write_text(json.dumps(values))
        (config / "jupyter_server_config.json").write_text(json.dumps({"LabApp": {"expose_app_in_browser": True}}))


def _wait_for_logins(process: subprocess.Popen, log: Path) -> dict[str, tuple[str, str]]:
    """Wait until `make classroom` prints the log-in lines; return {user: (url, password)}."""
    deadline = time.monotonic() + STARTUP_LIMIT
    while True:
        text = log.read_text(errors="replace")
        if "Passwords: classroom/hub/passwords.json" in text:
            found = re.findall(r"^  (http://\S+/hub/login\?username=(\w+))\s+password: (\S+)$", text, re.M)
            return {user: (url, password) for url, user, password in found}
        assert process.poll() is None, f"make classroom exited with {process.returncode}:\n{text[-3000:]}"
        assert time.monotonic() < deadline, f"make classroom printed no log-in lines:\n{text[-3000:]}"
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    """Stop the classroom as Ctrl-C would; then end whatever it left behind (a guard: the hub stops its servers)."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for leftover in family:
        try:
            leftover.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """`make classroom`'s command, for one instructor and two students, in a fresh copy of the course."""
    root = clone_like(tmp_path_factory.mktemp("classroom"))
    (root / "node_modules").symlink_to(ROOT / "node_modules")  # the proxy that `make install` put there
    _prepare_users(root, ["instructor", "student1", "student2"])
    log = root.parent / "classroom.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder.classroom", f"--port={free_port()}", "--students=2"],
            cwd=root, env=tool_environment(), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield Classroom(root, process, log, _wait_for_logins(process, log))
    finally:
        _stop(process)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _log_in(browser, classroom: Classroom, user: str):
    """Log in on the hub's page with the printed password; return the page, while the hub starts the user's server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    url, password = classroom.logins[user]
    page.goto(url)
    expect(page.locator("#username_input")).to_have_value(user)
    page.fill("#password_input", password)
    _shot(page, f"0-{user}-logs-in")
    page.click("#login_submit")
    return page


def _lab(page):
    """Wait until the user's JupyterLab is ready in the page; return the page."""
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=SPAWN_LIMIT_MS)
    page.evaluate("() => window.jupyterapp.restored")
    page.evaluate(HELPERS)
    return page


def _menu(page, item: str, absent: str | None = None) -> None:
    """Nbgrader > item; check first that the menu has no `absent` item."""
    page.get_by_text("Nbgrader", exact=True).click()
    menu = page.locator(".lm-Menu")
    entry = menu.get_by_text(item, exact=True)
    expect(entry).to_be_visible()
    if absent:
        expect(menu.get_by_text(absent, exact=True)).to_have_count(0)
    entry.click()


def _release_from_the_formgrader(page) -> None:
    """Nbgrader > Formgrader, then the Release button of the lesson's row."""
    _menu(page, "Formgrader")
    frame = page.frame_locator("iframe")
    row = frame.locator("tr", has=frame.get_by_role("link", name=LESSON, exact=True))
    expect(row.locator(".status")).to_have_text("draft", timeout=ACTION_LIMIT_MS)
    row.locator(".release a").click()
    expect(frame.locator(".modal-dialog")).to_contain_text(f"Successfully released '{LESSON}'.", timeout=ACTION_LIMIT_MS)
    frame.locator(".modal-footer button").first.click()
    expect(frame.locator(".modal-backdrop")).to_have_count(0)
    expect(row.locator(".status")).to_have_text("released", timeout=ACTION_LIMIT_MS)
    row.scroll_into_view_if_needed()


def _assignments(page, status: str):
    """The rows of one list of the Assignments panel ("released", "fetched" or "submitted"), once loaded."""
    expect(page.locator(f"#{status}_assignments_list_loading")).to_be_hidden(timeout=ACTION_LIMIT_MS)
    return page.locator(f"#{status}_assignments_list > .list_item")


def _answer_and_submit(page, classroom: Classroom, user: str) -> None:
    """Fetch the lesson, type the answer, save, and submit, as the student (who has no formgrader)."""
    _menu(page, "Assignment List", absent="Formgrader")
    released = _assignments(page, "released").filter(has_text=LESSON)
    expect(released).to_have_count(1, timeout=ACTION_LIMIT_MS)
    released.locator(".item_status button").click()
    fetched = _assignments(page, "fetched").filter(has_text=LESSON)
    expect(fetched).to_have_count(1, timeout=ACTION_LIMIT_MS)
    _shot(page, f"2-{user}-fetched")

    # Open the notebook from the panel, type over the exercise's stub, save with the keyboard.
    fetched.locator("a", has_text=LESSON).first.click()
    notebook = fetched.locator(".nested_list_item a", has_text=LESSON)
    notebook.click()
    page.wait_for_function(
        "(path) => { try { window.kmw.indexOf(path, ''); return true; } catch (e) { return false; } }", arg=NOTEBOOK)
    page.evaluate("(path) => window.kmw.ready(path)", NOTEBOOK)
    page.evaluate("(path) => window.kmw.tag(path)", NOTEBOOK)
    cell = cell_locator(page, EXERCISE)
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(ANSWERS[user])
    page.keyboard.press("Control+S")
    page.wait_for_function("""(path) => {
        const panel = window.jupyterapp.shell.widgets('main').find(w => w.context && w.context.path === path);
        return panel && !panel.context.model.dirty;
    }""", arg=NOTEBOOK)
    saved = nbformat.read(classroom.root / "classroom" / "users" / user / NOTEBOOK, as_version=4)
    assert [c.source for c in saved.cells if c.get("id") == EXERCISE] == [ANSWERS[user]]
    cell.scroll_into_view_if_needed()
    _shot(page, f"3-{user}-answered-and-saved")

    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    _assignments(page, "fetched").filter(has_text=LESSON).locator(".item_status button", has_text="Submit").click()
    expect(_assignments(page, "submitted").filter(has_text=LESSON)).to_have_count(1, timeout=ACTION_LIMIT_MS)
    _shot(page, f"4-{user}-submitted")


def _read_feedback(page, user: str):
    """Fetch the feedback in the Assignments panel, open it, and return its frame."""
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    page.locator("#refresh_assignments_list").click()
    submitted = _assignments(page, "submitted").filter(has_text=LESSON)
    submitted.locator(".item_status button", has_text="Fetch Feedback").click()
    view = page.locator("#submitted_assignments_list a", has_text="view feedback")
    expect(view).to_have_count(1, timeout=ACTION_LIMIT_MS)
    _shot(page, f"6-{user}-feedback-fetched")
    view.click()
    page.locator(".jp-DirListing-item", has_text=f"{LESSON}.html").dblclick()
    return page.frame_locator(".jp-HTMLViewer iframe")


def test_a_class_releases_submits_grades_and_reads_feedback_on_the_hub(browser, classroom):
    """Does a lesson go from the instructor to two students and back, graded, through the hub's Assignments panels,
    with the right answer scoring more than the wrong one, whose feedback shows the teaching message?"""
    assert sorted(classroom.logins) == ["instructor", "student1", "student2"]
    exchange = classroom.root / "grading" / "exchange" / "keras-model-wars"

    # Everyone logs in at once: the hub starts the three servers side by side.
    instructor = _log_in(browser, classroom, "instructor")
    students = {user: _log_in(browser, classroom, user) for user in ANSWERS}

    # 1. The instructor releases the lesson from the formgrader.
    _release_from_the_formgrader(_lab(instructor))
    _shot(instructor, "1-instructor-released")
    assert (exchange / "outbound" / LESSON / f"{LESSON}.ipynb").is_file()

    # 2. Each student fetches it, answers, saves and submits.
    for user, page in students.items():
        _answer_and_submit(_lab(page), classroom, user)
    assert sorted(p.name.split("+")[0] for p in (exchange / "inbound").iterdir()) == ["student1", "student2"]

    # 3. The instructor collects, grades and releases the feedback.
    for command in (["nbgrader", "collect", LESSON], ["autograder", "grade", LESSON],
                    ["nbgrader", "release_feedback", LESSON]):
        done = classroom.run(*command)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    with (classroom.root / "grading" / "grades.csv").open() as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert sorted(grades) == ["student1", "student2"]
    assert all(row["status"] == "graded" for row in grades.values())
    assert float(grades["student1"]["score"]) > float(grades["student2"]["score"])
    frame = instructor.frame_locator("iframe")
    frame.get_by_role("link", name="Manage Assignments", exact=True).click()
    frame.locator("tr", has=frame.get_by_role("link", name=LESSON, exact=True)).locator(".num-submissions a").click()
    for user, row in grades.items():
        submission = frame.locator("tr", has=frame.get_by_text(user, exact=True))
        expect(submission.locator(".score")).to_have_text(re.compile(r"/"), timeout=ACTION_LIMIT_MS)
        expect(submission.locator(".status")).not_to_contain_text("needs autograding")
        expect(submission.locator(".score")).to_have_text(f"{float(row['score']):g} / {float(row['max_score']):g}")
    _shot(instructor, "5-instructor-graded")

    # 4. Each student fetches the feedback and reads the score, and the wrong answer's teaching message.
    for user, page in students.items():
        feedback = _read_feedback(page, user)
        score, max_score = float(grades[user]["score"]), float(grades[user]["max_score"])
        expect(feedback.locator("body")).to_contain_text(f"(Score: {round(score, 2)} / {round(max_score, 2)})",
                                                       timeout=ACTION_LIMIT_MS)
        if ANSWERS[user] is WRONG:
            message = feedback.get_by_text(TEACHING).first
            expect(message).to_be_visible()
            message.scroll_into_view_if_needed()
        else:
            expect(feedback.locator("body")).not_to_contain_text("returned 12; it should be 16")
        _shot(page, f"7-{user}-reads-feedback")
