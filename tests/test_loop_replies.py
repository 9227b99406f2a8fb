"""Real replies the loop must take as calls: Mistral's calls without ``type``, calls without usable ids.

Each test follows a behaviour seen in a real provider's replies (named in the
test), on minimal bodies written here. Calls whose ids cannot pair an answer
get local ids (``call_local_1``...), the same in the assistant message and in
the tool messages answering it, streamed or not. A property test sends calls
with every kind of id and type, and checks which are run and which refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import RawServer as Server
from test_loop import MEMORY, MODEL, USER, Tools, calls, completion, text

from helpers.calling.dispatch import check_conversation
from helpers.calling.loop import BadResponse, run_conversation

WRITE = {"file_name": "a.txt", "text": "hi"}
NAMES = st.sampled_from(["get_memory_info", "write_file", "nope"])
ARGUMENTS = st.sampled_from(["{}", json.dumps(WRITE), "{", "\ud800"])
IDS = st.sampled_from(["", "call_a", "call_b", "call_local_1"])


def function(name: str, arguments: str = "{}", **fields: Any) -> dict[str, Any]:
    """A tool call with only ``function`` and the fields given (no id, no type unless given)."""
    return {**fields, "function": {"name": name, "arguments": arguments}}


def sse(*chunks: dict[str, Any]) -> bytes:
    """Chunks as a server streams them, ``[DONE]`` last."""
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()


def delta(fields: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """One chunk of a stream, with this delta."""
    choice = {"index": 0, "delta": fields, "finish_reason": finish_reason}
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": MODEL, "choices": [choice]}


def json_reply(body: dict[str, Any]) -> tuple[str, bytes]:
    return "application/json", json.dumps(body).encode()


DONE = json_reply(text("done"))


def run(server: Server, **options: Any) -> tuple[list[dict[str, Any]], Tools]:
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions, **options)
    check_conversation(result.messages)
    return result.messages, tools


def test_mistrals_calls_without_type_are_function_calls() -> None:
    # Mistral's replies carry no "type" on tool calls, 9-character ids and content "".
    reply = completion(
        {"content": "", "tool_calls": [function("get_memory_info", id="pcZFHqej8")]}, "tool_calls"
    )
    server = Server(json_reply(reply), DONE)
    messages, _ = run(server)
    sent = server.bodies[1]["messages"]
    assert sent[1]["tool_calls"] == [
        {"id": "pcZFHqej8", "type": "function", "function": {"name": "get_memory_info", "arguments": "{}"}}
    ]
    assert sent[2] == {"role": "tool", "tool_call_id": "pcZFHqej8", "content": MEMORY}
    assert messages[1:3] == sent[1:3]


@pytest.mark.parametrize("ids", [["", ""], [None, None], [7, 7], ["", "call_local_1"]], ids=repr)
def test_calls_without_usable_ids_get_local_ids_in_the_message_and_its_answers(ids: list[Any]) -> None:
    # Parallel calls sent with "" ids, as Gemini's compatible mode has done; None drops the key.
    made = [
        function("get_memory_info", type="function", **({} if ids[0] is None else {"id": ids[0]})),
        function(
            "write_file", json.dumps(WRITE), type="function", **({} if ids[1] is None else {"id": ids[1]})
        ),
    ]
    server = Server(json_reply(calls(*made)), DONE)
    messages, tools = run(server)
    expected = (
        ["call_local_2", "call_local_1"] if ids[1] == "call_local_1" else ["call_local_1", "call_local_2"]
    )
    assert [call["id"] for call in messages[1]["tool_calls"]] == expected
    assert [m["tool_call_id"] for m in messages[2:4]] == expected
    assert [m["content"] for m in messages[2:4]] == [MEMORY, ""]
    assert tools.written == [("a.txt", "hi")]
    assert server.bodies[1]["messages"] == messages[:4]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_local_ids_are_not_reused_in_a_later_turn(stream: bool) -> None:
    # Two turns of calls with "" ids: turn 2's call must not take turn 1's call_local_1.
    first = function("get_memory_info", id="", type="function")
    second = function("write_file", json.dumps(WRITE), id="", type="function")
    if stream:
        replies = [
            (
                "text/event-stream",
                sse(delta({"tool_calls": [{"index": 0, **first}]}), delta({}, "tool_calls")),
            )
            for first in (first, second)
        ] + [("text/event-stream", sse(delta({"content": "done"}, "stop")))]
    else:
        replies = [json_reply(calls(first)), json_reply(calls(second)), DONE]
    messages, tools = run(Server(*replies), **({"stream": True} if stream else {}))
    assert [m["tool_calls"][0]["id"] for m in messages if m.get("tool_calls")] == [
        "call_local_1",
        "call_local_2",
    ]
    assert [m["tool_call_id"] for m in messages if m["role"] == "tool"] == ["call_local_1", "call_local_2"]
    assert tools.written == [("a.txt", "hi")]


def test_two_calls_sharing_a_real_id_are_refused_and_none_is_run() -> None:
    made = [function("write_file", json.dumps(WRITE), id="call_7", type="function")] * 2
    server = Server(json_reply(calls(*made)))
    tools = Tools()
    with pytest.raises(BadResponse, match="two tool calls with the same id 'call_7'"):
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert tools.written == []


def test_a_streamed_reply_of_whole_calls_without_index_or_ids_runs_both() -> None:
    # Calls sent whole without index (ollama#7881) and with "" ids; the usage chunk is left out.
    first = {"id": "", "type": "function", **function("get_memory_info")}
    second = {"id": "", "type": "function", **function("write_file", json.dumps(WRITE))}
    stream = sse(delta({"tool_calls": [first]}), delta({"tool_calls": [second]}), delta({}, "tool_calls"))
    final = sse(delta({"content": "done"}, "stop"))
    server = Server(("text/event-stream", stream), ("text/event-stream", final))
    messages, tools = run(server, stream=True)
    assert [call["id"] for call in messages[1]["tool_calls"]] == ["call_local_1", "call_local_2"]
    assert [m["tool_call_id"] for m in messages[2:4]] == ["call_local_1", "call_local_2"]
    assert tools.written == [("a.txt", "hi")]
    assert messages[-1] == {"role": "assistant", "content": "done"}


def test_a_streamed_chunk_of_the_wrong_shape_is_a_bad_response_in_one_line() -> None:
    stream = sse(delta({"tool_calls": [{"index": [0], "function": {"name": "f"}}]}))
    server = Server(("text/event-stream", stream))
    tools = Tools()
    with pytest.raises(BadResponse) as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions, stream=True)
    assert str(raised.value) == (
        "request 1: the server's stream cannot be read: "
        "chunk 1: choices[0].delta.tool_calls[0].index is an array, not an integer"
    )
    assert raised.value.conversation.messages == [USER]


def test_ollamas_calls_with_an_index_inside_and_a_reasoning_field_are_run_and_sent_back() -> None:
    # Ollama's /v1 (non-streamed): content "", a "reasoning" field, "index" inside each call, ids call_ + 8.
    made = {"index": 0, "id": "call_ab12cd34", "type": "function", **function("get_memory_info")}
    reply = completion({"content": "", "reasoning": "Need memory.", "tool_calls": [made]}, "tool_calls")
    server = Server(json_reply(reply), DONE)
    messages, _ = run(server)
    assert server.bodies[1]["messages"][1] == {
        "role": "assistant",
        "content": "",
        "reasoning": "Need memory.",
        "tool_calls": [made],
    }
    assert messages[2] == {"role": "tool", "tool_call_id": "call_ab12cd34", "content": MEMORY}


# Non-streamed replies built from a grammar of calls with every kind of id and type.
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-1, 3), st.text(max_size=2), st.lists(st.none(), max_size=1)
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually ``valid``; junk in its place about one time in eight (and shrunk away when it can be)."""
    return st.sampled_from([valid] * 7 + [JUNK]).flatmap(lambda chosen: chosen)


