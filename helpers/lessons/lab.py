"""``python -m helpers lab``: open the lessons in JupyterLab, from the project's root.

JupyterLab serves the folder it is started in, so starting it here lets the
lessons' links to ``../README.md`` and the cassettes work. Opening a lesson
must not change it: JupyterLab writes the learner's Python version into a
notebook when its kernel starts, and ``pre_save`` takes it out again before a
save, so an opened lesson stays byte for byte as committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..settings import ROOT

FIRST_LESSON = "notebooks/00_overview.ipynb"


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
        *extra,
        str(Path(ROOT, FIRST_LESSON)),
    ]


def main(extra: Sequence[str] = ()) -> int:
    """Start JupyterLab on the first lesson; return its exit code."""
    cmd = command(extra)
    print("Starting JupyterLab:", " ".join(cmd[1:]), flush=True)
    os.chdir(ROOT)
    if os.name == "posix":
        # Become JupyterLab, so that a signal sent to this process (Ctrl-C, a
        # test stopping the server) reaches it, and no server is left behind.
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0
