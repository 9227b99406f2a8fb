"""How long each client takes to give up on a hostile server, and the most memory it holds meanwhile.

The server is the tests' loopback one (``tests/hostile.py``): a status line
trickled a byte every 0.1 s, a body trickled the same way, a body or an event
stream that never ends (it stops after 64 MiB), a terabyte announced. Each row
is one client against one attack: the seconds until it raised, the peak of
memory Python held (tracemalloc), and what it raised.

``--unbounded`` adds the OpenAI SDK on its own (``timeout=5``, two retries),
for comparison: against a trickle it waits until the server stops sending
(after 10 s), and it reads an endless body to its end.

Usage (from the project's root, in its virtual environment)::

    python scripts/limits_figures.py                  # deadline 1 s, cap 1,000,000 bytes
    python scripts/limits_figures.py --seconds 2 --unbounded
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import openai  # noqa: E402
from hostile import hostile_server  # noqa: E402

from helpers import Limits, probe, run_conversation, run_responses  # noqa: E402

ATTACKS = ("headers", "body", "endless", "sse", "huge-length", "gzip-bomb")
USER = {"role": "user", "content": "hi"}


def clients(limits: Limits, unbounded: bool) -> dict[str, Callable[[str], Any]]:
    """Each way the helpers send a request, as a function of the server's base URL."""

    def plain(url: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=url, api_key="sk-test")

    def loop(url: str, **options: Any) -> Any:
        return run_conversation(plain(url), "m", [USER], [], [], limits=limits, **options)

    ways: dict[str, Callable[[str], Any]] = {
        "loop": loop,
        "streamed loop": lambda url: loop(url, stream=True),
        "Responses loop": lambda url: run_responses(plain(url), "m", "hi", [], [], limits=limits),
        "probe": lambda url: probe(url, "m", timeout=limits.seconds),
    }
    if unbounded:
        sdk = lambda url: openai.OpenAI(base_url=url, api_key="sk-test", timeout=5)  # noqa: E731
        ways["SDK alone"] = lambda url: sdk(url).chat.completions.create(model="m", messages=[USER])
    return ways


def measure(attack: str, send: Callable[[str], Any]) -> tuple[float, float, str]:
    """Seconds, peak MB and the outcome of one client against one attack."""
    with hostile_server(attack) as server:
        tracemalloc.start()
        start = time.monotonic()
        try:
            result = send(server.url)
            outcome = f"returned {type(result).__name__}"
            if hasattr(result, "tools"):  # the probe's row: its first check says it all
                outcome = f"probe row: {result.tools}"
        except Exception as error:  # a row of the table, whatever it is
            outcome = f"{type(error).__name__}: {str(error).split(' from ')[0]}"
        seconds = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return seconds, peak, outcome


def main() -> int:
    """Print one row per client and attack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="the deadline (default 1)")
    parser.add_argument("--max-bytes", type=int, default=1_000_000, help="the byte cap (default 1,000,000)")
    parser.add_argument("--unbounded", action="store_true", help="add the SDK on its own, for comparison")
    args = parser.parse_args()
    limits = Limits(args.seconds, args.max_bytes)
    print("| client | attack | gave up after | peak memory | outcome |\n| --- | --- | --- | --- | --- |")
    for name, send in clients(limits, args.unbounded).items():
        measure("huge-length", send)  # the SDK's first request of a kind imports modules: not measured
        for attack in ATTACKS:
            seconds, peak, outcome = measure(attack, send)
            print(f"| {name} | {attack} | {seconds:.2f} s | {peak:.1f} MB | {outcome} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
