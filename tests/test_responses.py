"""Tests of helpers.calling.responses: a real OpenAI client talking to a scripted fake Responses server."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from support import FakeServer as _FakeServer

from helpers.calling.loop import BadResponse, IncompleteResponse, MaxTurnsExceeded, run_conversation
from helpers.calling.responses import ResponsesRun, run_responses
from helpers.calling.schema import flat_tool, function_tool, responses_tool

MODEL = "test-model"
MEMORY = '{"total": 16, "used": 9}'


def get_memory() -> str:
    """Read the memory."""
    return MEMORY


def save(name: str) -> None:
    """Save a file.

    Args:
        name: The file's name.
    """


TOOLS = [responses_tool(get_memory), responses_tool(save)]
FUNCTIONS = {"get_memory": get_memory, "save": save}


def FakeServer(*replies: Any) -> _FakeServer:  # noqa: N802 (reads as the class it builds)
    """The scripted server, on the Responses API's endpoint."""
    return _FakeServer(*replies, path="/v1/responses")


def response(n: int, *output: dict[str, Any], status: str = "completed", **fields: Any) -> dict[str, Any]:
    """A Response as the API sends it, with only the fields the SDK requires and a few more."""
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "model": MODEL,
        "output": list(output),
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": TOOLS,
        "error": None,
        **fields,
    }


def reasoning(n: int) -> dict[str, Any]:
    return {"id": f"rs_{n}", "type": "reasoning", "summary": [], "encrypted_content": f"gAAAA{n}"}


def call(n: int, name: str, arguments: str = "{}", call_id: str | None = None) -> dict[str, Any]:
    return {
        "id": f"fc_{n}",
        "type": "function_call",
        "status": "completed",
        "call_id": call_id or f"call_{n}",
        "name": name,
        "arguments": arguments,
    }


