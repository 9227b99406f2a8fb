"""emulated_client: an emulation answered in this process, byte for byte as its loopback server."""

from __future__ import annotations

import openai
import pytest

from helpers import probe
from helpers.calling.loop import run_conversation
from helpers.calling.schema import tools_for
from helpers.providers.emulate import emulated_client
from helpers.providers.facts import BEHAVIOURS
from helpers.providers.report import emulated

READING = '{"total": 100, "available": 15, "used": 85, "free": 15}'


def get_memory_info() -> str:
    """Return this computer's memory figures as JSON."""
    return READING


@pytest.mark.parametrize("name", sorted(BEHAVIOURS))
def test_the_probe_reads_the_same_row_in_process_as_over_loopback(name):
    client, model = emulated_client(name)
    assert client.base_url.host == f"{name}.emulation.invalid"  # never recorded, never replayed
    assert probe(client, model, label="emulated", endpoint=name) == emulated(name)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", sorted(BEHAVIOURS))
def test_the_loop_finishes_on_each_emulation_in_process(name, stream):
    client, model = emulated_client(name)
    written = {}

    def write_file(file_name: str, text: str) -> None:
        """Write text to a file."""
        written[file_name] = text

    functions = [get_memory_info, write_file]
    prompt = [{"role": "user", "content": "Memory above 80%: write mem_high.txt, else mem_ok.txt."}]
    run = run_conversation(
        client, model, prompt, tools_for(*functions), functions, stream=stream, max_turns=4
    )
    calls = [call["function"]["name"] for m in run.messages for call in m.get("tool_calls") or []]
    assert (run.turns, calls) == (3, ["get_memory_info", "write_file"])
    assert list(written) == ["mem_high.txt"]


def test_a_forced_tool_choice_in_thinking_mode_gets_deepseeks_400():
    client, model = emulated_client("deepseek")
    refused = "Thinking mode does not support this tool_choice"
    with pytest.raises(openai.BadRequestError, match=refused) as caught:
        client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "hi"}],
            tools=tools_for(get_memory_info),
            tool_choice="required",
        )
    assert caught.value.status_code == 400