CALL = st.fixed_dictionaries(
    {"function": maybe(st.fixed_dictionaries({"name": maybe(NAMES), "arguments": maybe(ARGUMENTS)}))},
    optional={"id": st.one_of(IDS, JUNK), "type": maybe(st.just("function")), "index": st.integers(0, 2)},
)


def refused(made: list[Any]) -> bool:
    """Whether the loop must refuse these calls: one is not a function call, or two share an id sent."""

    def usable(call: Any) -> bool:
        function = call.get("function") if isinstance(call, dict) else None
        return (
            isinstance(function, dict)
            and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str)
            and call.get("type") in ("function", None)
        )

    sent = [call["id"] for call in made if isinstance(call, dict) and isinstance(call.get("id"), str)]
    sent = [call_id for call_id in sent if call_id]
    return not all(usable(call) for call in made) or len(set(sent)) != len(sent)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(maybe(CALL), min_size=1, max_size=3))
def test_calls_run_under_ids_that_pair_unless_one_is_unusable_or_two_share_an_id(made: list[Any]) -> None:
    server = Server(json_reply(calls(*made)), DONE)
    tools = Tools()
    try:
        result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    except BadResponse as error:
        assert refused(made)
        assert "\n" not in str(error)
        assert error.conversation.messages == [USER] and tools.written == []
        return
    assert not refused(made)
    messages = result.messages
    check_conversation(messages)
    ids = [call["id"] for call in messages[1]["tool_calls"]]
    assert all(isinstance(call_id, str) and call_id for call_id in ids) and len(set(ids)) == len(ids)
    assert [m["tool_call_id"] for m in messages[2 : 2 + len(ids)]] == ids
    assert server.bodies[1]["messages"] == messages[:-1]
