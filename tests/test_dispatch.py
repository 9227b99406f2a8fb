"""Tests of helpers.dispatch: every tool call gets a tool message, whatever the model sent."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pydantic
import pytest
from openai.types.chat import ChatCompletionMessage, ChatCompletionMessageFunctionToolCall

from helpers.dispatch import ConversationError, check_conversation, run_tool_call, run_tool_calls
from helpers.tape import observation


def add(a: int, b: int = 0) -> int:
    """Add two numbers."""
    return a + b


def fail(reason: str) -> None:
    """Always fail."""
    raise ValueError(reason)


def nothing() -> None:
    """Return nothing."""


def memory() -> dict[str, Any]:
    """A structured result with non-ASCII text and a date."""
    return {"名字": "内存", "at": dt.date(2024, 5, 1)}


class Item(pydantic.BaseModel):
    name: str


def order(items: list[Item]) -> str:
    """Order some items."""
    return ", ".join(item.name for item in items)


def echo(text: str) -> str:
    """Return the text."""
    return text


TOOLS = [add, fail, nothing, memory, order, echo]


def call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    """A tool call as a plain dict."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def sdk_call(name: str, arguments: str, call_id: str = "call_1") -> Any:
    """A tool call as the SDK returns it."""
    return ChatCompletionMessageFunctionToolCall.model_validate(call(name, arguments, call_id))


def content(name: str, arguments: str) -> str:
    """The content of the answer to one call."""
    return run_tool_call(call(name, arguments), TOOLS)["content"]


@pytest.mark.parametrize("make_call", [call, sdk_call], ids=["dict", "sdk-object"])
def test_result_becomes_a_tool_message(make_call: Any) -> None:
    message = run_tool_call(make_call("add", '{"a": 2, "b": 3}', "call_x"), TOOLS)
    assert message == {"role": "tool", "tool_call_id": "call_x", "content": "5"}
    assert run_tool_call(make_call("plus", '{"a": 1}', "c"), {"plus": add})["content"] == "1"


def test_functions_with_the_same_name_are_refused() -> None:
    with pytest.raises(ValueError, match="^two functions have the same __name__"):
        run_tool_call(call("add", "{}"), [add, observation(add)])


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("nothing", "{}", ""),
        ("echo", '{"text": "\\"quoted\\""}', '"quoted"'),
        ("nothing", "", ""),
        ("memory", "", '{"名字": "内存", "at": "2024-05-01"}'),
        ("add", '{"a": "4"}', "4"),
        ("add", '{"a": 7, "b": null}', "7"),
        ("order", '{"items": [{"name": "tea"}, {"name": "milk"}]}', "tea, milk"),
    ],
    ids=["none-is-empty", "str-as-is", "empty-is-{}", "json-default-str", "lax", "null-default"] + ["nested"],
)
def test_result_conversion(name: str, arguments: str, expected: str) -> None:
    assert content(name, arguments) == expected


# The model's mistakes: each is answered, none raises.