def message(n: int, text: str) -> dict[str, Any]:
    return {
        "id": f"msg_{n}",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def test_a_carried_run_sends_reasoning_calls_and_outputs_back():
    server = FakeServer(
        response(1, reasoning(1), call(1, "get_memory")),
        response(2, reasoning(2), call(2, "save", '{"name": "a.txt"}')),
        response(3, message(3, "Done.")),
    )
    run = run_responses(server.client(), MODEL, "How much memory?", TOOLS, FUNCTIONS)

    assert isinstance(run, ResponsesRun)
    assert run.output_text == "Done."
    assert run.turns == 3
    first, second, third = server.bodies
    assert first == {
        "model": MODEL,
        "input": [{"role": "user", "content": "How much memory?"}],
        "tools": TOOLS,
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }
    assert second["input"][1:] == [
        reasoning(1),
        call(1, "get_memory"),
        {"type": "function_call_output", "call_id": "call_1", "output": MEMORY},
    ]
    # None from a tool is "" (lesson 04's dispatcher); every earlier item is sent again.
    assert third["input"][4:] == [
        reasoning(2),
        call(2, "save", '{"name": "a.txt"}'),
        {"type": "function_call_output", "call_id": "call_2", "output": ""},
    ]
    assert run.input == [*third["input"], message(3, "Done.")]


def test_a_chained_run_sends_only_the_outputs_with_previous_response_id():
    server = FakeServer(response(1, call(1, "get_memory")), response(2, message(2, "64%")))
    run = run_responses(server.client(), MODEL, "How much?", TOOLS, FUNCTIONS, store=True)

    assert run.output_text == "64%"
    first, second = server.bodies
    assert first["store"] is True and "include" not in first and "previous_response_id" not in first
    assert second["previous_response_id"] == "resp_1"
    assert second["input"] == [{"type": "function_call_output", "call_id": "call_1", "output": MEMORY}]
    assert [item.get("type", "message") for item in run.input] == [
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]


def test_every_call_of_a_response_is_answered_by_its_call_id_and_a_bad_call_becomes_an_answer():
    server = FakeServer(
        response(1, call(1, "get_memory", call_id="call_a"), call(2, "nope", call_id="call_b")),
        response(2, message(2, "ok")),
    )
    run_responses(server.client(), MODEL, "x", TOOLS, FUNCTIONS)

    outputs = [item for item in server.bodies[1]["input"] if item.get("type") == "function_call_output"]
    assert [item["call_id"] for item in outputs] == ["call_a", "call_b"]
    assert outputs[0]["output"] == MEMORY
    assert outputs[1]["output"].startswith("Error: there is no tool named 'nope'")


def test_the_turn_limit_raises_with_the_run_so_far():
    server = FakeServer(response(1, reasoning(1), call(1, "get_memory")))
    with pytest.raises(
        MaxTurnsExceeded, match=r"after 1 request \(max_turns=1\); it last asked for: get_memory"
    ):
        run_responses(server.client(), MODEL, "x", TOOLS, FUNCTIONS, max_turns=1)
    try:
        run_responses(
            FakeServer(response(1, call(1, "get_memory"))).client(), MODEL, "x", TOOLS, FUNCTIONS, max_turns=1
        )
    except MaxTurnsExceeded as error:
        assert [item.get("type") for item in error.conversation.input][1:] == [
            "function_call",
            "function_call_output",
        ]


def test_an_incomplete_response_is_not_an_answer():
    server = FakeServer(
        response(
            1,
            message(1, "The memory is"),
            status="incomplete",
            incomplete_details={"reason": "max_output_tokens"},
        )
    )
    with pytest.raises(IncompleteResponse) as caught:
        run_responses(server.client(), MODEL, "x", TOOLS, FUNCTIONS)
    assert caught.value.finish_reason == "max_output_tokens"
    assert caught.value.conversation.turns == 1


def test_calls_sharing_a_call_id_are_a_bad_response_and_none_runs():
    ran = []
    server = FakeServer(
        response(1, call(1, "get_memory", call_id="same"), call(2, "get_memory", call_id="same"))
    )
    with pytest.raises(BadResponse, match="share a call_id"):
        run_responses(server.client(), MODEL, "x", TOOLS, {"get_memory": lambda: ran.append(1)})
    assert ran == []


def test_an_api_error_carries_the_run_so_far():
    error_body = {
        "error": {
            "message": "No tool output found for function call call_1.",
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        }
    }
    server = FakeServer(response(1, call(1, "get_memory")), (400, error_body))
    with pytest.raises(openai.BadRequestError) as caught:
        run_responses(server.client(), MODEL, "x", TOOLS, FUNCTIONS)
    assert caught.value.body["message"] == "No tool output found for function call call_1."
    assert caught.value.conversation.input[-1]["type"] == "function_call_output"  # type: ignore[attr-defined]


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="max_turns"):
        run_responses(FakeServer().client(), MODEL, "x", TOOLS, FUNCTIONS, max_turns=0)
    with pytest.raises(ValueError, match="stream"):
        run_responses(FakeServer().client(), MODEL, "x", TOOLS, FUNCTIONS, stream=True)


def test_run_conversation_delegates_with_api_responses_and_flattens_chat_tools():
    server = FakeServer(response(1, message(1, "hi")))
    chat_tools = [function_tool(get_memory), function_tool(save)]
    messages = [{"role": "user", "content": "hello"}]
    run = run_conversation(server.client(), MODEL, messages, chat_tools, FUNCTIONS, api="responses")

    assert isinstance(run, ResponsesRun) and run.output_text == "hi"
    assert server.bodies[0]["tools"] == TOOLS
    assert messages == [{"role": "user", "content": "hello"}]  # copied, never changed


def test_flat_tool():
    assert flat_tool(function_tool(save)) == responses_tool(save)
    assert flat_tool(function_tool(save, strict=True)) == responses_tool(save, strict=True)
    assert flat_tool(responses_tool(save)) == responses_tool(save)
    assert flat_tool({"type": "web_search"}) == {"type": "web_search"}
