"""The stream assembler and the streamed loop against chunks of every shape: an error, never a crash.

A server's chunks reach the assembler unvalidated. The table below holds one
chunk per wrong shape, each with the exact line ``BadChunk`` says; the property
tests build chunk sequences from a grammar of valid-looking and hostile pieces
and check that the assembler and the streamed loop either give a message that
can be sent back, or stop with their own error (``BadChunk``; ``BadResponse``
or ``IncompleteResponse`` in the loop) with nothing of the bad chunk kept.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_loop import MODEL, USER, Tools

from helpers.calling.dispatch import check_conversation
from helpers.calling.loop import BadResponse, IncompleteResponse, run_conversation
from helpers.calling.reading import Unusable, assembled
from helpers.calling.stream import BadChunk, StreamAssembler, assemble_stream

SOME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def chunk(**fields: Any) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": MODEL, **fields}


def choice(delta: Any = None, **fields: Any) -> dict[str, Any]:
    return chunk(choices=[{"index": 0, "delta": {} if delta is None else delta, **fields}])


def piece(**fields: Any) -> dict[str, Any]:
    return choice({"tool_calls": [fields]})


AT = "chunk 1: choices[0]."
HOSTILE = [
    (None, "chunk 1 is null, not an object"),
    ("data", "chunk 1 is a string, not an object"),
    ([1], "chunk 1 is an array, not an object"),
    (chunk(choices=[None]), "chunk 1: choices[0] is null, not an object"),
    (chunk(choices=["x"]), "chunk 1: choices[0] is a string, not an object"),
    (chunk(choices={"index": 0}), "chunk 1: choices is a dict, not a list"),
    (chunk(choices=[{"index": "0"}]), "chunk 1: choices[0].index is a string, not an integer"),
    (chunk(usage=5), "chunk 1: usage is a number, not an object"),
    (choice("hello"), f"{AT}delta is a string, not an object"),
    (choice([]), f"{AT}delta is an array, not an object"),
    (choice(finish_reason=1), f"{AT}finish_reason is a number, not a string"),
    (choice({"content": 5}), f"{AT}delta.content is a number, not a string"),
    (choice({"content": ["a"]}), f"{AT}delta.content is an array, not a string"),
    (choice({"reasoning_content": {}}), f"{AT}delta.reasoning_content is a dict, not a string"),
    (choice({"tool_calls": "f"}), f"{AT}delta.tool_calls is a string, not a list"),
    (choice({"tool_calls": [None]}), f"{AT}delta.tool_calls[0] is null, not an object"),
    (piece(index=[0]), f"{AT}delta.tool_calls[0].index is an array, not an integer"),
    (piece(index=True), f"{AT}delta.tool_calls[0].index is true or false, not an integer"),
    (piece(function="f"), f"{AT}delta.tool_calls[0].function is a string, not an object"),
    (piece(function={"name": 5}), f"{AT}delta.tool_calls[0].function.name is a number, not a string"),
    (
        piece(function={"arguments": {}}),
        f"{AT}delta.tool_calls[0].function.arguments is a dict, not a string",
    ),
    (piece(type=["function"]), f"{AT}delta.tool_calls[0].type is an array, not a string"),
]


@pytest.mark.parametrize(("bad", "said"), HOSTILE, ids=[said for _, said in HOSTILE])
def test_a_chunk_of_the_wrong_shape_is_one_line_and_adds_nothing(bad: Any, said: str) -> None:
    assembler = assemble_stream([])
    with pytest.raises(BadChunk) as raised:
        assembler.add(bad)
    assert str(raised.value) == said
    assert assembler.message() == {"role": "assistant", "content": ""}
    assert (assembler.finish_reason, assembler.usage, assembler.chunks) == (None, None, 1)


def test_null_fields_are_fields_left_out() -> None:
    nulls = [
        chunk(choices=None, usage=None),
        choice(None, finish_reason=None),
        choice({"content": None, "tool_calls": None, "reasoning_content": None}),
        piece(index=0, id="call_a", type=None, function={"name": "f", "arguments": "{}"}),
        piece(index=None, id=None, function=None),
    ]
    message = assemble_stream(nulls).message()
    assert message == {
        "role": "assistant",
        "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }


# A grammar of chunks: mostly pieces of the right shape, sometimes junk in their place.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.text(max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.sampled_from(["index", "name", "x"]), st.integers(0, 2), max_size=2),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually ``valid``; junk in its place about one time in eight (and shrunk away when it can be)."""
    return st.sampled_from([valid] * 7 + [JUNK]).flatmap(lambda chosen: chosen)


