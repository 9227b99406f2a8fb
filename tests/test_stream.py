"""The stream assembler (lesson 08): one tiny stream per quirk, and agreement with the SDK."""

from __future__ import annotations

import json

import httpx2
import openai
from openai.types.chat import ChatCompletionChunk

from helpers.calling.stream import Change, StreamAssembler, assemble_stream


def chunk(delta=None, finish_reason=None, *, choices=True, usage=None):
    """One chunk as a dict, as a server sends it."""
    data = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5-mini"}
    data["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}] if choices else []
    if usage is not None:
        data["usage"] = usage
    return data


def call(index=None, id=None, name=None, arguments=None, **extra):
    """One tool-call delta; keys left out are absent, as some servers send them."""
    piece = {**({"index": index} if index is not None else {}), **extra}
    if id is not None:
        piece["id"] = id
    function = {}
    if name is not None:
        function["name"] = name
    if arguments is not None or "null_arguments" in extra:
        function["arguments"] = arguments
    piece.pop("null_arguments", None)
    if function:
        piece["function"] = function
    return {"tool_calls": [piece]}


def tool(id, name, arguments):
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


OPENAI_STYLE = [
    chunk({"role": "assistant", "content": None, "refusal": None}),
    chunk(call(0, "call_a", "get_weather", "", type="function")),
    chunk(call(0, arguments='{"city":')),
    chunk(call(0, arguments='"Paris"}')),
    chunk(call(1, "call_b", "get_weather", "", type="function")),
    chunk(call(1, arguments='{"city":"Rome"}')),
    chunk({}, "tool_calls"),
]
TWO_CALLS = {
    "role": "assistant",
    "tool_calls": [
        tool("call_a", "get_weather", '{"city":"Paris"}'),
        tool("call_b", "get_weather", '{"city":"Rome"}'),
    ],
}


def test_openai_style_stream():
    assembled = assemble_stream(OPENAI_STYLE)
    assert assembled.message() == TWO_CALLS
    assert assembled.finish_reason == "tool_calls"
    assert assembled.usage is None
    assert assembled.chunks == 7


def test_sdk_chunk_objects_are_accepted():
    objects = [ChatCompletionChunk.model_validate(c) for c in OPENAI_STYLE]
    assert assemble_stream(objects).message() == TWO_CALLS


def test_deltas_without_index_continue_the_last_call_unless_a_new_id():
    chunks = [
        chunk(call(None, "call_a", "get_weather", '{"city":')),
        chunk(call(None, arguments='"Paris"}')),
        chunk(call(None, "call_b", "get_weather", '{"city":"Rome"}')),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == TWO_CALLS


def test_same_index_for_two_calls_a_new_id_starts_a_new_call():
    chunks = [
        chunk(call(0, "call_a", "get_weather", '{"city":"Paris"}')),
        chunk(call(0, "call_b", "get_weather", '{"city":')),
        chunk(call(0, arguments='"Rome"}')),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == TWO_CALLS


def test_empty_id_on_continuation_deltas_is_no_id():
    chunks = [
        chunk(call(0, "call_a", "get_weather", '{"city":')),
        chunk(call(0, "", arguments='"Paris"}')),
        chunk(call(1, "call_b", "get_weather", "")),
        chunk(call(1, "", arguments='{"city":"Rome"}')),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == TWO_CALLS


def test_name_repeated_on_every_delta_is_kept_once():
    chunks = [
        chunk(call(0, "call_a", "get_weather", '{"city":')),
        chunk(call(0, "call_a", "get_weather", '"Paris"}')),
        chunk(call(1, "call_b", "get_weather", '{"city":')),
        chunk(call(1, "call_b", "get_weather", '"Rome"}')),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == TWO_CALLS


def test_null_arguments_add_nothing():
    chunks = [
        chunk(call(0, "call_a", "get_weather", None, null_arguments=True)),
        chunk(call(0, arguments='{"city":"Paris"}')),
        chunk(call(0, null_arguments=True)),
        chunk({}, "tool_calls"),
    ]
    message = assemble_stream(chunks).message()
    assert message == {"role": "assistant", "tool_calls": [tool("call_a", "get_weather", '{"city":"Paris"}')]}


def test_no_finish_reason_is_reported_as_none():
    chunks = [chunk(call(0, "call_a", "get_weather", '{"city":"Paris"}'))]
    assembled = assemble_stream(chunks)
    assert assembled.finish_reason is None
    assert assembled.message()["tool_calls"] == [tool("call_a", "get_weather", '{"city":"Paris"}')]


def test_content_absent_or_empty_leaves_no_content_key_next_to_calls():
    chunks = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "", **call(0, "call_a", "get_weather", '{"city":"Paris"}')}),
        chunk({"content": None}),
        chunk({}, "tool_calls"),
    ]
    message = assemble_stream(chunks).message()
    assert message == {"role": "assistant", "tool_calls": [tool("call_a", "get_weather", '{"city":"Paris"}')]}


def test_text_only_and_empty_replies_have_content():
    text = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hi"}),
        chunk({"content": "!"}),
        chunk({}, "stop"),
    ]
    assert assemble_stream(text).message() == {"role": "assistant", "content": "Hi!"}
    assert assemble_stream([chunk({}, "stop")]).message() == {"role": "assistant", "content": ""}


def test_text_next_to_calls_is_kept():
    chunks = [
        chunk({"content": "Checking."}),
        chunk(call(0, "call_a", "get_weather", "{}")),
        chunk({}, "tool_calls"),
    ]
    message = assemble_stream(chunks).message()
    assert message == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [tool("call_a", "get_weather", "{}")],
    }


