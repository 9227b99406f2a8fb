"""The hand-written code of lessons 04-06 does what their prose says, and agrees with the helpers.

The functions are taken from the notebooks as the learner reads them (their
``def`` and imports only, so a cell's demonstration does not run), then tested
like any code: lesson 04's ``tool_message`` tells a refusal from a failure,
lesson 05's ``rule_breaks`` finds a break exactly when ``check_conversation``
does, and lesson 06's ``run_loop`` survives a fake model's odd replies.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import nbformat
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ConversationError, check_conversation, run_tool_call

ROOT = Path(__file__).resolve().parent.parent


def cell_defining(stem: str, name: str) -> str:
    """The source of the code cell of lesson ``stem`` that defines function ``name``."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source)


def kept(node: ast.stmt) -> bool:
    """An import, a definition, or a constant such as ``MAX_TURNS = 5``: what a function needs."""
    if isinstance(node, ast.Assign):
        return isinstance(node.value, ast.Constant)
    return isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))


def hand_function(stem: str, name: str, **context: Any) -> Any:
    """Function ``name`` from lesson ``stem``: its cell's imports, definitions and constants run.

    ``context`` holds the names it takes from the lesson's earlier cells.
    """
    body = [node for node in ast.parse(cell_defining(stem, name)).body if kept(node)]
    namespace: dict[str, Any] = dict(context)
    exec(compile(ast.Module(body=body, type_ignores=[]), f"<{stem}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


tool_message = hand_function("04_handle_the_response", "tool_message")
rule_breaks = hand_function("05_return_the_result", "rule_breaks")
run_loop = hand_function("06_the_loop", "run_loop", tool_message=hand_function("06_the_loop", "tool_message"))


def a_call(name: str, arguments: str, call_id: str = "call_1") -> SimpleNamespace:
    return SimpleNamespace(id=call_id, function=SimpleNamespace(name=name, arguments=arguments))


def refuses(file_name: str) -> None:
    raise ValueError(f"file_name must stay inside the folder, not {file_name!r}")


def crashes() -> None:
    raise OSError("no sensor at /sys/class/thermal/thermal_zone0/temp")


def test_lesson_06_copies_lesson_04s_dispatcher_word_for_word():
    def definition(stem: str) -> str:
        source = cell_defining(stem, "tool_message")
        node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
        return ast.get_source_segment(source, node)

    assert definition("06_the_loop") == definition("04_handle_the_response")


def test_a_value_error_is_a_refusal_the_model_reads():
    message = tool_message(a_call("refuses", '{"file_name": "../x"}'), {"refuses": refuses})
    assert message == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "Error: file_name must stay inside the folder, not '../x'",
    }


def test_any_other_exception_is_a_short_failure_without_its_message():
    message = tool_message(a_call("crashes", "{}"), {"crashes": crashes})
    assert message["content"] == "Error: crashes failed (OSError). Tell the user it did not work."


results = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.lists(st.booleans(), max_size=3),
)


@given(result=results)
def test_a_result_becomes_the_content_the_helper_sends(result: Any):
    functions = {"tool": lambda: result}
    call = a_call("tool", "{}")
    as_json = json.dumps(result, ensure_ascii=False)
    expected = "" if result is None else result if isinstance(result, str) else as_json
    assert tool_message(call, functions)["content"] == expected
    assert tool_message(call, functions) == run_tool_call(call, functions)


# A conversation: user and assistant messages (with calls "c0".."c2"), and tool messages for any of them.
ids = st.sampled_from(["c0", "c1", "c2"])
assistant = st.lists(ids, unique=True, max_size=3).map(
    lambda calls: {
        "role": "assistant",
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": "f", "arguments": "{}"}} for i in calls
        ],
    }
)
message = st.one_of(
    st.just({"role": "user", "content": "hi"}),
    assistant,
    ids.map(lambda i: {"role": "tool", "tool_call_id": i, "content": ""}),
)


@settings(max_examples=400)
@given(conversation=st.lists(message, max_size=8))
def test_rule_breaks_finds_a_break_exactly_when_check_conversation_does(conversation: list[dict[str, Any]]):
    try:
        check_conversation(conversation)
        helper_ok = True
    except ConversationError:
        helper_ok = False
    assert (rule_breaks(conversation) == []) is helper_ok


def test_rule_breaks_names_each_break():
    ask = {"role": "assistant", "tool_calls": [{"id": "a"}, {"id": "b"}]}
    answer = {"role": "tool", "tool_call_id": "a", "content": ""}
    orphan = {"role": "tool", "tool_call_id": "z", "content": ""}
    assert rule_breaks([{"role": "user"}, ask, answer, answer, orphan]) == [
        "messages[3] answers call 'a' a second time",
        "messages[4] answers 'z', not a call of the assistant message before it",
        "call 'b' of messages[1] has no answer",
    ]


def fake_model(*replies: tuple[dict[str, Any], str]) -> openai.OpenAI:
    """A client answered by scripted (message, finish_reason) pairs, through a mock transport."""
    script = iter(replies)

    def handler(request: httpx2.Request) -> httpx2.Response:
        message, finish_reason = next(script)
        choice = {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [choice],
        }
        return httpx2.Response(200, json=body)

    transport = httpx2.MockTransport(handler)
    return openai.OpenAI(
        api_key="sk-test",
        base_url="http://fake.invalid/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    )


def asks(*names: str) -> dict[str, Any]:
    calls = [
        {"id": f"call_{n}", "type": "function", "function": {"name": n, "arguments": "{}"}} for n in names
    ]
    return {"content": None, "tool_calls": calls}


TOOLS = [
    {"type": "function", "function": {"name": "nothing", "parameters": {"type": "object", "properties": {}}}}
]


def test_the_hand_loop_answers_parallel_calls_and_counts_turns_by_replies(capsys: pytest.CaptureFixture[str]):
    functions = {"nothing": lambda: None, "number": lambda: 7}
    client = fake_model((asks("nothing", "number"), "tool_calls"), ({"content": "done"}, "stop"))
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    assert run_loop(client, "m", messages, TOOLS, functions) == "done"
    assert [m.get("content") for m in messages[2:4]] == ["", "7"]
    assert sum(m["role"] == "assistant" for m in messages) == 2  # two turns, five messages
    assert len(messages) == 5


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (({"content": None}, "tool_calls"), "announces tool calls but holds none"),
        (({"content": None, "tool_calls": []}, "tool_calls"), "announces tool calls but holds none"),
        (({"content": "Half a sen"}, "length"), "incomplete (length)"),
        (({"content": None}, "content_filter"), "incomplete (content_filter)"),
    ],
)
def test_the_hand_loop_stops_on_an_unfinished_reply(reply: tuple[dict[str, Any], str], said: str):
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    with pytest.raises(RuntimeError, match=said.replace("(", r"\(").replace(")", r"\)")):
        run_loop(fake_model(reply), "m", messages, TOOLS, {"nothing": lambda: None})
    assert messages == [{"role": "user", "content": "go"}]  # nothing unusable appended


def test_the_hand_loop_stops_at_its_turn_limit_and_keeps_the_conversation():
    client = fake_model(*[(asks("nothing"), "tool_calls")] * 2)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    with pytest.raises(RuntimeError, match="after 2 turns"):
        run_loop(client, "m", messages, TOOLS, {"nothing": lambda: None}, max_turns=2)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant", "tool"]
