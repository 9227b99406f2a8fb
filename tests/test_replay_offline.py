"""Replay touches no network: lesson 06, run whole in replay, looks up no host name.

Its failed-request demo uses a client for ``unreachable.invalid``; the name
must never reach the resolver, so the kernel's ``socket.getaddrinfo`` is
replaced by one that notes every host asked for and refuses.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient
from support import ROOT

WATCH = """
import socket

LOOKUPS = []


def _refuse(host, *args, **kwargs):
    LOOKUPS.append(host)
    raise OSError(f"replay looked up {host!r}")


socket.getaddrinfo = _refuse
"""


def test_lesson_06_in_replay_looks_up_no_host(tmp_path, monkeypatch):
    nb = nbformat.read(ROOT / "notebooks" / "06_the_loop.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(WATCH))
    nb.cells.append(nbformat.v4.new_code_cell('print("looked up:", LOOKUPS)'))
    monkeypatch.setenv("LESSONS_MODE", "replay")  # the kernel inherits the environment
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path))
    resources = {"metadata": {"path": str(ROOT / "notebooks")}}  # the lesson reads files beside it
    ran = NotebookClient(nb, timeout=120, kernel_name="python3", resources=resources).execute()
    assert ran.cells[-1].outputs[0]["text"] == "looked up: []\n"
    demo = next(c for c in ran.cells if c.cell_type == "code" and "unreachable.invalid" in c.source)
    assert "".join(o["text"] for o in demo.outputs) == (
        "APIConnectionError: Connection error.\nstill in messages_kept: ['user']\n"
    )
