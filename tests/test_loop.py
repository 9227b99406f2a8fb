"""Tests of helpers.calling.loop: a real OpenAI client talking to a scripted fake server."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx2
import openai
import pytest
from support import FakeServer

from helpers.calling.dispatch import ConversationError
from helpers.calling.loop import IncompleteResponse, MaxTurnsExceeded, run_conversation
from helpers.calling.schema import tools_for

MODEL = "test-model"
USER = {"role": "user", "content": "查看内存并写入 memory.json"}
MEMORY = '{"total": 16, "used": 9}'


def completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    """A ChatCompletion as the API sends it, null content and refusal included."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": None, "refusal": None, **message},
            }
        ],
    }


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """One tool call, in the form it has in both responses and requests."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def calls(*tool_calls: dict[str, Any]) -> dict[str, Any]:
    """A completion that asks for tools."""
    return completion({"tool_calls": list(tool_calls)}, "tool_calls")


def text(content: str) -> dict[str, Any]:
    """A completion that answers in text."""
    return completion({"content": content}, "stop")


def assistant(*tool_calls: dict[str, Any]) -> dict[str, Any]:
    """The assistant message the loop appends: no null content or refusal."""
    return {"role": "assistant", "tool_calls": list(tool_calls)}


def answer(call_id: str, content: str) -> dict[str, Any]:
    """A tool message."""
    return {"role": "tool", "tool_call_id": call_id, "content": content}


class Tools:
    """The article's two tools, with ``write_file`` writing into a list."""

    def __init__(self) -> None:
        self.written: list[tuple[str, str]] = []

        def get_memory_info() -> str:
            """获取系统内存,会将系统的内存情况用json格式返回"""
            return MEMORY

        def write_file(file_name: str, text: str) -> None:
            """将文本数据写入文件

            Args:
                file_name: 文件名
                text: 写入的文本数据
            """
            self.written.append((file_name, text))

        self.functions = [get_memory_info, write_file]
        self.definitions = tools_for(*self.functions)


MEMORY_CALL = tool_call("call_1", "get_memory_info", "{}")
WRITE_ARGS = json.dumps({"file_name": "memory.json", "text": MEMORY})
WRITE_CALL = tool_call("call_2", "write_file", WRITE_ARGS)


def test_three_turns_return_the_whole_conversation() -> None:
    server = FakeServer(calls(MEMORY_CALL), calls(WRITE_CALL), text("已写入 memory.json"))
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert result.messages == [
        USER,
        assistant(MEMORY_CALL),
        answer("call_1", MEMORY),
        assistant(WRITE_CALL),
        answer("call_2", ""),
        {"role": "assistant", "content": "已写入 memory.json"},
    ]
    assert (result.turns, result.final_text) == (3, "已写入 memory.json")
    assert [r.choices[0].finish_reason for r in result.responses] == [
        "tool_calls",
        "tool_calls",
        "stop",
    ]
    assert tools.written == [("memory.json", MEMORY)]


def test_request_bodies_carry_the_conversation_so_far() -> None:
    server = FakeServer(calls(MEMORY_CALL), calls(WRITE_CALL), text("done"))
    tools = Tools()
    run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert [body["messages"] for body in server.bodies] == [
        [USER],
        [USER, assistant(MEMORY_CALL), answer("call_1", MEMORY)],
        [
            USER,
            assistant(MEMORY_CALL),
            answer("call_1", MEMORY),
            assistant(WRITE_CALL),
            answer("call_2", ""),
        ],
    ]
    assert {(body["model"], json.dumps(body["tools"])) for body in server.bodies} == {
        (MODEL, json.dumps(tools.definitions))
    }


def test_two_calls_in_one_turn_are_answered_in_order() -> None:
    server = FakeServer(calls(WRITE_CALL, MEMORY_CALL), text("ok"))
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert server.bodies[1]["messages"] == [
        USER,
        assistant(WRITE_CALL, MEMORY_CALL),
        answer("call_2", ""),
        answer("call_1", MEMORY),
    ]
    assert result.turns == 2


def test_the_callers_messages_are_not_changed() -> None:
    server = FakeServer(calls(MEMORY_CALL), text("ok"))
    tools = Tools()
    messages = [{"role": "system", "content": "简短回答"}, USER]
    before = copy.deepcopy(messages)
    result = run_conversation(server.client(), MODEL, messages, tools.definitions, tools.functions)
    assert messages == before
    assert len(result.messages) == 5