NAMES = st.sampled_from(["get_memory_info", "write_file", "get_", "memory_info", "nope", ""])
FRAGMENTS = st.sampled_from(
    [
        "",
        " ",
        "{",
        "}",
        "{}",
        '{"file_name": "a.txt", ',
        '"text": "hi"}',
        '{"file_name": "b.txt", "text": "x"}',
    ]
    + ["\ud800", "null", "[1]"]
)
IDS = st.sampled_from(["", "call_a", "call_b", "call_local_1", "call_local_2"])
FUNCTION = st.fixed_dictionaries({}, optional={"name": maybe(NAMES), "arguments": maybe(FRAGMENTS)})
PIECE = st.fixed_dictionaries(
    {},
    optional={
        "index": maybe(st.integers(0, 2)),
        "id": maybe(IDS),
        "type": maybe(st.just("function")),
        "function": maybe(FUNCTION),
    },
)
DELTA = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": maybe(st.sampled_from(["", "Hi", "\udc80"])),
        "reasoning_content": maybe(st.just("hm")),
        "tool_calls": maybe(st.lists(maybe(PIECE), max_size=2)),
    },
)
CHOICE = st.fixed_dictionaries(
    {},
    optional={
        "index": maybe(st.integers(0, 1)),
        "delta": maybe(DELTA),
        "finish_reason": maybe(st.sampled_from(["tool_calls", "stop", "length"])),
    },
)
CHUNKS = st.lists(
    maybe(
        st.builds(
            lambda fields: chunk(**fields),
            st.fixed_dictionaries(
                {},
                optional={
                    "choices": maybe(st.lists(maybe(CHOICE), max_size=2)),
                    "usage": maybe(st.just({"total_tokens": 3})),
                },
            ),
        )
    ),
    max_size=8,
)


def assert_sendable(message: dict[str, Any]) -> None:
    """The message has the shape the API takes back: ids non-empty and unique, names and arguments text."""
    calls = message.get("tool_calls", [])
    ids = [call["id"] for call in calls]
    assert all(isinstance(call_id, str) and call_id for call_id in ids)
    assert len(set(ids)) == len(ids)
    assert all(call["type"] == "function" for call in calls)
    assert all(isinstance(call["function"]["name"], str) for call in calls)
    assert all(isinstance(call["function"]["arguments"], str) for call in calls)
    assert all(isinstance(message[key], str) for key in message if key not in ("tool_calls",))
    answers = [{"role": "tool", "tool_call_id": call_id, "content": ""} for call_id in ids]
    check_conversation([USER, message, *answers])


@SOME
@given(CHUNKS)
def test_the_assembler_gives_a_sendable_message_or_bad_chunk(chunks: list[Any]) -> None:
    assembler = StreamAssembler()
    for data in chunks:
        before = (assembler.message(), assembler.finish_reason, assembler.usage)
        try:
            assembler.add(data)
        except BadChunk as error:
            assert "\n" not in str(error) and len(str(error)) < 120
            assert (assembler.message(), assembler.finish_reason, assembler.usage) == before
    assert_sendable(assembler.message())


def streaming_client(first: bytes) -> openai.OpenAI:
    """A client whose server streams ``first``, then a plain final answer."""
    final = json.dumps(choice({"content": "done"}, finish_reason="stop"))
    replies = [first, f"data: {final}\n\ndata: [DONE]\n\n".encode()]

    def handle(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=replies.pop(0), headers={"content-type": "text/event-stream"})

    http = openai.DefaultHttpx2Client(transport=httpx2.MockTransport(handle))
    return openai.OpenAI(
        api_key="sk-test", base_url="http://test.invalid/v1", max_retries=0, http_client=http
    )


@FEW
@given(CHUNKS)
def test_the_streamed_loop_answers_or_raises_its_own_error(chunks: list[Any]) -> None:
    body = "".join(f"data: {json.dumps(data)}\n\n" for data in chunks) + "data: [DONE]\n\n"
    tools = Tools()
    client = streaming_client(body.encode())
    try:
        result = run_conversation(client, MODEL, [USER], tools.definitions, tools.functions, stream=True)
    except (BadResponse, IncompleteResponse) as error:
        assert "\n" not in str(error)
        messages = error.conversation.messages
    else:
        messages = result.messages
        assert messages[-1] == {"role": "assistant", "content": "done"} or len(messages) == 2
    check_conversation(messages)
    for message in messages[1:]:
        if message["role"] == "assistant":
            assert_sendable(message)


class Stream:
    """A stream of chunks that says whether it was closed."""

    def __init__(self, *chunks: Any) -> None:
        self.chunks, self.closed = chunks, False

    def __iter__(self) -> Any:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_a_stream_left_half_read_by_a_bad_chunk_is_closed() -> None:
    stream = Stream(choice({"content": "Hi"}), choice("junk"), choice({"content": " there"}))
    with pytest.raises(Unusable, match="chunk 2: choices\\[0\\].delta is a string, not an object"):
        assembled(stream)
    assert stream.closed
