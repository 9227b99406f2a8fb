"""How long a lesson's setup cell takes in a fresh kernel, and ``python -m helpers`` to start.

The setup cell (``from helpers import setup`` / ``client, MODEL = setup("<stem>")``)
is timed inside a newly started kernel, ``import openai`` included, kernel start
not included; each lesson a few times, each time in a new kernel, and the median
is printed beside the target of 1.2 s. Then ``python -m helpers --help``, the
command line's start, is timed the same way.

With ``--first-request``, the lesson's first cell that uses ``client`` is timed
too, in the same kernel, after the cells before it have run: replay reads the
cassette when the first request is sent, so that is where the time the setup
cell no longer spends shows up.

Usage (from the project's root, in its virtual environment)::

    python scripts/setup_time.py                 # every lesson, 3 runs each
    python scripts/setup_time.py --runs 5 06_the_loop
    python scripts/setup_time.py --runs 5 --first-request 06_the_loop
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
TARGET = 1.2


def code_cells(stem: str, first_request: bool) -> list[str]:
    """The setup cell; with ``first_request``, also every code cell up to the first that uses ``client``."""
    notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    if not first_request:
        return cells[:1]
    last = next((i for i, source in enumerate(cells[1:], 1) if "client." in source), 0)
    return cells[: last + 1]


def kernel_env(workdir: str) -> dict[str, str]:
    """Replay, no key, what the lessons write in a scratch folder: as the tests run them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONS_") and not k.endswith("_API_KEY")}
    env.update(LESSONS_MODE="replay", LESSONS_WORKDIR=workdir, PYTHONPATH=str(ROOT))
    return env


def time_in_fresh_kernel(cells: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds the first and the last of ``cells`` take, run in turn in a kernel started for them alone."""
    from jupyter_client.manager import start_new_kernel

    # The kernel's own warnings (TCP transport) are not this script's output.
    manager, client = start_new_kernel(cwd=str(ROOT / "notebooks"), env=env, stderr=subprocess.DEVNULL)
    try:
        client.execute_interactive("import time as _clock", timeout=60)
        seconds: list[float] = []

        def keep(message: dict) -> None:
            if message["msg_type"] == "stream":
                seconds.append(float(message["content"]["text"]))

        for source in cells:
            client.execute_interactive("_start = _clock.perf_counter()", timeout=60)
            reply = client.execute_interactive(source, timeout=120, output_hook=lambda _: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"a cell failed: {reply['content'].get('evalue')}\n{source}")
            client.execute_interactive("print(_clock.perf_counter() - _start)", timeout=60, output_hook=keep)
        return seconds[0], seconds[-1]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def cli_start(runs: int) -> float:
    """Median seconds of ``python -m helpers --help``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "helpers", "--help"], cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Time the setup cells and the command line; exit 1 if a median is over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh kernels per lesson (default 3)")
    parser.add_argument("--first-request", action="store_true", help="also time the first cell using client")
    parser.add_argument("stems", nargs="*", help="lessons to time (default: every lesson)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from helpers.lessons.contents import LESSONS

    stems = args.stems or [lesson.stem for lesson in LESSONS]
    over = 0
    with tempfile.TemporaryDirectory(prefix="setup-time-") as workdir:
        env = kernel_env(workdir)
        for stem in stems:
            cells = code_cells(stem, args.first_request)
            runs = [time_in_fresh_kernel(cells, env) for _ in range(args.runs)]
            median = statistics.median(setup for setup, _ in runs)
            over += median > TARGET
            line = f"{stem:40} setup cell {median:.2f} s{'  OVER' if median > TARGET else ''}"
            if len(cells) > 1:
                line += f"   first request cell {statistics.median(last for _, last in runs):.2f} s"
            print(line, flush=True)
    print(f"python -m helpers --help: {cli_start(args.runs):.2f} s")
    print(f"{len(stems) - over} of {len(stems)} setup cells within {TARGET} s (median of {args.runs})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
