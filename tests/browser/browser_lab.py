"""Drive a real JupyterLab: start the server, open notebooks, run cells, read what the page shows.

JupyterLab is started with `expose_app_in_browser`, so the tests open files and run cells through JupyterLab's own
commands (as its Galata test tools do), and read outputs from the notebook model. What a person clicks (the
Validate button, the Nbgrader menu, the keyboard in a cell) the tests click too.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from autograder.classroom.hub import free_port
from autograder.notebook.course import ROOT, tool_environment

ARTIFACTS = ROOT / "test-artifacts" / "browser"
"""Screenshots for a person to look at, and the scratch notebooks the tests type into (git-ignored)."""
# Chromium's headless shell: the engine of the full browser without its window machinery, and what Playwright
# drives for headless runs by default; about a third less CPU than `chromium --headless` on the hub's round trip.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Each user setting keeps the test honest or the page still: no autosave (course/ must not change), every cell in
# the page (no windowing), kernels end with their tab, and no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "kernelShutdown": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class LabServer:
    """A running JupyterLab server, rooted at the repository."""

    url: str
    """The base URL, for example http://127.0.0.1:PORT/."""
    token: str
    """The token every request carries."""
    process: subprocess.Popen
    """The `jupyter lab` process, leader of its own process group."""
    log: Path
    """What the server printed."""

    def api(self, path: str, method: str = "GET") -> object:
        """Call the server's REST API; return the decoded JSON (None for an empty reply)."""
        request = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def lab_url(self, path: str = "") -> str:
        """The URL that opens `path` (relative to the repository) in JupyterLab, in a new empty workspace.

        A workspace of its own keeps one page from reopening another page's notebooks (and starting their kernels).
        """
        workspace = f"lab/workspaces/t{secrets.token_hex(6)}"
        return f"{self.url}{workspace}/tree/{path}?token={self.token}" if path else f"{self.url}{workspace}?token={self.token}"

    def end_sessions(self) -> None:
        """Shut down every notebook session and kernel, so the next test starts with the CPU free."""
        for session in self.api("api/sessions"):
            self.api(f"api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("api/kernels"):
            self.api(f"api/kernels/{kernel['id']}", method="DELETE")


def start_lab(workdir: Path, token: str, root: Path = ROOT, startup_limit: float = 180.0) -> LabServer:
    """Start `jupyter lab` from the virtualenv at a course root (the repository), and wait until it answers.

    Args:
        workdir: a scratch folder for the server's settings, workspaces, runtime files and log.
        token: the token the server requires.
        root: the course root the server serves and runs in, as `make instructor` does.
        startup_limit: seconds to wait for the server before giving up (a guard against a hang, not a check).
    """
    settings = workdir / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = tool_environment()
    env.update({
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
    })
    env.pop("JPY_SESSION_NAME", None)
    port = free_port()
    log = workdir / "jupyter-lab.log"
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--LabApp.expose_app_in_browser=True", *(["--allow-root"] if os.geteuid() == 0 else []),
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}/", token, process, log)
    deadline = time.monotonic() + startup_limit
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            server.api("api/status")
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                stop_lab(server)
                raise RuntimeError(f"jupyter lab did not answer on port {port}:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def stop_lab(server: LabServer) -> None:
    """End the server and everything it started (kernels included): its whole process group."""
    try:
        server.end_sessions()
    except (urllib.error.URLError, OSError, ValueError):
        pass
    try:
        pgid = os.getpgid(server.process.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        try:
            server.process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # kernels may outlive the leader for a moment; the group goes too
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def copy_lesson(lesson: str, destination: Path) -> Path:
    """Copy a released lesson folder (notebook, data, hints) to `destination/lesson`; return the notebook's path."""
    target = destination / lesson
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "course" / lesson, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (notebook,) = target.glob("*.ipynb")
    return notebook


def relative(path: Path) -> str:
    """A path as JupyterLab names it: relative to the server's root, with forward slashes."""
    return path.resolve().relative_to(ROOT).as_posix()


# JavaScript run in the page. `kmw` finds a notebook panel by path, runs cells through JupyterLab's own commands,
# and reads each cell's outputs from the notebook model.
HELPERS = r"""
() => {
  const app = window.jupyterapp;
  const panelOf = (path) => {
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
    }
    throw new Error('no open notebook at ' + path);
  };
  // Wait for the kernel to be idle on its status signal, not on timers (a background page's timers are throttled).
  const idle = async (panel) => {
    await panel.context.ready;
    await panel.sessionContext.ready;
    const ctx = panel.sessionContext;
    const isIdle = () => ctx.session && ctx.session.kernel && ctx.session.kernel.status === 'idle';
    if (isIdle()) return;
    await new Promise(resolve => {
      const check = () => { if (isIdle()) { ctx.statusChanged.disconnect(check); ctx.kernelChanged.disconnect(check); resolve(); } };
      ctx.statusChanged.connect(check);
      ctx.kernelChanged.connect(check);
      check();
    });
  };
  window.kmw = {
    ready: async (path) => { await app.started; await app.restored; await idle(panelOf(path)); },
    count: (path) => panelOf(path).content.widgets.length,
    indexOf: (path, id) => panelOf(path).content.widgets.findIndex(c => c.model.id === id),
    tag: (path) => {
      panelOf(path).content.widgets.forEach((c, i) => { c.node.dataset.kmwId = c.model.id; c.node.dataset.kmwIndex = i; });
    },
    // Each code cell through JupyterLab's own CodeCell.execute, which 'notebook:run-cell' calls, but without moving
    // the selection: a new active cell scrolls the page and makes every cell's editor measure itself again, which
    // cost Chromium more CPU than the kernel's work (lesson 03: 10 CPU-s against 5 without, in one run).
    run: async (path, indices) => {
      const panel = panelOf(path);
      app.shell.activateById(panel.id);
      await idle(panel);
      for (const i of indices) {
        const cell = panel.content.widgets[i];
        if (cell.model.type === 'code') {
          await cell.constructor.execute(cell, panel.sessionContext);
        } else if (cell.model.type === 'markdown') {
          cell.rendered = true;
        }
        await idle(panel);
      }
    },
    cells: async (path) => {
      const panel = panelOf(path);
      const out = [];
      for (const [i, c] of panel.content.widgets.entries()) {
        const imgs = Array.from(c.node.querySelectorAll('.jp-OutputArea-output img'));
        for (const img of imgs) { try { await img.decode(); } catch (e) {} }
        out.push({
          index: i, id: c.model.id, type: c.model.type, source: c.model.sharedModel.getSource(),
          outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [],
          images: imgs.map(img => ({width: img.naturalWidth, height: img.naturalHeight})),
          text: (c.node.querySelector('.jp-Cell-outputArea') || {innerText: ''}).innerText,
        });
      }
      return out;
    },
  };
}
"""


def open_notebook(page, server: LabServer, path: str) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(server.lab_url(path))
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.evaluate("() => window.jupyterapp.restored")
    page.evaluate(HELPERS)
    page.wait_for_function(
        "(path) => { try { window.kmw.indexOf(path, ''); return true; } catch (e) { return false; } }", arg=path,
        timeout=120_000,
    )
    page.evaluate("(path) => window.kmw.ready(path)", path)
    page.evaluate("(path) => window.kmw.tag(path)", path)


def run_cells(page, path: str, indices: list[int]) -> None:
    """Run the given cells one after another, each to the end, through the code shift-enter runs (see `kmw.run`)."""
    page.evaluate("([path, indices]) => window.kmw.run(path, indices)", [path, indices])


def start_running(page, path: str) -> None:
    """Start running every cell of the notebook, one after another, and return at once (see `finish_running`)."""
    page.evaluate("(path) => { window.kmwRun = window.kmw.run(path, [...Array(window.kmw.count(path)).keys()]); }", path)


def finish_running(page) -> None:
    """Wait until the run started by `start_running` is over."""
    page.evaluate("() => window.kmwRun")


def cells(page, path: str) -> list[dict]:
    """Every cell: id, type, source, outputs (nbformat JSON), rendered images and output text."""
    return page.evaluate("(path) => window.kmw.cells(path)", path)


def index_of(page, path: str, cell_id: str) -> int:
    """The position of the cell with this id."""
    index = page.evaluate("([path, id]) => window.kmw.indexOf(path, id)", [path, cell_id])
    assert index >= 0, f"no cell {cell_id} in {path}"
    return index


def cell_locator(page, cell_id: str):
    """The cell's element on the page."""
    return page.locator(f'.jp-Cell[data-kmw-id="{cell_id}"]')


def errors(cell: dict) -> list[tuple[str, str]]:
    """The (ename, evalue) of every error output of a cell."""
    return [(o.get("ename", ""), o.get("evalue", "")) for o in cell["outputs"] if o.get("output_type") == "error"]


def artifact(name: str) -> Path:
    """Where the screenshot NAME goes: test-artifacts/browser/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def shot(page, name: str, target=None) -> Path:
    """Save a screenshot of the page, scrolled to `target` (an element) if given; return its path."""
    path = artifact(name)
    if target is None:
        page.screenshot(path=str(path))
    else:
        target.scroll_into_view_if_needed()
        page.screenshot(path=str(path))
    return path