def test_usage_only_final_chunk():
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    chunks = [chunk({"content": "Hi"}), chunk({}, "stop"), chunk(choices=False, usage=usage)]
    assembled = assemble_stream(chunks)
    assert assembled.message() == {"role": "assistant", "content": "Hi"}
    assert assembled.finish_reason == "stop"
    assert assembled.usage == usage


def test_add_says_what_changed():
    assembler = StreamAssembler()
    changes = [assembler.add(c) for c in OPENAI_STYLE[:4]]
    assert changes[0] == Change()
    assert changes[1] == Change(call=0, started=True, name="get_weather")
    assert changes[2] == Change(call=0, arguments='{"city":')
    last = assembler.add(OPENAI_STYLE[-1])
    assert last == Change(finish_reason="tool_calls")
    usage = assembler.add(chunk(choices=False, usage={"total_tokens": 1}))
    assert usage == Change(usage={"total_tokens": 1})


def _sdk_client(chunks):
    def handle(request):
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=body)

    http = openai.DefaultHttpx2Client(transport=httpx2.MockTransport(handle))
    return openai.OpenAI(api_key="test", base_url="http://test.invalid/v1", http_client=http, max_retries=0)


def test_agrees_with_the_sdk_stream_helper():
    chunks = [
        chunk({"role": "assistant", "content": "Let me look."}),
        *OPENAI_STYLE[1:],
        chunk(choices=False, usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
    ]
    client = _sdk_client(chunks)
    request = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "Weather?"}]}
    with client.chat.completions.stream(**request, stream_options={"include_usage": True}) as stream:
        raw = [event.chunk for event in stream if event.type == "chunk"]
        final = stream.get_final_completion()
    assembled = assemble_stream(raw)
    sdk_message = final.choices[0].message.model_dump(exclude_none=True)
    sdk_message.pop("parsed", None)
    for sdk_call in sdk_message["tool_calls"]:
        sdk_call["function"].pop("parsed_arguments", None)
        assert sdk_call.pop("index") in (0, 1)  # the SDK keeps each call's stream index; the API takes none
    assert assembled.message() == sdk_message
    assert assembled.finish_reason == final.choices[0].finish_reason == "tool_calls"
    assert assembled.usage == final.usage.model_dump(exclude_none=True)


def test_reasoning_deltas_are_kept_under_their_own_name():
    stream = [
        chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
        chunk({"reasoning_content": "Need the "}),
        chunk({"reasoning_content": "memory."}),
        chunk(call(0, "call_00_a", "get_memory_info", "{}")),
        chunk({"content": "", "reasoning_content": None}, "tool_calls"),
    ]
    assert assemble_stream(stream).message() == {
        "role": "assistant",
        "reasoning_content": "Need the memory.",
        "tool_calls": [tool("call_00_a", "get_memory_info", "{}")],
    }
    assert assemble_stream([chunk({"reasoning": "hm"}), chunk({"content": "hi"})]).message() == {
        "role": "assistant",
        "content": "hi",
        "reasoning": "hm",
    }


