"""Planted recording journals: how many files the command line writes where a journal tells it to.

A folder of downloaded cassettes can hold a hidden ``.recording-<lesson>/commit.json``,
the journal ``python -m helpers record`` leaves when it is killed mid-commit.
For each planted journal (absolute, ``../``, case and Unicode look-alike names,
a notebook elsewhere, another checkout's folder, a symbolic and a hard link in
the scratch folder, not JSON, 10 MB...), this script runs ``check``,
``record`` and ``refresh`` on a throwaway copy (``--eval`` adds ``eval``,
which is slower) with ``LESSONS_CASSETTE_DIR`` pointing there, and compares
every file under the temporary folder before and after.

Read: one line per attack, the files changed outside the workspace (``0``
is the promise: a journal that is not exactly what ``record`` writes is
refused whole; the control, a genuine journal, installs its one cassette),
and per command its exit code and ``traceback`` if one was
printed. The last line is the total of files written.

Usage (from the project's root, in its virtual environment; POSIX, for the links)::

    python scripts/recovery_attacks.py
    python scripts/recovery_attacks.py --eval
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
EVIL = "evil\n"


def sha(text: str) -> str:
    """The SHA-256 of ``text`` in UTF-8, as a journal names a staged file."""
    return hashlib.sha256(text.encode()).hexdigest()


def journals(base: Path) -> dict[str, object]:
    """Each attack: the journal planted (a dict is written as JSON, a string as it is)."""
    cassettes, notebook, victim = base / "cassettes", base / "notebooks" / "demo.ipynb", base / "victim"

    def journal(name: str, **changes: object) -> dict[str, object]:
        files = [{"name": name, "sha256": sha(EVIL)}, {"name": "demo.ipynb", "sha256": sha(NOTEBOOK)}]
        plan = {"format": "helpers-recording-journal", "version": 1, "lesson": "demo"}
        return {**plan, "cassette_dir": str(cassettes), "notebook": str(notebook), "files": files, **changes}

    return {
        "control: genuine journal": journal("demo.yaml"),  # what record writes: rolled forward, 1 cassette
        "old format, absolute": {"install": [["p.yaml", str(victim / "x")]]},
        "old format, ../": {"install": [["p.yaml", "../victim/x"]]},
        "absolute name": journal(str(victim / "x")),
        "../ name": journal("../victim/x"),
        "name with a slash": journal("sub/demo.yaml"),
        "another lesson's cassette": journal("other.yaml"),
        "case look-alike": journal("DEMO.yaml"),
        "fullwidth dots": journal("\uff0e\uff0e/victim/x"),
        "NUL in name": journal("demo.yaml\x00.txt"),
        "notebook elsewhere": journal("demo.yaml", notebook=str(victim / "demo.ipynb")),
        "another checkout": journal("demo.yaml", cassette_dir="/elsewhere/cassettes"),
        "symbolic link staged": journal("linked.yaml"),
        "hard link staged": journal("hard.yaml"),
        "version 2": journal("demo.yaml", version=2),
        "not JSON": "{{{",
        "10 MB": "x" * 10_000_000,
    }


def plant(base: Path, journal: object) -> None:
    """A scratch folder holding staged files, two links to the victim, and the journal."""
    scratch = base / "cassettes" / ".recording-demo"
    scratch.mkdir()
    for name in ("p.yaml", "demo.yaml", "DEMO.yaml", "other.yaml"):
        (scratch / name).write_text(EVIL)
    (scratch / "demo.ipynb").write_text(NOTEBOOK)
    os.symlink(base / "victim" / "x", scratch / "linked.yaml")
    os.link(base / "victim" / "x", scratch / "hard.yaml")
    text = journal if isinstance(journal, str) else json.dumps(journal)
    (scratch / "commit.json").write_text(text, encoding="utf-8")


def snapshot(base: Path) -> dict[str, bytes]:
    """Every file under ``base`` but the scratch folder and the workspace, by path: its bytes."""
    found = {}
    for folder, _, files in os.walk(base):
        if ".recording-" in folder or "workspace" in folder:
            continue
        for name in files:
            path = Path(folder, name)
            found[str(path.relative_to(base))] = b"link" if path.is_symlink() else path.read_bytes()
    return found


def attack(base: Path, journal: object, commands: list[list[str]]) -> tuple[list[str], list[str]]:
    """Plant the journal in a fresh copy, run each command; the files changed, each command's result."""
    for folder in ("cassettes", "notebooks", "victim"):
        (base / folder).mkdir(parents=True)
    (base / "victim" / "x").write_text("victim\n")
    (base / "notebooks" / "demo.ipynb").write_text(NOTEBOOK)
    (base / "cassettes" / "demo.yaml").write_text("interactions: []\n")
    env = {
        **os.environ,
        "LESSONS_CASSETTE_DIR": str(base / "cassettes"),
        "LESSONS_WORKDIR": str(base / "workspace"),
    }
    # refresh rewrites the notebook it runs: run it once first, so that only a journal's writes count
    refresh = [sys.executable, "-m", "helpers", "refresh", str(base / "notebooks" / "demo.ipynb")]
    subprocess.run(refresh, cwd=ROOT, env=env, capture_output=True, timeout=300)
    plant(base, journal)
    before = snapshot(base)
    results = []
    for command in commands:
        argv = [a.replace("{base}", str(base)) for a in command]
        run = subprocess.run(
            [sys.executable, "-m", "helpers", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        traceback = " traceback" if "Traceback" in run.stdout + run.stderr else ""
        results.append(f"{argv[0]} {run.returncode}{traceback}")
    after = snapshot(base)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    return changed, results


def main() -> None:
    """Run every attack in its own temporary folder and print the files each wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", action="store_true", help="also run eval (replays lesson 12's tasks)")
    args = parser.parse_args()
    commands = [
        ["check", "{base}/cassettes/demo.yaml"],
        ["record", "--from-source", "{base}/notebooks/demo.ipynb"],
        ["refresh", "{base}/notebooks/demo.ipynb"],
    ] + ([["eval"]] if args.eval else [])
    total = 0
    with tempfile.TemporaryDirectory() as temp:
        names = list(journals(Path(temp)))
        for number, name in enumerate(names):
            base = Path(temp, str(number))  # each attack in a fresh copy, its journal naming that copy
            changed, results = attack(base, journals(base)[name], commands)
            total += 0 if name.startswith("control") else len(changed)
            print(f"{name:26} {len(changed)} file(s) changed {changed or ''}  {', '.join(results)}")
    attacks = sum(not name.startswith("control") for name in names)
    print(f"files written by recovery across {attacks} attacks (the control left out): {total}")


if __name__ == "__main__":
    main()
