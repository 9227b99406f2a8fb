"""How the stream assembler and the loops take hostile replies: counts of answers, own errors and crashes.

The inputs are the property tests' own grammars (``tests/test_stream_hostile.py``,
``tests/test_responses_hostile.py``), drawn the same way on every run. Each line
counts what came of them:

- the table of hostile chunks, one chunk each: ``BadChunk``, silently accepted, or a crash;
- the assembler over chunk sequences: a message the API takes back, one it
  would refuse (an empty, repeated or non-text id...), or a crash;
- the streamed loop, and the Responses loop: an answer, the loop's own error
  (``BadResponse``, ``IncompleteResponse``), a final answer taken from a reply
  that was not one (Responses only), or a crash.

Usage (from the project's root, in its virtual environment)::

    python scripts/parsing_figures.py                    # this checkout's helpers
    python scripts/parsing_figures.py --examples 300
    git archive <commit> helpers | tar -x -C /tmp/old    # an older version, for comparison
    python scripts/parsing_figures.py --helpers /tmp/old
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load(helpers_root: Path) -> tuple[Any, Any, Any]:
    """The helpers under ``helpers_root``, and the two test modules that hold the grammars."""
    sys.path[:0] = [str(helpers_root), str(ROOT / "tests")]
    from helpers.calling import stream

    if not hasattr(stream, "BadChunk"):  # a version from before BadChunk: nothing raises it
        stream.BadChunk = type("BadChunk", (ValueError,), {})
    import test_responses_hostile
    import test_stream_hostile

    return stream, test_stream_hostile, test_responses_hostile


def _sample(strategy: Any, count: int) -> list[Any]:
    """``count`` values drawn from a hypothesis strategy, the same ones on every run."""
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list[Any] = []

    quiet = {"suppress_health_check": list(HealthCheck), "deadline": None}

    @settings(max_examples=count, database=None, derandomize=True, phases=[Phase.generate], **quiet)
    @given(strategy)
    def keep(value: Any) -> None:
        drawn.append(value)

    keep()
    return drawn


def _outcome(run: Any, own: tuple[type[BaseException], ...], said: str = "own error") -> str:
    """What calling ``run`` came to: its own result, one of the ``own`` errors (``said``), or a crash."""
    try:
        return run()
    except own:
        return said
    except Exception as error:
        return f"crash {type(error).__name__}"


def _one_chunk(stream: Any, chunk: Any) -> str:
    """A hostile chunk added to a new assembler: accepted as if it were fine."""
    stream.StreamAssembler().add(chunk)
    return "accepted"


def _assembled(stream: Any, check: Any, chunks: list[Any]) -> str:
    """A sendable or refused message from a chunk sequence (a bad chunk skipped), or a crash."""
    assembler = stream.StreamAssembler()
    for chunk in chunks:
        try:
            assembler.add(chunk)
        except stream.BadChunk:
            continue
    try:
        check.assert_sendable(assembler.message())
    except Exception:
        return "message the API refuses"
    return "sendable message"


def _responses_run(check: Any, fields: dict[str, Any]) -> str:
    """An answer, or a final answer taken from a response that was not whole."""
    reply = {**check.no("status", check.response(1)), **fields}
    final = json.dumps(check.response(2, check.message(2, "done"))).encode()
    server = check.Server((check.JSON, json.dumps(reply).encode()), (check.JSON, final))
    run = check.run_responses(server.client(), check.MODEL, "x", check.TOOLS, check.saving([]))
    items = fields.get("output")
    whole = fields.get("status") == "completed" and fields.get("error") is None and isinstance(items, list)
    carried = ("message", "reasoning", "web_search_call")  # the grammar's other types need the caller
    known = whole and all(isinstance(i, dict) and i.get("type") in carried for i in items)
    said = known and any(i.get("type") == "message" for i in items)
    return "answer" if run.turns == 2 or said else "silent final answer"


def main() -> None:
    """Print one line of counts per kind of input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="inputs drawn per line (default 1000)")
    parser.add_argument("--helpers", type=Path, default=ROOT, help="a folder holding the helpers to measure")
    options = parser.parse_args()
    warnings.simplefilter("ignore")  # pydantic warns of every junk field an old version dumps
    stream, chat, responses = _load(options.helpers.resolve())
    from test_loop import MODEL, USER, Tools

    from helpers.calling.loop import BadResponse, IncompleteResponse, run_conversation

    own = (BadResponse, IncompleteResponse)
    table = collections.Counter(
        _outcome(lambda bad=bad: _one_chunk(stream, bad), (stream.BadChunk,), "BadChunk")
        for bad, _ in chat.HOSTILE
    )

    def streamed(chunks: list[Any]) -> str:
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        tools = Tools()
        client = chat.streaming_client(body.encode())
        run_conversation(client, MODEL, [USER], tools.definitions, tools.functions, stream=True)
        return "answer"

    sequences = _sample(chat.CHUNKS, options.examples)
    outputs = _sample(responses.RESPONSE, options.examples)
    lines = {
        "hostile chunks": table,
        "assembler": collections.Counter(
            _outcome(lambda c=c: _assembled(stream, chat, c), ()) for c in sequences
        ),
        "streamed loop": collections.Counter(_outcome(lambda c=c: streamed(c), own) for c in sequences),
        "Responses loop": collections.Counter(
            _outcome(lambda f=f: _responses_run(responses, f), own) for f in outputs
        ),
    }
    for name, counts in lines.items():
        shown = ", ".join(f"{count} {what}" for what, count in counts.most_common())
        print(f"{name} ({sum(counts.values())}): {shown}")


if __name__ == "__main__":
    main()
