"""One JupyterLab server and one headless Chromium for the whole browser suite; a fresh page for each test."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from pathlib import Path

import pytest
from browser_lab import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, start_lab, stop_lab

from autograder.notebook.course import RELEASE


def _course_fingerprint() -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(RELEASE.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a free localhost port with a token, rooted at the repository; ended with all its kernels.

    The suite must leave course/ as it found it (autosave is off, and nothing is saved there); checkpoint folders
    that JupyterLab creates beside the lessons are removed again.
    """
    before = _course_fingerprint()
    checkpoints_before = set(RELEASE.rglob(".ipynb_checkpoints"))
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"), token=secrets.token_hex(16))
    try:
        yield server
    finally:
        stop_lab(server)
        for folder in set(RELEASE.rglob(".ipynb_checkpoints")) - checkpoints_before:
            shutil.rmtree(folder, ignore_errors=True)
    after = _course_fingerprint()
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"the browser tests changed files in course/: {sorted({name for name, _ in changed})}"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium headless shell, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium-headless-shell "
                    "(or set CHROMIUM=/path/to/chromium).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(lab, browser):
    """A new browser page; its notebooks' kernels are shut down when the test ends."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()
    lab.end_sessions()


@pytest.fixture(scope="session")
def scratch():
    """A git-ignored folder inside the server's root for notebooks the tests type into and save."""
    folder = ARTIFACTS / "notebooks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