def test_max_turns_raises_with_the_partial_conversation() -> None:
    server = FakeServer(calls(MEMORY_CALL), calls(WRITE_CALL, MEMORY_CALL))
    tools = Tools()
    with pytest.raises(MaxTurnsExceeded) as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions, max_turns=2)
    assert str(raised.value) == (
        "the model still called tools after 2 requests (max_turns=2); "
        "it last asked for: write_file, get_memory_info"
    )
    partial = raised.value.conversation
    assert (partial.turns, partial.final_text, len(server.bodies)) == (2, None, 2)
    assert partial.messages == [
        USER,
        assistant(MEMORY_CALL),
        answer("call_1", MEMORY),
        assistant(WRITE_CALL, MEMORY_CALL),
        answer("call_2", ""),
        answer("call_1", MEMORY),
    ]


def test_malformed_call_is_answered_and_the_loop_goes_on() -> None:
    bad = tool_call("call_9", "write_file", '{"file_name": "a.txt", "text": ')
    server = FakeServer(calls(bad), calls(WRITE_CALL), text("fixed"))
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    error = server.bodies[1]["messages"][-1]
    assert error["tool_call_id"] == "call_9"
    assert error["content"].startswith(
        "Error: the arguments for tool 'write_file' are not valid JSON (Expecting value: "
        "line 1 column 32 (char 31))"
    )
    assert (result.final_text, result.turns, tools.written) == (
        "fixed",
        3,
        [("memory.json", MEMORY)],
    )


def test_create_kwargs_are_passed_through() -> None:
    server = FakeServer(text("hi"))
    tools = Tools()
    run_conversation(
        server.client(),
        MODEL,
        [USER],
        tools.definitions,
        tools.functions,
        tool_choice="none",
        temperature=0,
    )
    assert (server.bodies[0]["tool_choice"], server.bodies[0]["temperature"]) == ("none", 0)


def test_a_bad_conversation_is_refused_before_any_request() -> None:
    server = FakeServer(text("never sent"))
    tools = Tools()
    messages = [USER, assistant(MEMORY_CALL)]
    with pytest.raises(ConversationError, match=r"messages\[1\] has no tool message"):
        run_conversation(server.client(), MODEL, messages, tools.definitions, tools.functions)
    assert server.bodies == []


def test_max_turns_must_be_positive() -> None:
    tools = Tools()
    with pytest.raises(ValueError, match="^max_turns must be at least 1, not 0$"):
        run_conversation(
            FakeServer().client(), MODEL, [USER], tools.definitions, tools.functions, max_turns=0
        )


@pytest.mark.parametrize(
    ("finish_reason", "said"),
    [("length", "was cut off at the token limit"), ("content_filter", "was withheld by the provider")],
)
def test_a_cut_off_reply_is_not_a_final_answer(finish_reason: str, said: str) -> None:
    cut = completion(
        {"tool_calls": [tool_call("call_3", "write_file", '{"file_name": "a.tx')]}, finish_reason
    )
    server = FakeServer(calls(MEMORY_CALL), cut)
    tools = Tools()
    with pytest.raises(IncompleteResponse, match=f"^the model's reply to request 2 {said}") as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert raised.value.finish_reason == finish_reason
    kept = raised.value.conversation
    # The cut reply is kept among the responses, not in the messages: its call never runs.
    assert kept.messages == [USER, assistant(MEMORY_CALL), answer("call_1", MEMORY)]
    assert (kept.turns, tools.written) == (2, [])


def test_calls_decide_not_finish_reason_and_text_beside_calls_is_kept() -> None:
    # Some compatible servers say "stop" with tool calls; some add text to the calls.
    both = completion({"content": "Let me check.", "tool_calls": [MEMORY_CALL]}, "stop")
    server = FakeServer(both, text("done"))
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert result.messages[1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [MEMORY_CALL],
    }
    assert (result.final_text, result.turns) == ("done", 2)


def test_a_failed_request_carries_the_conversation_so_far() -> None:
    server = FakeServer(calls(MEMORY_CALL))

    def second_fails(request: httpx2.Request) -> httpx2.Response:
        if server.replies:
            return server.handler(request)
        return httpx2.Response(500, json={"error": {"message": "boom", "type": "server_error"}})

    client = openai.OpenAI(
        api_key="test",
        base_url="http://test.invalid/v1",
        max_retries=0,
        http_client=openai.DefaultHttpx2Client(transport=httpx2.MockTransport(second_fails)),
    )
    tools = Tools()
    with pytest.raises(openai.InternalServerError) as raised:
        run_conversation(client, MODEL, [USER], tools.definitions, tools.functions)
    # The tool ran before the failure; the record of it is not lost.
    assert raised.value.conversation.messages == [USER, assistant(MEMORY_CALL), answer("call_1", MEMORY)]