PARAMS = " Its parameters are: a (required), b (optional)."
AGAIN = "Call the tool again with corrected arguments." + PARAMS
INVALID = "Error: invalid arguments for tool 'add': "
NOT_OBJECT = (
    "Error: the arguments for tool 'add' must be a JSON object, not a JSON {}: {}. Send the "
    "arguments by name." + PARAMS
)
MISTAKES = [
    (
        "subtract",
        '{"a": 1}',
        "Error: there is no tool named 'subtract'. Available tools: add, fail, nothing, "
        "memory, order, echo. Call one of these by its exact name.",
    ),
    (
        "add",
        "{a: 1}",
        "Error: the arguments for tool 'add' are not valid JSON (Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1)): {a: 1}. Send one JSON "
        "object with the arguments by name." + PARAMS,
    ),
    ("add", "[1, 2]", NOT_OBJECT.format("array", "[1, 2]")),
    ("add", '"1"', NOT_OBJECT.format("string", '"1"')),
    ("add", "3", NOT_OBJECT.format("number", "3")),
    ("add", "null", NOT_OBJECT.format("null", "null")),
    (
        "add",
        "x" * 200,
        "Error: the arguments for tool 'add' are not valid JSON (Expecting value: line 1 "
        f"column 1 (char 0)): {'x' * 120}…. Send one JSON object with the arguments by "
        "name." + PARAMS,
    ),
    ("add", '{"b": 1}', INVALID + "missing required argument 'a'. " + AGAIN),
    ("add", '{"a": 1, "c": 2}', INVALID + "unexpected argument 'c'. " + AGAIN),
    (
        "add",
        '{"a": "four", "b": [1]}',
        INVALID + "argument 'a': Input should be a valid integer, unable to parse string "
        "as an integer (got \"four\"); argument 'b': Input should be a valid integer "
        "(got [1]). " + AGAIN,
    ),
    (
        "order",
        '{"items": [{"name": "tea"}, {}]}',
        "Error: invalid arguments for tool 'order': missing required argument "
        "'items[1].name'. Call the tool again with corrected arguments. Its parameters "
        "are: items (required).",
    ),
    (
        "nothing",
        '{"x": 1}',
        "Error: invalid arguments for tool 'nothing': unexpected argument 'x'. Call the "
        "tool again with corrected arguments. Its parameters are: none (send {}).",
    ),
    (
        "fail",
        '{"reason": "disk full"}',
        "Error: tool 'fail' refused the arguments: disk full. Call it again with values it accepts.",
    ),
]
MISTAKE_IDS = ["unknown-tool", "not-json", "array", "string", "number", "null", "cut-short"]
MISTAKE_IDS += ["missing", "extra", "wrong-type", "nested", "no-parameters", "raises"]


@pytest.mark.parametrize(("name", "arguments", "expected"), MISTAKES, ids=MISTAKE_IDS)
def test_mistakes_are_answered_with_what_to_do(name: str, arguments: str, expected: str) -> None:
    assert content(name, arguments) == expected


def test_bad_calls_never_raise_and_keep_their_order() -> None:
    calls = [call(name, raw, f"c{i}") for i, (name, raw, _) in enumerate(MISTAKES)]
    messages = run_tool_calls([*calls, call("add", '{"a": 1}', "ok")], TOOLS)
    assert [(m["tool_call_id"], m["content"]) for m in messages] == [
        *((f"c{i}", expected) for i, (*_, expected) in enumerate(MISTAKES)),
        ("ok", "1"),
    ]


# Which calls run concurrently


def _waiters(timeout: float, log: list[str], *, observe: bool) -> list[Any]:
    """Two tools that log, then wait for each other at a barrier."""
    barrier = threading.Barrier(2, timeout=timeout)

    def first() -> str:
        log.append("first")
        barrier.wait()
        return "first"

    def second() -> str:
        log.append("second")
        barrier.wait()
        return "second"

    return [observation(first), observation(second)] if observe else [first, second]


def test_observation_calls_run_concurrently() -> None:
    tools = _waiters(5, [], observe=True)
    calls = [call("first", "{}", "c1"), call("second", "{}", "c2")]
    # Each waits for the other: run one after the other, both would time out.
    answers = [(m["tool_call_id"], m["content"]) for m in run_tool_calls(calls, tools)]
    assert answers == [("c1", "first"), ("c2", "second")]


@pytest.mark.parametrize(
    ("observe", "concurrent"), [(False, True), (True, False)], ids=["side-effects", "off"]
)
def test_other_calls_run_one_at_a_time_in_order(observe: bool, concurrent: bool) -> None:
    log: list[str] = []
    tools = _waiters(0.3, log, observe=observe)
    calls = [call("first", "{}", "c1"), call("second", "{}", "c2")]
    messages = run_tool_calls(calls, tools, concurrent=concurrent)
    # Never together: the first waited alone until the barrier broke.
    assert log == ["first", "second"]
    errors = [m["content"].split(".")[0] for m in messages]
    assert errors == [f"Error: tool '{n}' failed with BrokenBarrierError" for n in ("first", "second")]


