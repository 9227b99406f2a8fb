"""The lessons in a real browser: JupyterLab as a newcomer meets it, every lesson run.

A copy of the project (its tracked files, as they are now) is opened with the
README's command, ``python -m helpers lab``, while a key is set in the
environment, and driven with Playwright in Debian's (or any installed)
Chromium. The first lesson must open and replay, its link to the README must
open the README, and saving it must leave ``git status`` clean. Then every
lesson in the contents is opened and run whole ("Run All"): no cell may raise,
every widget must render, and every stepper's Next button must change what it
shows. A screenshot of each is kept in ``test-artifacts/screenshots/``. A tiny
broken notebook shows that the checker fails when it should. Nothing is saved
and the lessons write into a scratch workspace, so the copy stays unchanged.

Where no Chromium is installed the test is skipped, except in CI, where
``.ci/run`` installs it and a skip would hide a failure. ``--allow-root`` and
the news settings are not passed here: the README's command must add them.
"""

from __future__ import annotations

import json
import os
import re
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

from helpers.lessons.contents import LESSONS

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
TOKEN = "browser-test-token"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Chromium as root in a container, on a machine with no way out: no sandbox, and
# no background connections that would be refused at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The test's own JupyterLab settings: nothing saved behind its back, every cell in
# the page (JupyterLab otherwise leaves cells out of view unrendered).
LAB_USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
WIDGET_FAILURES = ("Loading widget...", "Error displaying widget", "model not found")
# A stepper's Next button, found by its text: its accessible name also holds the arrow
# icon's glyph, so a lookup by role and exact name finds none and checks nothing.
NEXT = re.compile(r"^\s*Next\s*$")


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
    settings = tmp_path_factory.mktemp("lab-settings")
    for name, value in LAB_USER_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value), encoding="utf-8")
    env.update(
        OPENAI_API_KEY="sk-a-key-that-must-not-be-used-0000",
        LESSONS_WORKDIR=str(tmp_path_factory.mktemp("workspace")),
        JUPYTER_CONFIG_DIR=str(tmp_path_factory.mktemp("jupyter-config")),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("lab-workspaces")),
        PYTHONPATH=str(clone),  # the kernel imports the copy's helpers
    )
    # The app is exposed so that the test can run JupyterLab's own commands.
    extra = ["--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"]
    extra.append("--LabApp.expose_app_in_browser=True")
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


