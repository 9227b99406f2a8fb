"""``python -m helpers lab``: open the lessons in JupyterLab, from the project's root.

JupyterLab serves the folder it is started in, so starting it here lets the
lessons' links to ``../README.md`` and the cassettes work. Opening a lesson
must not change it: JupyterLab writes the learner's Python version into a
notebook when its kernel starts, and ``pre_save`` takes it out again before a
save, so an opened lesson stays byte for byte as committed.

A newcomer's first start should show the lesson and nothing else: no pop-up
asking about Jupyter news (``lab_settings/overrides.json``), no refusal to run
as root in a container (``--allow-root`` is added for root), no failed attempt
to open a browser where there is no screen (``--no-browser`` is added), and a
plain sentence when the port is already taken, where JupyterLab would quietly
move to the next one.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..settings import ROOT

FIRST_LESSON = "notebooks/00_overview.ipynb"
# JupyterLab's settings overrides for the lessons: no news pop-up, no update check.
LAB_SETTINGS = Path(__file__).resolve().parent / "lab_settings"
DEFAULT_PORT = 8888


def pre_save(model: dict[str, Any], path: str, **_: Any) -> None:
    """A Jupyter ``pre_save_hook``: keep the learner's Python version out of saved notebooks."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    language = model["content"].get("metadata", {}).get("language_info")
    if isinstance(language, dict):
        language.pop("version", None)


def command(extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line that ``python -m helpers lab`` runs.

    Args:
        extra: More options for JupyterLab, such as ``--port 8890`` or, as root
            in a container, ``--allow-root``.
    """
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={ROOT}",
        "--FileContentsManager.pre_save_hook=helpers.lessons.lab.pre_save",
        f"--LabApp.app_settings_dir={LAB_SETTINGS}",
        "--LabApp.news_url=None",
        *newcomer_options(extra),
        *extra,
        str(Path(ROOT, FIRST_LESSON)),
    ]


def newcomer_options(
    extra: Sequence[str], environ: dict[str, str] | None = None, uid: int | None = None
) -> list[str]:
    """The options a first start needs here and that ``extra`` does not already give.

    Args:
        extra: The options the learner added.
        environ: The environment to look for a screen in (default: this process's).
        uid: The user id (default: this process's; ``None`` where there is none, on Windows).
    """
    environ = os.environ if environ is None else environ
    if uid is None and hasattr(os, "geteuid"):
        uid = os.geteuid()
    added = []
    if uid == 0 and "--allow-root" not in extra:
        added.append("--allow-root")
    # On Linux a browser needs a screen; macOS and Windows always have one.
    headless = sys.platform.startswith("linux") and not (
        environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")
    )
    if headless and not {"--no-browser", "--ServerApp.open_browser=False"} & set(extra):
        added.append("--no-browser")
    return added


def requested_port(extra: Sequence[str]) -> int:
    """The port JupyterLab will try first: ``--port N``, ``--port=N`` or ``--ServerApp.port=N``."""
    port = DEFAULT_PORT
    for i, option in enumerate(extra):
        name, _, value = option.partition("=")
        if name in ("--port", "--ServerApp.port"):
            if not value and i + 1 < len(extra):
                value = extra[i + 1]
            port = int(value) if value.isdigit() else port
    return port


def port_message(port: int) -> str | None:
    """One sentence for the learner when ``port`` is taken on this machine, else ``None``."""
    addresses = [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if socket.has_ipv6 else [])
    for family, address in addresses:
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
            try:
                probe.bind((address, port))
            except OSError as error:
                if family == socket.AF_INET6 and error.errno == errno.EADDRNOTAVAIL:
                    continue  # no IPv6 loopback here
                return (
                    f"Port {port} is taken (another JupyterLab? `jupyter server list` shows them): "
                    "JupyterLab will use the next free port, so open the address it prints below, "
                    "or choose one with --port 8890."
                )
    return None


def main(extra: Sequence[str] = ()) -> int:
    """Start JupyterLab on the first lesson; return its exit code."""
    cmd = command(extra)
    print("Starting JupyterLab:", " ".join(cmd[1:]), flush=True)
    taken = port_message(requested_port(extra))
    if taken:
        print(taken, flush=True)
    os.chdir(ROOT)
    if os.name == "posix":
        # Become JupyterLab, so that a signal sent to this process (Ctrl-C, a
        # test stopping the server) reaches it, and no server is left behind.
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0
