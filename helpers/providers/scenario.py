"""``python -m helpers.providers.scenario gemini mistral``: the memory scenario on emulations.

Lesson 13 runs its one loop, ``run_conversation``, against providers it has no
cassette for, on ``emulated_client`` in its own kernel; this command does the
same from a terminal, over each emulation's loopback server. Each line says
how many turns the loop took and which tools it called, the same on every
machine (not which file was written: that depends on the memory reading).
A request the provider refuses is one line, as a live lesson cell says it
(``recording.errors.explain``).

Examples:
    python -m helpers.providers.scenario gemini openrouter mistral
    python -m helpers.providers.scenario deepseek --tool-choice required
    python -m helpers.providers.scenario openai --model gpt-5.4-mini --reasoning-effort low
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import openai

from ..calling.loop import LoopError, run_conversation
from ..calling.schema import tools_for
from ..recording.errors import explain
from ..tools.machine import get_memory_info, write_file
from .emulate import Emulation
from .facts import BEHAVIOURS

FUNCTIONS = {"get_memory_info": get_memory_info, "write_file": write_file}
# Run B's request in English (the article's own prompt lives in lessons/, above this module).
PROMPT = "Work out the memory usage; above 80% write it to mem_high.txt, otherwise to mem_ok.txt."


def run_once(
    name: str, *, stream: bool, tool_choice: Any = None, model: str = "", reasoning_effort: str = ""
) -> str:
    """One run of the memory scenario on ``name``'s emulation, said in one line.

    Args:
        name: A provider in ``facts.BEHAVIOURS``.
        stream: Stream every reply (``run_conversation(stream=True)``).
        tool_choice: Sent on every request when given.
        model: The model to ask; default the emulation's own.
        reasoning_effort: Sent on every request when given.
    """
    extra = {} if tool_choice is None else {"tool_choice": tool_choice}
    extra |= {"reasoning_effort": reasoning_effort} if reasoning_effort else {}
    model = model or BEHAVIOURS[name].model or name
    with Emulation(name) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=10)
        prompt = {"role": "user", "content": PROMPT}
        try:
            run = run_conversation(
                client,
                model,
                [prompt],
                tools_for(*FUNCTIONS.values()),
                FUNCTIONS,
                stream=stream,
                max_turns=4,
                **extra,
            )
        except openai.BadRequestError as error:
            return explain(error, f"emulated {name}", "")
        except LoopError as error:  # e.g. "required" on every turn: the model never stops calling
            return str(error)
    called = [call["function"]["name"] for m in run.messages for call in m.get("tool_calls") or []]
    return f"{run.turns} turns, called {', '.join(called) or 'nothing'}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenario on each named emulation, whole and streamed; print one line per run."""
    parser = argparse.ArgumentParser(prog="python -m helpers.providers.scenario")
    parser.add_argument("providers", nargs="+", choices=sorted(BEHAVIOURS), metavar="PROVIDER")
    parser.add_argument("--tool-choice", choices=["auto", "none", "required"], help="sent on every request")
    parser.add_argument("--model", default="", help="the model to ask (default: the emulation's)")
    parser.add_argument("--reasoning-effort", choices=["none", "low", "medium", "high"], default="")
    args = parser.parse_args(argv)
    for name in args.providers:
        for stream in (False, True):
            line = run_once(
                name,
                stream=stream,
                tool_choice=args.tool_choice,
                model=args.model,
                reasoning_effort=args.reasoning_effort,
            )
            print(f"{name:<10} {'streamed' if stream else 'whole':<9} {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
