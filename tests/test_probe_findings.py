"""``probe`` reports what a learner trips on, and a second turn, from servers that answer oddly.

Each scripted server below answers with one documented or reported quirk
(OpenRouter's id "0", ``arguments: null`` and repeated names; an ``index`` inside
whole calls; a tool that was not offered; vLLM's ``"stop"`` beside calls) or with
junk (``tool_calls: 5``, a stream line that is not JSON). The probe must name each
in its row and never raise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.providers.findings import call_findings, stream_findings, stream_shape
from helpers.providers.probe import Row, probe
from helpers.providers.sendback import FOREIGN_ID, OPENAI_ID
from helpers.recording.loopback import LoopbackServer, Reply, Script

OFFERED = {"get_weather", "get_time"}
WEATHER = {"name": "get_weather", "arguments": '{"city": "Paris"}'}


def completion(message: dict[str, Any], finish: Any = "tool_calls") -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}]}


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def probe_of(first: dict[str, Any], stream: list[Any] | None = None, turn2: Reply | None = None) -> Row:
    """Probe a server that answers every request with ``first``, streams ``stream``, and
    answers a request carrying a tool result with ``turn2`` (default: text)."""

    def respond(path: str, body: Any) -> Reply:
        if path.endswith("/responses"):
            return Reply(body={"error": {"message": "no"}}, status=404)
        if body.get("stream"):
            return Reply(sse=stream or [chunk(finish="stop")])
        if any(m.get("role") == "tool" for m in body["messages"]):
            return turn2 or Reply(body=completion({"content": "Sunny."}, "stop"))
        return Reply(body=first)

    with LoopbackServer(Script([]), respond=respond) as server:
        return probe(server.base_url, "m", api_key="sk-test", timeout=5)


def test_tool_calls_that_is_not_a_list_is_a_finding_not_a_crash():
    row = probe_of(completion({"content": None, "tool_calls": 5}))
    assert (row.tools, row.one_call, row.findings) == (
        "yes",
        "no (tool_calls unreadable)",
        "tool_calls is a number (5)",
    )
    assert (row.content, row.ids, row.second_turn, row.send_back_rules) == ("-", "-", "-", "-")
    assert row.parallel == "no"


def test_openrouter_shapes_are_named():
    # As reported for OpenRouter: id "0", arguments null on the first delta, the name on each delta.
    first = completion({"content": "", "tool_calls": [{"id": "0", "type": "function", "function": WEATHER}]})
    head = {"index": 0, "id": "0", "type": "function"}
    stream = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [{**head, "function": {"name": "get_weather", "arguments": None}}]}),
        chunk({"tool_calls": [{**head, "function": {"name": "get_weather", "arguments": '{"city"'}}]}),
        chunk({"tool_calls": [{**head, "function": {"name": "get_weather", "arguments": ': "Paris"}'}}]}),
        chunk(finish="tool_calls"),
    ]
    row = probe_of(first, stream)
    assert (row.ids, row.findings, row.stream) == ("1 char", "none", "assembles")
    assert row.stream_shape == "index, finish tool_calls, no usage, arguments null, name on every delta"
    assert (row.second_turn, row.send_back_rules) == ("answered", "none found")


def test_a_plain_reply_with_every_whole_call_quirk():
    call = {"id": "call_1", "type": "function", "index": 0}
    calls = [
        {**call, "function": {"name": "get_stock", "arguments": "{city: Paris"}},
        {**call, "function": WEATHER},
    ]
    row = probe_of(completion({"content": None, "tool_calls": calls}, finish="stop"))
    assert row.one_call == "2 calls"
    assert row.findings == (
        "index in calls; called 'get_stock', not offered; arguments not JSON; "
        "finish_reason 'stop' beside calls"
    )


def test_the_foreign_ids_are_of_openais_form():
    assert all(OPENAI_ID.fullmatch(FOREIGN_ID.format(n=n)) for n in range(12))


def test_only_a_400_on_the_changed_turn_counts_as_a_rule():
    first = completion({"content": "", "tool_calls": [{"id": "pcZFHqej8", "function": WEATHER}]})

    def busy(path: str, body: Any) -> Reply:
        if body.get("stream") or path.endswith("/responses"):
            return Reply(body={"error": {"message": "no"}}, status=404)
        messages = body["messages"]
        if len(messages) == 1:
            return Reply(body=first)
        own = messages[1]["tool_calls"][0]["id"] == "pcZFHqej8"
        text = completion({"content": "Sunny."}, "stop")
        return Reply(body=text) if own else Reply(body={"error": {"message": "slow down"}}, status=429)

    with LoopbackServer(Script([]), respond=busy) as server:
        row = probe(server.base_url, "m", api_key="sk-test", timeout=5)
    assert (row.second_turn, row.send_back_rules) == ("answered", "none found")


def test_a_refused_second_turn_names_its_rule():
    first = completion(
        {
            "content": "",
            "reasoning_content": "Think.",
            "tool_calls": [{"id": "call_0", "type": "function", "function": WEATHER}],
        }
    )
    refusal = {"error": {"message": "The reasoning_content in the thinking mode must be passed back."}}
    row = probe_of(first, turn2=Reply(body=refusal, status=400))
    assert row.second_turn == "refused (400: The reasoning_content in the thinking mode must be passed back.)"
    assert row.send_back_rules == "reasoning must be sent back"
    mistral = {
        "object": "error",
        "message": "Tool call id was call_0 but must be a-z, A-Z, 0-9, with a length of 9.",
    }
    row = probe_of(first, turn2=Reply(body=mistral, status=400))
    assert (row.second_turn[:31], row.send_back_rules) == ("refused (400: Tool call id was ", "id format")


def test_an_empty_list_of_calls_is_an_answer_in_text():
    row = probe_of(completion({"content": "Sunny.", "tool_calls": []}, "stop"))
    assert (row.one_call, row.findings, row.second_turn) == ("no (answered in text)", "none", "-")


def test_a_stream_line_that_is_not_json_is_counted():
    row = probe_of(
        completion({"content": "Hi."}, "stop"), [chunk({"content": "Hi"}), "not json", chunk(finish="stop")]
    )
    assert row.stream_shape == "no index, finish stop, no usage, 1 line not a JSON object"
    assert (row.one_call, row.findings, row.second_turn) == ("no (answered in text)", "none", "-")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "tool_calls",
                    "function",
                    "name",
                    "arguments",
                    "id",
                    "index",
                    "type",
                    "choices",
                    "delta",
                    "usage",
                    "finish_reason",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


TOOL_DELTA = st.fixed_dictionaries(
    {},
    optional={
        "index": JSON,
        "id": JSON,
        "type": JSON,
        "function": st.fixed_dictionaries({}, optional={"name": JSON, "arguments": JSON}) | JSON,
    },
)
CHUNK = st.builds(
    lambda calls, finish: {"choices": [{"delta": {"tool_calls": calls}, "finish_reason": finish}]},
    st.lists(TOOL_DELTA, max_size=3) | JSON,
    JSON,
)


@settings(max_examples=300, deadline=None)
@given(
    message=st.fixed_dictionaries({}, optional={"tool_calls": st.lists(TOOL_DELTA, max_size=3) | JSON}),
    finish=JSON,
)
def test_no_whole_reply_makes_the_findings_raise(message, finish):
    found = call_findings(message, finish, OFFERED)
    assert all(isinstance(f, str) and f for f in found)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(CHUNK | JSON, max_size=5))
def test_no_stream_makes_the_shape_or_findings_raise(chunks):
    assert stream_shape(chunks).count(",") >= 2
    assert all(isinstance(f, str) for f in stream_findings(chunks))


def test_an_index_that_is_a_list_is_read_not_raised():
    deltas = [{"index": [0], "id": "a", "function": {"name": "get_weather"}}, {"index": [0], "id": ""}]
    assert stream_findings([chunk({"tool_calls": deltas})]) == ['later deltas "id": ""']


def test_delta_tool_calls_that_is_not_a_list_is_named():
    assert stream_findings([chunk({"tool_calls": 5}), chunk({"tool_calls": "x"})]) == [
        "delta tool_calls is a number (5)",
        "delta tool_calls is a string",
    ]


def test_junk_values_are_named_by_their_kind():
    calls = [None, 3, {"id": "", "type": None, "function": WEATHER}]
    assert call_findings({"tool_calls": calls}, None, OFFERED) == [
        "a call is null",
        "a call is a number (3)",
        "type null",
        "finish_reason null beside calls",
    ]


def test_a_name_that_is_not_a_string_is_named():
    call = {"id": "x", "type": "function", "function": {"name": [1], "arguments": "{}"}}
    assert call_findings({"tool_calls": [call]}, "tool_calls", OFFERED) == ["name a list"]


def test_arguments_null_and_a_missing_type_in_a_whole_call():
    call = {"id": "pcZFHqej8", "function": {"name": "get_weather", "arguments": None}}
    assert call_findings({"tool_calls": [call]}, "tool_calls", OFFERED) == ["no type", "arguments null"]


def test_openai_shaped_replies_give_no_finding():
    message = {"content": None, "tool_calls": [{"id": "call_x", "type": "function", "function": WEATHER}]}
    assert call_findings(message, "tool_calls", OFFERED) == []
    head = {
        "index": 0,
        "id": "call_x",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    later = {"index": 0, "function": {"arguments": json.dumps({"city": "Paris"})}}
    assert stream_findings([chunk({"tool_calls": [head]}), chunk({"tool_calls": [later]})]) == []


JUNK = [
    [],
    "a string",
    {"choices": [None]},
    {"choices": "x"},
    completion({"tool_calls": [{"function": "get_weather"}]}),
    completion({"tool_calls": [{"id": ["x"], "function": {"name": {"a": 1}, "arguments": 5}}]}),
    completion({"tool_calls": [None, 3, {"id": "", "type": None}]}, finish=None),
]


@pytest.mark.parametrize("body", JUNK, ids=[json.dumps(body)[:40] for body in JUNK])
def test_junk_from_the_server_fills_the_row_and_never_raises(body):
    junk_stream = [body, chunk({"tool_calls": [{"index": [0], "function": "x"}]}), chunk(finish="stop")]
    row = probe_of(body, junk_stream)
    assert all(isinstance(value, str) and value for value in row.as_dict().values()), row
