"""run_responses against a hostile server: every response it cannot use is its own error, never an answer.

Each scenario answers the first request with a function call, which runs, and
the second with something the loop cannot use. The error must be of the exact
type, say in one line what the server sent, and carry the run with the tool's
answer in it. A property test then sends outputs built from a grammar of
valid-looking and hostile items.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import RawServer as Server
from test_responses import FUNCTIONS, MEMORY, MODEL, TOOLS, call, message, reasoning, response

from helpers.calling.loop import BadResponse, IncompleteResponse
from helpers.calling.responses import ResponsesRun, run_responses

JSON = "application/json"
FIRST = json.dumps(response(1, call(1, "get_memory"))).encode()
ANSWERED = {"type": "function_call_output", "call_id": "call_1", "output": MEMORY}


def saving(saved: list[str]) -> dict[str, Any]:
    """The tools, with ``save`` keeping each name it is given in ``saved``."""

    def save(name: str) -> None:
        """Save a file.

        Args:
            name: The file's name.
        """
        saved.append(name)

    return {**FUNCTIONS, "save": save}


def body(**fields: Any) -> bytes:
    """A response to request 2 with some fields replaced, as bytes."""
    return json.dumps({**response(2, message(2, "done")), **fields}).encode()


def no(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != key}


SAID = "the response to request 2 "
HTML = b"<html><title>502 Bad Gateway</title>" + b"x" * 5000 + b"</html>"
BAD = [
    ("not-json", JSON, b"{not json", "request 2: the server answered 200 with a body that is not JSON ("),
    ("html", "text/html", HTML, "request 2: the server answered 200 with no response: text/html, 5043 bytes"),
    ("empty-body", JSON, b"", "request 2: the server answered 200 with an empty body"),
    ("json-list", JSON, b"[1]", "request 2: the server answered 200 with no response: application/json"),
    ("output-null", JSON, body(output=None), SAID + "has no output list ('output': null)"),
    ("output-str", JSON, body(output="done"), SAID + "has no output list ('output': \"done\")"),
    (
        "output-empty",
        JSON,
        body(output=[]),
        SAID + "has an empty output: neither a message nor a function call",
    ),
    ("item-null", JSON, body(output=[None]), SAID + "has output[0] that is null, not an item"),
    ("item-str", JSON, body(output=["done"]), SAID + "has output[0] that is a string, not an item"),
    ("typeless", JSON, body(output=[no("type", message(2, "x"))]), SAID + "has output[0] with no type"),
    ("type-int", JSON, body(output=[{"type": 5}]), SAID + "has output[0] with the type 5, which this loop"),
    (
        "type-list",
        JSON,
        body(output=[{"type": ["message"]}]),
        SAID + 'has output[0] with the type ["message"]',
    ),
    (
        "unknown",
        JSON,
        body(output=[{"type": "computer_call"}]),
        SAID + 'has output[0] with the type "computer_call", which',
    ),
    (
        "reasoning-alone",
        JSON,
        body(output=[reasoning(2)]),
        SAID + "has neither a message nor a function call",
    ),
    (
        "no-status",
        JSON,
        json.dumps(no("status", response(2, message(2, "x")))).encode(),
        SAID + "has no status",
    ),
    ("in-progress", JSON, body(status="in_progress"), SAID + 'has status "in_progress", not "completed"'),
    ("failed", JSON, body(status="failed", error={"code": "server_error", "message": "boom"}), '"boom"'),
    (
        "error-set",
        JSON,
        body(error={"code": "x", "message": "bad"}),
        SAID + 'failed (status "completed"): "bad"',
    ),
    (
        "no-call-id",
        JSON,
        body(output=[no("call_id", call(2, "save"))]),
        "function_call whose call_id is none",
    ),
    (
        "empty-call-id",
        JSON,
        body(output=[{**call(2, "save"), "call_id": ""}]),
        'function_call whose call_id is ""',
    ),
    (
        "int-call-id",
        JSON,
        body(output=[{**call(2, "save"), "call_id": 7}]),
        "function_call whose call_id is 7",
    ),
    ("name-null", JSON, body(output=[{**call(2, "save"), "name": None}]), "function_call whose name is none"),
    ("arguments-dict", JSON, body(output=[{**call(2, "save"), "arguments": {}}]), "whose arguments is {}"),
]


@pytest.mark.parametrize(("kind", "reply", "said"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_hostile_second_response_is_a_bad_response_with_the_work_done(
    kind: str, reply: bytes, said: str
) -> None:
    ran: list[str] = []
    functions = saving(ran)
    server = Server((JSON, FIRST), (kind, reply))
    with pytest.raises(BadResponse) as raised:
        run_responses(server.client(), MODEL, "x", TOOLS, functions)
    text = str(raised.value)
    assert said in text
    assert "\n" not in text and len(text) < 320
    run = raised.value.conversation
    assert isinstance(run, ResponsesRun)
    assert run.input == [{"role": "user", "content": "x"}, call(1, "get_memory"), ANSWERED]
    assert ran == []


@pytest.mark.parametrize("response_id", [None, "", 7])
def test_a_chained_run_needs_an_id_to_name_the_response_by(response_id: Any) -> None:
    first = {**response(1, call(1, "save", '{"name": "a"}')), "id": response_id}
    ran: list[str] = []
    server = Server((JSON, json.dumps(first).encode()))
    with pytest.raises(BadResponse) as raised:
        run_responses(server.client(), MODEL, "x", TOOLS, saving(ran), store=True)
    assert str(raised.value) == (
        f"the response to request 1 has no id for the next request to name ('id': {json.dumps(response_id)})"
    )
    assert ran == [] and len(server.bodies) == 1


def test_an_incomplete_response_says_why() -> None:
    details = {"reason": "max_output_tokens"}
    server = Server((JSON, FIRST), (JSON, body(status="incomplete", incomplete_details=details)))
    with pytest.raises(IncompleteResponse) as raised:
        run_responses(server.client(), MODEL, "x", TOOLS, FUNCTIONS)
    assert str(raised.value) == 'the response to request 2 is incomplete ("max_output_tokens")'
    assert raised.value.finish_reason == "max_output_tokens"
    assert raised.value.conversation.input[-1] == ANSWERED


def test_lone_surrogates_are_replaced_so_the_next_request_can_be_sent() -> None:
    # json.dumps writes "\ud800" as an escape, which the SDK reads back as a lone surrogate.
    first = response(1, message(1, "a\ud800"), call(1, "save", '{"name": "b\udc00.txt"}'))
    saved: list[str] = []
    server = Server((JSON, json.dumps(first).encode()), (JSON, body()))
    run_responses(server.client(), MODEL, "x", TOOLS, saving(saved))
    sent = server.bodies[1]["input"]
    assert sent[1]["content"][0]["text"] == "a\ufffd"
    assert sent[2]["arguments"] == '{"name": "b\ufffd.txt"}'
    assert saved == ["b\ufffd.txt"]  # the tool ran what the record says


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (None, ""),
        ("hi", ""),
        ([None, {"type": "output_text", "text": None}], ""),
        ([{"type": "refusal"}], ""),
    ],
)
def test_output_text_is_text_whatever_the_content(content: Any, text: str) -> None:
    reply = response(1, {**message(1, "x"), "content": content}, message(2, "ok"))
    run = run_responses(Server((JSON, json.dumps(reply).encode())).client(), MODEL, "x", TOOLS, FUNCTIONS)
    assert run.output_text == text + "ok"


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-1, 7), st.text(max_size=3), st.lists(st.none(), max_size=1)
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually ``valid``; junk in its place about one time in eight (and shrunk away when it can be)."""
    return st.sampled_from([valid] * 7 + [JUNK]).flatmap(lambda chosen: chosen)


