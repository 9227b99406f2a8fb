"""Lesson 08's hand-written streamed loop, run against lesson 13's provider emulations.

The loop and its assembler are taken from the notebook itself: the code cells
tagged ``hand-stream-loop``. Of those cells only the imports, the functions and
the UPPER_CASE constants are run; the rest of each cell shows examples in the
lesson. Every emulation streams two calls in one reply in its provider's shape
(``"id": ""`` on later deltas, both calls whole under one ``index``, calls whole
with no ``index`` and ``finish_reason: "stop"``, reasoning that must be sent
back...), and the loop must finish on every one with the file written.

The control is an assembler keyed by ``index`` that appends every string it is
sent (ids and names included, as the SDK's stream helper does) and keeps no
reasoning: it must fail on exactly the providers whose streams break it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import nbformat
import openai
import pytest

from helpers.providers.emulate import Emulation
from helpers.providers.facts import BEHAVIOURS

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_streaming_tool_calls.ipynb"
TAG = "hand-stream-loop"
HTTP = openai.DefaultHttpx2Client()  # shared: making a client loads certificates, which takes a while
# The emulations' scripted model makes both calls in one reply when the prompt says "parallel",
# and names the file after the last ``.txt`` in the prompt (helpers/providers/model.py).
PROMPT = "Use both tools, in parallel: read the memory, and write it to report.txt."
# DashScope makes parallel calls only when asked; thinking on there too, so that its reasoning streams.
OPTIONS: dict[str, dict[str, Any]] = {
    "dashscope": {"parallel_tool_calls": True, "extra_body": {"enable_thinking": True}},
}
# Where the control goes wrong: both calls under index 0 (ollama), no index at all (gemini),
# and the reasoning not sent back, which deepseek refuses with a 400.
BREAKS_THE_CONTROL = {"deepseek", "gemini", "ollama"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_memory_info",
            "description": "Read the machine's memory.",
            "parameters": {"type": "object", "properties": {}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "write_file",
            "description": "Write text to a file.",
            "parameters": {
                "type": "object",
                "properties": {"file_name": {"type": "string"}, "text": {"type": "string"}},
                "required": ["file_name", "text"],
            },
        },
    },
]


def _kept(node: ast.stmt) -> bool:
    """An import, a function, or an UPPER_CASE constant: what the loop needs, without the examples."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
        return True
    return isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id.isupper() for target in node.targets
    )


def hand_loop() -> dict[str, Any]:
    """The namespace the notebook's tagged cells define, run in order."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]
    namespace: dict[str, Any] = {}
    for cell in cells:
        tree = ast.parse(cell.source)
        tree.body = [node for node in tree.body if _kept(node)]
        exec(compile(tree, f"{NOTEBOOK.name} [{TAG}]", "exec"), namespace)
    return namespace


def naive_assemble(chunks: list[Any]) -> tuple[dict[str, Any], str | None]:
    """The control: one call per ``index``, every string appended as sent, reasoning dropped."""
    content, calls, finish_reason = "", {}, None
    for chunk in chunks:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for piece in choice.delta.tool_calls or []:
                function = {"name": "", "arguments": ""}
                call = calls.setdefault(piece.index, {"id": "", "type": "function", "function": function})
                call["id"] += piece.id or ""
                if piece.function:
                    call["function"]["name"] += piece.function.name or ""
                    call["function"]["arguments"] += piece.function.arguments or ""
            finish_reason = choice.finish_reason or finish_reason
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls.values())
    return message, finish_reason


def run(provider: str, folder: Path, namespace: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """The notebook's loop on one emulation: the messages it built, and its answer or the error it raised."""

    def get_memory_info() -> str:
        return json.dumps({"total": 100, "available": 40, "used": 60, "free": 40})

    def write_file(file_name: str, text: str) -> None:
        (folder / file_name).write_text(text, encoding="utf-8")

    functions = {"get_memory_info": get_memory_info, "write_file": write_file}
    messages = [{"role": "user", "content": PROMPT}]
    with Emulation(provider) as server:
        client = openai.OpenAI(
            base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=5, http_client=HTTP
        )
        options = {"stream_options": {"include_usage": True}, **OPTIONS.get(provider, {})}
        try:
            outcome = namespace["run_streamed_loop"](
                client, "m", messages, TOOLS, functions, max_turns=4, **options
            )
        except (RuntimeError, openai.APIError) as error:
            outcome = error
    return messages, outcome


def test_the_tagged_cells_hold_the_loop_and_its_assembler():
    namespace = hand_loop()
    assert {"as_dict", "find_call", "add_piece", "assemble", "run_streamed_loop"} <= set(namespace)
    assert "repeated" not in namespace  # the examples are left out: only the code the loop needs


@pytest.mark.parametrize("provider", list(BEHAVIOURS))
def test_the_hand_loop_finishes_on_every_provider(provider, tmp_path, capsys):
    messages, outcome = run(provider, tmp_path, hand_loop())
    capsys.readouterr()  # the loop prints as it streams; the lesson shows that
    assert isinstance(outcome, str) and outcome.startswith("Done: I called get_memory_info, write_file")
    first_reply = messages[1]
    names = [call["function"]["name"] for call in first_reply["tool_calls"]]
    assert names == ["get_memory_info", "write_file"]  # two calls in one reply stay two
    assert len({call["id"] for call in first_reply["tool_calls"]}) == 2
    reasoning = BEHAVIOURS[provider].reasoning
    assert bool(reasoning and first_reply.get(reasoning)) == (
        provider in {"dashscope", "deepseek", "vllm", "ollama"}
    )
    assert [(p.name, p.read_text(encoding="utf-8")) for p in tmp_path.iterdir()] == [("report.txt", "hello")]


@pytest.mark.parametrize("provider", list(BEHAVIOURS))
def test_the_naive_assembler_fails_where_it_should(provider, tmp_path, capsys):
    namespace = hand_loop()
    namespace["assemble"] = naive_assemble  # the loop calls whichever `assemble` its cells defined
    _, outcome = run(provider, tmp_path, namespace)
    capsys.readouterr()
    finished = isinstance(outcome, str) and (tmp_path / "report.txt").exists()
    assert finished == (provider not in BREAKS_THE_CONTROL), outcome