READ_WHOLE = {"id": "", "type": "function", "function": {"name": "get_memory_info", "arguments": "{}"}}
WRITE_WHOLE = {
    "id": "",
    "type": "function",
    "function": {"name": "write_file", "arguments": '{"file_name": "a.txt", "text": "hi"}'},
}


def test_calls_sent_whole_without_index_or_ids_stay_two_calls_with_local_ids():
    # Ollama's /v1 has sent calls whole without an index (ollama#7881), Gemini's compatible mode with "" ids.
    chunks = [
        chunk({"tool_calls": [READ_WHOLE]}),
        chunk({"tool_calls": [WRITE_WHOLE]}),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == {
        "role": "assistant",
        "tool_calls": [{**READ_WHOLE, "id": "call_local_1"}, {**WRITE_WHOLE, "id": "call_local_2"}],
    }


def test_two_calls_of_one_tool_sent_whole_without_index_stay_two_calls():
    first = tool("", "get_weather", '{"city":"Paris"}')
    second = tool("", "get_weather", '{"city":"Rome"}')
    chunks = [chunk({"tool_calls": [first]}), chunk({"tool_calls": [second]}), chunk({}, "tool_calls")]
    assert assemble_stream(chunks).message() == {
        "role": "assistant",
        "tool_calls": [{**first, "id": "call_local_1"}, {**second, "id": "call_local_2"}],
    }


def test_calls_sent_whole_under_one_index_with_empty_ids_stay_two_calls():
    # Ollama sends every call of a reply under index 0 (ollama#15457); here without ids too.
    chunks = [
        chunk({"tool_calls": [{"index": 0, **READ_WHOLE}]}),
        chunk({"tool_calls": [{"index": 0, **WRITE_WHOLE}]}),
        chunk({}, "tool_calls"),
    ]
    message = assemble_stream(chunks).message()
    assert [c["function"]["name"] for c in message["tool_calls"]] == ["get_memory_info", "write_file"]
    assert [c["id"] for c in message["tool_calls"]] == ["call_local_1", "call_local_2"]


def test_a_name_repeated_on_every_delta_without_index_stays_one_call():
    # OpenRouter-like: the name on every delta of one call, then an empty fragment (as DashScope ends).
    chunks = [
        chunk(call(None, "", "get_weather", "")),
        chunk(call(None, "", "get_weather", '{"city":')),
        chunk(call(None, "", "get_weather", '"Paris"}')),
        chunk(call(None, "", "get_weather", "")),
        chunk({}, "tool_calls"),
    ]
    message = assemble_stream(chunks).message()
    assert message == {
        "role": "assistant",
        "tool_calls": [tool("call_local_1", "get_weather", '{"city":"Paris"}')],
    }


def test_an_id_seen_before_continues_its_call():
    chunks = [
        chunk(call(None, "call_a", "get_weather", '{"city":')),
        chunk(call(None, "call_b", "get_weather", '{"city":"Rome"}')),
        chunk(call(None, "call_a", arguments='"Paris"}')),
        chunk({}, "tool_calls"),
    ]
    assert assemble_stream(chunks).message() == TWO_CALLS


def test_ids_that_are_not_strings_are_no_ids():
    chunks = [
        chunk(call(0, 7, "get_weather", '{"city":"Paris"}')),
        chunk(call(1, ["x"], "get_weather", "{}")),
    ]
    ids = [c["id"] for c in assemble_stream(chunks).message()["tool_calls"]]
    assert ids == ["call_local_1", "call_local_2"]


def test_local_ids_do_not_take_an_id_the_server_sent():
    chunks = [chunk(call(0, "call_local_1", "get_weather", "{}")), chunk(call(1, "", "get_weather", "{}"))]
    ids = [c["id"] for c in assemble_stream(chunks).message()["tool_calls"]]
    assert ids == ["call_local_1", "call_local_2"]
