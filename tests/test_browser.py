"""The README's JupyterLab command, tried in a real browser as a newcomer meets it.

A copy of the project (its tracked files, as they are now) is opened with
``python -m helpers lab`` while a key is set in the environment, and driven
with Playwright in Debian's (or any installed) Chromium: the first lesson must
open and replay, its link to the README must open the README, and saving the
lesson must leave ``git status`` clean. Where no Chromium is installed the test
is skipped, except in CI, where ``.ci/run`` installs it and a skip would hide a
failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ROOT, tracked_files

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
TOKEN = "browser-test-token"


def _require_browser() -> None:
    if os.name != "posix":
        pytest.skip("the browser test stops JupyterLab by its process group (POSIX)")
    missing = [what for what, found in (("chromium", CHROMIUM), ("git", shutil.which("git"))) if not found]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (requirements-dev.txt)")
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test, but these are missing: {', '.join(missing)}")
    if missing:
        pytest.skip(f"no {', '.join(missing)} here (Debian: apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's tracked files, in a git repository of their own."""
    _require_browser()
    folder = tmp_path_factory.mktemp("clone")
    for name in tracked_files("*"):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "copy")
    return folder


@pytest.fixture(scope="module")
def lab(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab started by the README's command, with a key in the environment."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONS_")}
    env.update(
        OPENAI_API_KEY="sk-a-key-that-must-not-be-used-0000",
        LESSONS_WORKDIR=str(tmp_path_factory.mktemp("workspace")),
        JUPYTER_CONFIG_DIR=str(tmp_path_factory.mktemp("jupyter-config")),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path_factory.mktemp("lab-settings")),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("lab-workspaces")),
        PYTHONPATH=str(clone),  # the kernel imports the copy's helpers
    )
    extra = ["--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")
    log = (tmp_path_factory.mktemp("log") / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "helpers", "lab", *extra],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group, stopped whole below
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            assert server.poll() is None, Path(log.name).read_text()
            time.sleep(0.5)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail("JupyterLab did not start in 90 s:\n" + Path(log.name).read_text())
    yield base
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
    log.close()


def test_the_first_lesson_opens_replaying_links_to_the_readme_and_stays_unchanged(lab, clone):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{lab}/lab/tree/notebooks/00_overview.ipynb?reset&token={TOKEN}")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first
        notebook.wait_for(timeout=90_000)
        expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(timeout=90_000)

        # Run the setup cell: with a key set, it must still replay.
        notebook.locator(".jp-CodeCell").first.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        banner = notebook.locator(".jp-CodeCell").first.locator(".jp-OutputArea-output")
        expect(banner).to_contain_text(
            "replay · openai · gpt-5-mini · cassette 00_overview.yaml", timeout=60_000
        )

        # Save: what JupyterLab writes must be what is committed.
        page.keyboard.press("Control+s")
        expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0, timeout=30_000)

        # The navigation cell's Contents link opens the README, served from the root.
        link = notebook.locator("a", has_text="Contents").last
        link.scroll_into_view_if_needed()
        link.click()
        expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text("README.md", timeout=30_000)
        expect(page.locator(".jp-RenderedMarkdown h1").last).to_contain_text(
            "Function calling, step by step", timeout=30_000
        )
        browser.close()

    assert _git(clone, "status", "--porcelain", "--untracked-files=no") == ""
