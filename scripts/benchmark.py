"""The offline test suite against its floor: how much of its time is the lessons' own.

The floor is what no suite of notebooks can beat: as many notebooks as there are
lessons, each only starting a kernel and importing ``openai``, run the same way
(pytest, nbval, pytest-xdist with ``-n auto --dist loadfile``). The suite and the
floor run in turn, a few times each, in the same run, and the medians and their
ratio are printed, and the lessons' ratio round by round (each round's runs share
the machine's load at the time). The target is a ratio of 1.3 or less.

The lessons alone (``notebooks/``, the same run without the unit tests) are timed
in the same rounds, and their ratio to the floor printed too: it says how much the
lessons' own cells cost beyond starting their kernels, apart from the 1,000-odd
unit tests, which the floor has no counterpart for. Its target is 1.5 or less.
``--lessons-only`` leaves the suite out: the lessons and the floor alone, a few
minutes for the closing figure.

Usage (from the project's root, in its virtual environment)::

    python scripts/benchmark.py                 # 3 rounds, browser test left out
    python scripts/benchmark.py --rounds 5 --with-browser
    python scripts/benchmark.py --lessons-only --rounds 5   # lessons against floor only
    python scripts/benchmark.py -- --durations=30   # more options for the suite's pytest
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARALLEL = ["-n", "auto", "--dist", "loadfile", "--no-loadscope-reorder"]
FLOOR_CELL = "import openai\n\nopenai.__name__"


def lesson_count() -> int:
    """How many lessons the contents list."""
    sys.path.insert(0, str(ROOT))
    from helpers.lessons.contents import LESSONS

    return len(LESSONS)


def write_floor(folder: Path, count: int) -> None:
    """``count`` notebooks that start a kernel and import openai, with their stored output."""
    output = {"output_type": "execute_result", "execution_count": 1, "metadata": {}}
    output["data"] = {"text/plain": "'openai'"}
    cell = {"cell_type": "code", "execution_count": 1, "id": "floor", "metadata": {}}
    cell.update(source=FLOOR_CELL, outputs=[output])
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernel}, "cells": [cell]}
    for i in range(count):
        (folder / f"floor_{i:02d}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n", encoding="utf-8")


def timed(cmd: list[str], cwd: Path) -> tuple[float, bool]:
    """Seconds a command takes, and whether it passed (its last lines are printed if not)."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-8:])
        print(f"FAILED (timed all the same): {' '.join(cmd)}\n{tail}", flush=True)
    return seconds, result.returncode == 0


def main(argv: list[str] | None = None) -> int:
    """Run suite and floor in turn; print the medians and the ratio; exit 1 if a run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternating (default 3)")
    parser.add_argument("--with-browser", action="store_true", help="keep the browser test in the suite")
    parser.add_argument("--lessons-only", action="store_true", help="lessons and floor only, no suite")
    parser.add_argument("suite_args", nargs="*", help="more options for the suite's pytest (after --)")
    args = parser.parse_args(argv)
    pytest = [sys.executable, "-m", "pytest", "-q"]
    suite = [*pytest, *args.suite_args]
    if not args.with_browser:
        suite.append("--ignore=tests/test_browser.py")
    count = lesson_count()
    lessons = [*pytest, "notebooks"]  # run as the suite runs them (pyproject.toml's options)
    times: dict[str, list[float]] = {"suite": [], "lessons": [], "floor": []}
    passed = True
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        floor_dir = Path(tmp)
        write_floor(floor_dir, count)
        floor = [*pytest, "--nbval", *PARALLEL, "-c", str(floor_dir / "pytest.ini"), str(floor_dir)]
        for i in range(args.rounds):
            runs = [("suite", suite, ROOT), ("lessons", lessons, ROOT), ("floor", floor, floor_dir)]
            for name, cmd, cwd in runs[1:] if args.lessons_only else runs:
                seconds, ok = timed(cmd, cwd)
                times[name].append(seconds)
                passed &= ok
                print(f"round {i + 1}: {name} {times[name][-1]:.1f} s", flush=True)
    lessons_s, floor_s = statistics.median(times["lessons"]), statistics.median(times["floor"])
    print(f"{os.cpu_count()} cores, {count} lessons, {args.rounds} rounds (medians)")
    if times["suite"]:
        suite_s = statistics.median(times["suite"])
        ratio = suite_s / floor_s
        print(f"suite {suite_s:.1f} s, floor {floor_s:.1f} s, suite/floor {ratio:.2f} (target <= 1.3)")
    ratio = lessons_s / floor_s
    print(f"lessons {lessons_s:.1f} s, floor {floor_s:.1f} s, lessons/floor {ratio:.2f} (target <= 1.5)")
    # On a shared machine the load moves between rounds: a round's two runs, side by side, share it.
    paired = [lesson / floor for lesson, floor in zip(times["lessons"], times["floor"], strict=True)]
    rounds = ", ".join(f"{r:.2f}" for r in paired)
    print(f"lessons/floor round by round: {rounds}; their median {statistics.median(paired):.2f}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