TEXT = st.sampled_from(["", "ok", "\ud800"])
PART = st.fixed_dictionaries({"type": maybe(st.just("output_text"))}, optional={"text": maybe(TEXT)})
ITEM = st.one_of(
    st.fixed_dictionaries(
        {"type": maybe(st.just("message"))},
        optional={"role": st.just("assistant"), "content": maybe(st.lists(maybe(PART), max_size=2))},
    ),
    st.fixed_dictionaries(
        {
            "type": maybe(st.just("function_call")),
            "call_id": maybe(st.sampled_from(["call_a", "call_b", ""])),
            "name": maybe(st.sampled_from(["get_memory", "save", "nope"])),
            "arguments": maybe(st.sampled_from(["{}", '{"name": "a"}', "{", "\udc80"])),
        }
    ),
    st.fixed_dictionaries(
        {"type": maybe(st.sampled_from(["reasoning", "web_search_call", "computer_call"]))}
    ),
)
RESPONSE = st.fixed_dictionaries(
    {
        "output": maybe(st.lists(maybe(ITEM), max_size=3)),
        "status": maybe(st.sampled_from(["completed"] * 4 + ["incomplete", "failed"])),
    },
    optional={
        "error": st.one_of(st.none(), st.none(), st.just({"message": "boom"})),
        "incomplete_details": maybe(st.fixed_dictionaries({"reason": maybe(st.just("max_output_tokens"))})),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSE)
def test_any_output_is_an_answer_calls_or_the_loops_own_error(fields: dict[str, Any]) -> None:
    reply = {**no("status", response(1)), **fields}
    final = json.dumps(response(2, message(2, "done"))).encode()
    server = Server((JSON, json.dumps(reply).encode()), (JSON, final))
    try:
        run = run_responses(server.client(), MODEL, "x", TOOLS, saving([]))
    except (BadResponse, IncompleteResponse) as error:
        assert "\n" not in str(error)
        run = error.conversation
        assert isinstance(run, ResponsesRun) and run.input[0] == {"role": "user", "content": "x"}
    else:
        assert isinstance(run.output_text, str)
        last = [item.get("type") for item in run.input[-len(fields.get("output") or []) :]]
        assert "message" in last or run.turns == 2
    json.dumps(run.input, ensure_ascii=False).encode()  # whatever was kept can be sent again
