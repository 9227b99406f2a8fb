"""The provider emulations: each answers as its provider documents, and one loop completes on all.

The memory scenario (lesson 06) runs through ``run_conversation`` against each
emulation, whole and streamed: the loop and the stream assembler are written
once and must survive every provider's quirk (ids, ``content``, reasoning to
send back, streams with blank ids or one index for all calls).
"""

from __future__ import annotations

import json
import re

import openai
import pytest

from helpers.calling.loop import run_conversation
from helpers.calling.schema import tools_for
from helpers.lessons.article import RUN_B_PROMPT
from helpers.providers import shapes
from helpers.providers.emulate import REASONING_MISSING, Emulation
from helpers.providers.facts import BEHAVIOURS
from helpers.providers.model import decide
from helpers.tools.machine import get_memory_info, write_file

NAMES = list(BEHAVIOURS)
# Each provider's documented call-id shape (facts.py), as a pattern.
IDS = {
    "openai": r"call_[A-Za-z0-9]{24}",
    "dashscope": r"call_[0-9a-f]{24}",
    "deepseek": r"call_\d\d_[A-Za-z0-9]{24}",
    "vllm": r"chatcmpl-tool-[0-9a-f]{32}",
    "ollama": r"call_[A-Za-z0-9]{8}",
    "mistral": r"[A-Za-z0-9]{9}",
    "gemini": r"call_[A-Za-z0-9]{6}",
    "openrouter": r"call_[A-Za-z0-9]{24}",
}
# How a learner turns reasoning on where the provider makes it optional.
HTTP = openai.DefaultHttpx2Client()  # shared: making a client loads certificates, which takes a while
THINKING = {"dashscope": {"enable_thinking": True}, "deepseek": {"thinking": {"type": "enabled"}}}
THINKS_UNASKED = {"ollama", "vllm"}  # qwen3 thinks by default on both (vLLM with a reasoning parser)
USER = {"role": "user", "content": RUN_B_PROMPT}


def client_for(server: Emulation) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="fake", max_retries=0, timeout=5, http_client=HTTP)


PROVIDER_RUNS = [pytest.param(name, stream) for name in NAMES for stream in (False, True)]


@pytest.mark.parametrize(("name", "stream"), PROVIDER_RUNS)
def test_the_loop_completes_the_memory_scenario_on_each_provider(name, stream, tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path))
    options = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    with Emulation(name) as server:
        conversation = run_conversation(
            client_for(server),
            "deepseek-v4-flash",
            [USER],
            tools_for(get_memory_info, write_file),
            [get_memory_info, write_file],
            extra_body=THINKING.get(name),
            **options,
        )
        server.check()
    assert conversation.final_text.startswith("Done: I called get_memory_info, write_file")
    assert [path.name for path in tmp_path.iterdir()] in (["mem_ok.txt"], ["mem_high.txt"])
    assert json.loads(next(tmp_path.iterdir()).read_text())["total"] > 0
    ids = [call["id"] for m in conversation.messages for call in m.get("tool_calls", [])]
    assert len(ids) == 2 and all(re.fullmatch(IDS[name], i) for i in ids), ids
    reasoning = BEHAVIOURS[name].reasoning
    sent_back = server.requests[1][1]["messages"][1]  # the first reply, as the loop sent it back
    assert (reasoning in sent_back) == bool(reasoning and (name in THINKING or name in THINKS_UNASKED))


@pytest.mark.parametrize(
    ("switch", "thinks"),
    [(None, True), ({"type": "enabled"}, True), ({"type": "disabled"}, False)],
    ids=["default", "enabled", "disabled"],
)
def test_deepseek_v4_flash_thinks_unless_its_thinking_switch_is_off(switch, thinks):
    # https://api-docs.deepseek.com/guides/thinking_mode: thinking is on by default.
    body = {"model": "deepseek-v4-flash", "messages": [USER]} | ({"thinking": switch} if switch else {})
    assert shapes.thinking(BEHAVIOURS["deepseek"], body) is thinks


def test_deepseek_refuses_a_tool_call_sent_back_without_its_reasoning():
    messages = [
        USER,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                shapes._calls(
                    BEHAVIOURS["deepseek"],
                    decide({"messages": [USER], "tools": tools_for(get_memory_info)}, BEHAVIOURS["deepseek"]),
                    0,
                )[0]
            ],
        },
    ]
    messages.append({"role": "tool", "tool_call_id": messages[1]["tool_calls"][0]["id"], "content": "{}"})
    with Emulation("deepseek") as server, pytest.raises(openai.BadRequestError) as refused:
        client_for(server).chat.completions.create(
            model="deepseek-v4-flash", messages=messages, extra_body=THINKING["deepseek"]
        )
    assert refused.value.body == {
        "message": REASONING_MISSING,
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_request_error",
    }


