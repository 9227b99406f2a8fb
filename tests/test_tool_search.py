"""Lesson 17's tool-search session: authored items the SDK parses, and a check that catches bad ones."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import (
    NamespaceTool,
    Response,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseToolSearchCall,
    ResponseToolSearchOutputItem,
)

from helpers.recording.check_rules import response_problems

AUTHORED = Path(__file__).parent.parent / "cassettes" / "sources" / "authored"
# Values the SDK accepts for a search item's execution and status.
VALID = {"server", "client", "completed", "in_progress", "incomplete"}
TURNS = [AUTHORED / f"17-search.turn{n}.response.json" for n in (1, 2, 3)]


def _bodies() -> list[dict]:
    return [json.loads(path.read_text("utf-8")) for path in TURNS]


def _problems(body: dict) -> list[str]:
    stored = {"headers": {}, "status": {"code": 200}, "body": {"string": json.dumps(body)}}
    return response_problems(stored, "https://api.openai.com/v1/responses")


def test_the_search_loads_one_namespace_and_the_calls_name_it():
    first, second, third = (Response.model_validate(body) for body in _bodies())
    assert [type(item) for item in first.output] == [
        ResponseToolSearchCall,
        ResponseToolSearchOutputItem,
        ResponseFunctionToolCall,
    ]
    search, loaded, memory_call = first.output
    assert (search.execution, search.call_id, search.arguments) == ("server", None, {"paths": ["memory"]})
    assert (loaded.execution, loaded.call_id) == ("server", None)
    # The loaded namespace is the one the request defined, and only that one.
    namespaces = {tool.name: tool for tool in first.tools if isinstance(tool, NamespaceTool)}
    assert sorted(namespaces) == ["memory", "system"]
    assert loaded.tools == [namespaces["memory"]]
    assert all(function.defer_loading for function in namespaces["memory"].tools)
    write_call = second.output[0]
    assert [(c.namespace, c.name) for c in (memory_call, write_call)] == [
        ("memory", "get_memory_info"),
        ("memory", "write_file"),
    ]
    assert [type(item) for item in third.output] == [ResponseOutputMessage]
    for call in (memory_call, write_call):
        assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call.call_id)


def test_the_session_is_dated_the_day_it_was_written_seconds_apart():
    bodies = _bodies()
    days = {datetime.fromtimestamp(b["created_at"], timezone.utc).date().isoformat() for b in bodies}
    assert days == {"2026-12-04"}
    assert all(b["created_at"] < b["completed_at"] for b in bodies)
    assert all(a["completed_at"] <= b["created_at"] for a, b in zip(bodies, bodies[1:], strict=False))
    assert {b["model"] for b in bodies} == {"gpt-5.4-2026-03-05"}


def test_the_authored_bodies_pass_the_check():
    assert [_problems(body) for body in _bodies()] == [[], [], []]


@given(
    st.sampled_from([0, 1]),
    st.sampled_from(["execution", "status", "type"]),
    st.text(max_size=12).filter(lambda s: s not in VALID),
)
def test_the_check_flags_a_malformed_search_item(index, field, value):
    body = copy.deepcopy(_bodies()[0])
    body["output"][index][field] = value
    problems = _problems(body)
    assert len(problems) == 1
    assert problems[0].startswith("response does not parse as responses: ")


def test_the_check_flags_a_loaded_tool_without_a_type():
    body = copy.deepcopy(_bodies()[0])
    del body["output"][1]["tools"][0]["type"]
    assert len(_problems(body)) == 1