def test_a_side_effect_call_separates_the_reads_around_it() -> None:
    log: list[str] = []
    first, _ = _waiters(0.3, log, observe=True)

    def write() -> None:
        log.append("write")

    calls = [call("first", "{}", "c1"), call("write", "{}", "c2"), call("first", "{}", "c3")]
    messages = run_tool_calls(calls, [first, write])
    assert log == ["first", "write", "first"]
    errors = [m["content"].startswith("Error: tool 'first' failed with") for m in messages]
    assert errors == [True, False, True]


# Conversations


def assistant(*ids: str) -> dict[str, Any]:
    """An assistant message that calls ``add`` once per id."""
    return {"role": "assistant", "tool_calls": [call("add", '{"a": 1}', i) for i in ids]}


def tool(call_id: str) -> dict[str, Any]:
    """A tool message answering ``call_id``."""
    return {"role": "tool", "tool_call_id": call_id, "content": "1"}


USER = {"role": "user", "content": "hi"}


def test_valid_conversations_pass() -> None:
    system = {"role": "system", "content": "be brief"}
    text = {"role": "assistant", "content": "2"}
    answered = [assistant("a", "b"), tool("b"), tool("a"), assistant("c"), tool("c")]
    check_conversation([system, USER, *answered, text, USER])
    check_conversation([])
    # SDK objects, as a message or as the tool calls of a dict message.
    message = ChatCompletionMessage.model_validate(assistant("a"))
    check_conversation([USER, message, tool("a")])
    check_conversation([USER, {"role": "assistant", "tool_calls": message.tool_calls}, tool("a")])


UNANSWERED = "call 'b' of the assistant message at messages[1] has no tool message before "
AFTER_USER = "is a tool message for call 'a' that follows messages[{}] (role 'user'), which"


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([USER, assistant("a", "b"), tool("a")], UNANSWERED + "the conversation ends"),
        ([USER, assistant("a", "b"), tool("a"), USER], UNANSWERED + "messages[3] (role 'user')"),
        (
            [USER, assistant("a"), tool("a"), tool("a")],
            "messages[3] answers call 'a' a second time: messages[2] already answered it",
        ),
        (
            [USER, assistant("a"), tool("z")],
            "messages[2] answers call 'z', but the assistant message at messages[1] made no "
            "such call (its calls: a)",
        ),
        ([USER, tool("a")], "messages[1] " + AFTER_USER.format(0)),
        ([USER, assistant("a"), tool("a"), USER, tool("a")], "messages[4] " + AFTER_USER.format(3)),
        ([tool("a")], "messages[0] is a tool message for call 'a' that follows the start of the"),
        (
            [USER, assistant("a", "a"), tool("a")],
            "messages[1] makes two tool calls with the same id 'a'",
        ),
    ],
    ids=["unanswered-at-end", "unanswered-before-user", "answered-twice", "orphan-wrong-id"]
    + ["orphan", "tool-after-user", "tool-first", "duplicate-id"],
)
def test_conversation_errors_name_index_and_call(messages: list[Any], error: str) -> None:
    with pytest.raises(ConversationError) as raised:
        check_conversation(messages)
    assert str(raised.value).startswith(error)
    assert isinstance(raised.value, ValueError)


def test_two_calls_to_the_same_reading_tool_stay_in_order() -> None:
    # Replay hands a tool's recorded results out in order: two calls to one tool
    # must not race, or each could get the other's result.
    log: list[str] = []
    first, _ = _waiters(0.3, log, observe=True)
    messages = run_tool_calls([call("first", "{}", "c1"), call("first", "{}", "c2")], [first])
    assert log == ["first", "first"]
    assert [m["content"].split(".")[0] for m in messages] == [
        "Error: tool 'first' failed with BrokenBarrierError"
    ] * 2