@pytest.fixture(scope="module")
def page(lab: str) -> Iterator:
    """JupyterLab in headless Chromium, on the first lesson; the others are opened in it one by one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{lab}/lab/tree/notebooks/00_overview.ipynb?reset&token={TOKEN}")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        yield page
        browser.close()


# JupyterLab's own commands: open a notebook, run all its cells, close it unsaved.
OPEN_AND_RUN_ALL = """async (path) => {
    const app = window.jupyterapp;
    const panel = await app.commands.execute("docmanager:open", {path, factory: "Notebook"});
    window.lessonPanel = panel;
    await panel.context.ready;
    await panel.sessionContext.ready;
    app.shell.activateById(panel.id);
    return await app.commands.execute("notebook:run-all-cells");
}"""
CLOSE_UNSAVED = """async () => {
    const panel = window.lessonPanel;
    await panel.sessionContext.shutdown();
    panel.context.model.dirty = false;
    panel.dispose();
}"""


def test_the_first_lesson_opens_replaying_links_to_the_readme_and_stays_unchanged(page, lab, clone):
    from playwright.sync_api import expect

    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first
    notebook.wait_for(timeout=90_000)
    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text("official Jupyter news")).to_have_count(0)  # no news pop-up

    # Run the setup cell: with a key set, it must still replay.
    notebook.locator(".jp-CodeCell").first.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    banner = notebook.locator(".jp-CodeCell").first.locator(".jp-OutputArea-output")
    expect(banner).to_contain_text("replay · openai · gpt-5-mini · cassette 00_overview.yaml", timeout=60_000)
    # The output comes before the kernel's reply, which brings the execution count: saving in
    # between would store the cell as still running ([*], a null count).
    prompt = notebook.locator(".jp-CodeCell").first.locator(".jp-InputPrompt")
    expect(prompt).to_have_text("[1]:", timeout=60_000)

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
    # Close everything (all saved now), so that the lessons below start alone.
    page.evaluate("() => { for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) w.close(); }")
    _shut_down_kernels(lab)

    assert _git(clone, "status", "--porcelain", "--untracked-files=no") == "", _git(clone, "diff")[:3000]


# What went wrong in the notebook's cells, as the model holds them and as the page shows them.
CELL_PROBLEMS = """() => {
    const found = [];
    const panel = window.lessonPanel;
    let n = 0;
    for (const cell of panel.content.model.cells) {
        n += 1;
        if (cell.type !== "code" || !cell.sharedModel.source.trim()) continue;
        if (cell.executionCount === null) found.push(`cell ${n} did not run`);
        for (const output of cell.outputs.toJSON()) {
            if (output.output_type !== "error") continue;
            found.push(`cell ${n} raised ${output.ename}: ${output.evalue}`);
        }
    }
    const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
    for (const output of panel.node.querySelectorAll(stderr)) {
        const text = output.textContent;
        if (/Traceback|\\w+Error\\b/.test(text)) found.push(`error output: ${text.trim().slice(0, 300)}`);
    }
    return found;
}"""


def notebook_problems(page, widget_wait: float = 10.0) -> list[str]:
    """Everything wrong in the current notebook after a run: errors, broken widgets, stuck steppers.

    Args:
        page: A Playwright page showing one notebook in JupyterLab, already run.
        widget_wait: Seconds to give widgets to render before one still loading counts as broken.
    """
    found = page.evaluate(CELL_PROBLEMS)
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
    deadline = time.monotonic() + widget_wait
    while True:
        broken = [t for t in outputs.all_text_contents() if any(f in t for f in WIDGET_FAILURES)]
        if not broken or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    found += [f"widget not rendered: {t.strip()[:200]}" for t in broken]
    stuck, clicked = stuck_steppers(page)
    expected = page.evaluate(STEPPER_CELLS)
    if clicked < expected:  # a check that found nothing to click has checked nothing
        found.append(f"{expected} cells show a stepper, but {clicked} Next buttons were found and clicked")
    return found + stuck


# How many code cells of the current lesson call the stepper.
STEPPER_CELLS = """() => [...window.lessonPanel.content.model.cells]
    .filter((cell) => cell.type === "code" && cell.sharedModel.source.includes("stepper("))
    .length"""


def stuck_steppers(page, wait: float = 5.0) -> tuple[list[str], int]:
    """Click every enabled "Next" button: the outputs whose view did not change, and how many were clicked."""
    found, clicked = [], 0
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
    steppers = outputs.filter(has=page.locator("button", has_text=NEXT))
    for i in range(steppers.count()):
        output = steppers.nth(i)
        button = output.locator("button", has_text=NEXT).first
        if not button.is_visible() or not button.is_enabled():
            continue
        before = output.text_content()
        button.click()
        clicked += 1
        deadline = time.monotonic() + wait
        while output.text_content() == before and time.monotonic() < deadline:
            time.sleep(0.1)
        if output.text_content() == before:
            found.append(f"Next did not change the view: {before.strip()[:200]}")
    return found, clicked


def _shut_down_kernels(lab: str) -> None:
    """Stop every kernel the server runs."""
    with urllib.request.urlopen(f"{lab}/api/sessions?token={TOKEN}", timeout=10) as answer:
        sessions = json.load(answer)
    for session in sessions:
        request = urllib.request.Request(f"{lab}/api/sessions/{session['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()


# What a screenshot should show first: a drawing or a widget, where the lesson has one.
PICTURE = (
    ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output svg, "
    ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .jupyter-widgets"
)


def show_first_picture(page) -> None:
    """Scroll the lesson's first SVG or widget into view; else leave the view where it is."""
    from playwright.sync_api import Error

    picture = page.locator(PICTURE).first
    try:
        if picture.count():
            picture.scroll_into_view_if_needed(timeout=5_000)
    except Error:  # a screenshot of another part of the lesson is still a screenshot
        pass


def run_notebook(page, path: str, screenshot: Path | None = None) -> list[str]:
    """Open a notebook in JupyterLab, run all its cells, and return what went wrong.

    Nothing is saved: the notebook is closed as it is, and its kernel shut down.
    """
    try:
        page.evaluate(OPEN_AND_RUN_ALL, path)
        found = notebook_problems(page)
        if screenshot is not None:
            show_first_picture(page)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot)
        return found
    finally:
        page.evaluate(CLOSE_UNSAVED)


@pytest.mark.parametrize("stem", [lesson.stem for lesson in LESSONS])
def test_every_lesson_runs_whole_in_jupyterlab(page, stem):
    shot = SCREENSHOTS / f"{stem}.png"
    assert run_notebook(page, f"notebooks/{stem}.ipynb", screenshot=shot) == []


def _broken_notebook(folder: Path) -> str:
    """A tiny notebook with a stepper that does not step and a cell that raises."""
    import nbformat

    cells = [
        # the stepper's shape: an icon beside the text, as lesson 06's Next button has
        "import ipywidgets as w\n"
        "w.VBox([w.HTML('turn 1 of 2'), w.Button(description='Next', icon='arrow-right')])",
        "raise ValueError('a lesson that breaks')",
        "print('never reached')",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "broken.ipynb")
    return "broken.ipynb"


def test_the_checker_fails_on_a_cell_that_raises_and_a_stepper_that_does_not_step(page, clone):
    path = _broken_notebook(clone)
    try:
        found = run_notebook(page, path)
    finally:
        (clone / path).unlink()
    assert "cell 2 raised ValueError: a lesson that breaks" in found
    assert "cell 3 did not run" in found
    assert any(p.startswith("error output:") and "ValueError" in p for p in found)
    assert [p for p in found if "Next" in p] == ["Next did not change the view: turn 1 of 2Next"]


def test_running_the_lessons_left_the_copy_unchanged(lab, clone):
    """Last in the file: after every lesson ran, nothing was saved or written into the project."""
    assert _git(clone, "status", "--porcelain") == "", _git(clone, "diff")[:3000]