def test_mistral_refuses_a_call_id_of_another_form_sent_back():
    call = {"id": "call_00_aB3dE5gH7jK9mN1pQ3sT5", "function": {"name": "get_memory_info", "arguments": "{}"}}
    messages = [USER, {"role": "assistant", "content": "", "tool_calls": [call]}]
    messages.append({"role": "tool", "tool_call_id": call["id"], "content": "{}"})
    with Emulation("mistral") as server:
        with pytest.raises(openai.BadRequestError) as refused:
            client_for(server).chat.completions.create(model="mistral-large-latest", messages=messages)
        call["id"] = messages[2]["tool_call_id"] = "pcZFHqej8"  # its own form: accepted
        answer = client_for(server).chat.completions.create(model="mistral-large-latest", messages=messages)
    # Mistral's 400 is not nested under "error" (langchain-ai/langchain#24668).
    assert refused.value.response.json() == {
        "object": "error",
        "message": (
            "Tool call id was call_00_aB3dE5gH7jK9mN1pQ3sT5 but must be a-z, A-Z, 0-9, with a length of 9."
        ),
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert answer.choices[0].message.content.startswith("Done: I called get_memory_info")


def test_mistral_calls_carry_no_type_and_keep_their_index():
    body = {"messages": [USER], "tools": tools_for(get_memory_info)}
    mistral = BEHAVIOURS["mistral"]
    message = shapes.message(mistral, decide(body, mistral), body, 0)
    assert [sorted(call) for call in message["tool_calls"]] == [["function", "id", "index"]]


def stream_of(name, prompt="Use both tools, in parallel.", **body):
    """The chunks an emulation streams for two tools."""
    request = {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": True, **body}
    request["tools"] = tools_for(get_memory_info, write_file)
    with (
        Emulation(name) as server,
        client_for(server).chat.completions.with_streaming_response.create(**request) as response,
    ):
        return [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data: {")]


def tool_deltas(chunks):
    return [d for c in chunks for ch in c["choices"] for d in ch["delta"].get("tool_calls", [])]


def test_dashscope_streams_blank_ids_and_a_closing_empty_fragment():
    deltas = tool_deltas(stream_of("dashscope", parallel_tool_calls=True))
    assert [d["id"] != "" for d in deltas] == [True, False, False, False, True, False, False, False]
    assert [d["function"].get("arguments") for d in deltas[:4]] == ["", "{", "}", ""]
    assert deltas[-1] == {"index": 1, "id": "", "type": "function", "function": {"arguments": ""}}


def test_ollama_streams_each_call_whole_under_one_index():
    deltas = tool_deltas(stream_of("ollama"))
    assert [(d["index"], d["function"]["name"]) for d in deltas] == [
        (0, "get_memory_info"),
        (0, "write_file"),
    ]


def test_deepseek_puts_usage_on_the_finish_chunk_and_others_in_a_chunk_of_their_own():
    last = stream_of("deepseek")[-1]
    assert last["choices"][0]["finish_reason"] == "tool_calls" and "usage" in last
    own = stream_of("openai", stream_options={"include_usage": True})
    assert own[-1]["choices"] == [] and own[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert "usage" not in stream_of("openai")[-1]


def test_dashscope_refuses_a_forced_call_in_thinking_mode_only():
    request = {"model": "qwen-plus", "messages": [USER], "tools": tools_for(get_memory_info)}
    with Emulation("dashscope") as server:
        client = client_for(server)
        forced = client.chat.completions.create(**request, tool_choice="required")
        with pytest.raises(openai.BadRequestError, match="thinking mode") as refused:
            client.chat.completions.create(
                **request, tool_choice="required", extra_body={"enable_thinking": True}
            )
    assert forced.choices[0].message.tool_calls[0].function.name == "get_memory_info"
    assert refused.value.body["code"] == "invalid_parameter_error"


def test_ids_are_the_same_every_run_and_the_responses_endpoint_only_where_documented():
    assert shapes.call_id(BEHAVIOURS["ollama"], 0, 0) == shapes.call_id(BEHAVIOURS["ollama"], 0, 0)
    for name in NAMES:
        with Emulation(name) as server:
            status = client_for(server).responses.with_raw_response.create
            try:
                found = status(model="m", input="hi").http_response.status_code
            except openai.NotFoundError:
                found = 404
        assert (found == 200) == BEHAVIOURS[name].responses, name


def test_every_fact_has_a_source():
    for behaviour in BEHAVIOURS.values():
        assert {"ids", "content", "tool_choice", "parallel", "strict", "stream", "responses"} <= set(
            behaviour.sources
        )
        # A URL, a public project's path or issue (owner/repo, ...; owner/repo#N), or an admitted gap.
        assert all(
            re.match(r"https://|[\w.-]+/[\w.-]+(,|#\d)", source) or "not documented" in source
            for source in behaviour.sources.values()
        ), behaviour.name
