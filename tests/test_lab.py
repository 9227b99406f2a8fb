"""python -m helpers lab: JupyterLab from the project's root, lessons left as committed."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from helpers.lessons.lab import (
    LAB_SETTINGS,
    command,
    newcomer_options,
    port_message,
    pre_save,
    requested_port,
)
from helpers.settings import ROOT


def test_jupyterlab_serves_the_project_root_and_opens_the_first_lesson():
    cmd = command(["--allow-root"])
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ROOT}" in cmd
    assert "--FileContentsManager.pre_save_hook=helpers.lessons.lab.pre_save" in cmd
    assert cmd[-2:] == ["--allow-root", str(ROOT / "notebooks" / "00_overview.ipynb")]


def test_a_saved_notebook_loses_the_learners_python_version_only():
    language = {"name": "python", "version": "3.13.1", "pygments_lexer": "ipython3"}
    model = {"type": "notebook", "content": {"metadata": {"language_info": language, "kernelspec": {}}}}
    pre_save(model=model, path="notebooks/00_overview.ipynb", contents_manager=None)
    assert model["content"]["metadata"] == {
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        "kernelspec": {},
    }


def test_other_files_are_saved_as_they_are():
    model = {"type": "file", "content": "version: 1"}
    pre_save(model=model, path="notes.txt", contents_manager=None)
    assert model == {"type": "file", "content": "version: 1"}


def test_no_news_pop_up_and_no_update_check():
    cmd = command()
    assert f"--LabApp.app_settings_dir={LAB_SETTINGS}" in cmd and "--LabApp.news_url=None" in cmd
    overrides = json.loads((LAB_SETTINGS / "overrides.json").read_text(encoding="utf-8"))
    assert overrides == {
        "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"}
    }


@pytest.mark.parametrize(
    ("extra", "environ", "uid", "added"),
    [
        ([], {}, 0, ["--allow-root", "--no-browser"]),  # root in a container, no screen
        ([], {"DISPLAY": ":0"}, 1000, []),
        ([], {"WAYLAND_DISPLAY": "wayland-0"}, 0, ["--allow-root"]),
        (["--allow-root", "--no-browser"], {}, 0, []),  # what the learner gave is not repeated
        (["--ServerApp.open_browser=False"], {}, 1000, []),
    ],
)
def test_a_first_start_adds_what_this_machine_needs(extra, environ, uid, added, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert newcomer_options(extra, environ, uid) == added


def test_on_a_desktop_system_a_browser_opens(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert newcomer_options([], {}, 501) == []


@pytest.mark.parametrize(
    ("extra", "port"),
    [
        ([], 8888),
        (["--port", "8890"], 8890),
        (["--port=8891"], 8891),
        (["--ServerApp.port=8892", "--no-browser"], 8892),
        (["--port"], 8888),
    ],
)
def test_the_port_jupyterlab_tries_first(extra, port):
    assert requested_port(extra) == port


def test_a_taken_port_is_said_in_one_sentence_and_a_free_one_is_not():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        message = port_message(port)
    assert message == (
        f"Port {port} is taken (another JupyterLab? `jupyter server list` shows them): "
        "JupyterLab will use the next free port, so open the address it prints below, "
        "or choose one with --port 8890."
    )
    assert port_message(port) is None
