"""Tests of helpers.calling.dispatch: every tool call gets a tool message, whatever the model sent."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import threading
import time
from typing import Any

import pydantic
import pytest
from openai.types.chat import (
    ChatCompletionMessage,
    ChatCompletionMessageCustomToolCall,
    ChatCompletionMessageFunctionToolCall,
)

from helpers.calling.dispatch import (
    ConversationError,
    check_conversation,
    run_tool_call,
    run_tool_calls,
    time_limit,
)
from helpers.tools.tape import observation


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
        f"column 1 (char 0)): {'x' * 120}… (80 more characters). Send one JSON object with the "
        "arguments by "
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


def test_check_conversation_explains_malformed_messages() -> None:
    # Shapes no API client would send still get a ConversationError, never a TypeError.
    cases = [
        ([USER, None], "messages[1] is null, not a message"),
        ([USER, 42], "messages[1] is a number, not a message"),
        ([USER, {"role": "assistant", "tool_calls": "add"}], "messages[1] has tool_calls that are a string"),
        (
            [USER, assistant("a"), {"role": "tool", "tool_call_id": ["a"]}],
            "messages[2] is a tool message whose",
        ),
        ([USER, {"role": "assistant", "tool_calls": [None]}, tool("a")], "messages[2] answers call 'a', but"),
        (
            [{"role": ["user"]}, tool("a")],
            "messages[1] is a tool message for call 'a' that follows messages[0]",
        ),
    ]
    for messages, error in cases:
        with pytest.raises(ConversationError, match=f"^{re.escape(error)}"):
            check_conversation(messages)
    # A call without an id is answered by a tool message with the id "", as the dispatcher does.
    check_conversation([USER, {"role": "assistant", "tool_calls": [{"function": {}}]}, tool("")])


# Hardening: odd JSON, odd calls, misbehaving tools, long input. Each is answered.

USABLE = "Error: the arguments for tool 'add' are not usable JSON ({}): {}. Send one JSON object with the "
USABLE += "arguments by name." + PARAMS


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            "[" * 5000,
            USABLE.format("it is nested too deeply to read", "[" * 120 + "… (4,880 more characters)"),
        ),
        (
            '{"a": ' + "9" * 5000 + "}",
            USABLE.format(
                "an integer has 5,000 digits, more than the 4,300 Python reads",
                '{"a": ' + "9" * 114 + "… (4,887 more characters)",
            ),
        ),
        ('{"a": NaN}', USABLE.format("NaN is not a JSON number", '{"a": NaN}')),
        ('{"a": -Infinity}', USABLE.format("-Infinity is not a JSON number", '{"a": -Infinity}')),
        ('{"a": 1e999}', USABLE.format("the number 1e999 is too large", '{"a": 1e999}')),
    ],
    ids=["deep", "long-int", "nan", "infinity", "overflow"],
)
def test_json_python_cannot_use_safely_is_explained(arguments: str, expected: str) -> None:
    assert content("add", arguments) == expected


READ = "Error: this tool call could not be read: {}. Call a tool again by its name, with a JSON object of "
READ += "arguments."
CUSTOM = (
    "Error: the call to custom tool 'grammar' was not run: this dispatcher runs function tools only, not "
    "custom tools. Call one of these function tools instead: add, fail, nothing, memory, order, echo."
)
MISSING_A = "missing required argument 'a'. " + AGAIN
SDK_CUSTOM = ChatCompletionMessageCustomToolCall.model_validate(
    {"id": "c", "type": "custom", "custom": {"name": "grammar", "input": "1 + 1"}}
)
# What the SDK builds, without validating, from a response of the wrong shape.
SDK_JUNK = ChatCompletionMessageFunctionToolCall.model_construct(id=None, function="add", type="function")


@pytest.mark.parametrize(
    ("raw_call", "call_id", "expected"),
    [
        ({"id": "c", "function": {"name": "add", "arguments": {"a": 2, "b": 3}}}, "c", "5"),
        ({"id": "c", "function": {"name": "add", "arguments": None}}, "c", INVALID + MISSING_A),
        ({"id": "c", "function": {"name": "add", "arguments": 3}}, "c", NOT_OBJECT.format("number", "3")),
        ({"function": {"name": "add", "arguments": '{"a": 1}'}}, "", "1"),
        ({"id": 7, "function": {"name": "add", "arguments": '{"a": 1}'}}, "7", "1"),
        (
            {"id": "c", "function": "add"},
            "c",
            READ.format("its 'function' is a string, not an object with a name"),
        ),
        ({"id": "c"}, "c", READ.format("it has no 'function' with a name and arguments")),
        (
            {"id": "c", "function": {"name": 5}},
            "c",
            READ.format("its function's name is a number, not a string"),
        ),
        ({"id": "c", "type": "web_search"}, "c", READ.format("its type is 'web_search', not 'function'")),
        (None, "", READ.format("it is null, not a tool call")),
        ("add", "", READ.format("it is a string, not a tool call")),
        ({"id": "c", "type": "custom", "custom": {"name": "grammar", "input": "1 + 1"}}, "c", CUSTOM),
        (SDK_CUSTOM, "c", CUSTOM),
        (SDK_JUNK, "", READ.format("its 'function' is a string, not an object with a name")),
    ],
    ids=["args-dict", "args-none", "args-number", "no-id", "int-id", "function-str"]
    + ["no-function", "name-int", "other-type", "none", "str", "custom", "sdk-custom", "sdk-unvalidated"],
)
def test_calls_of_any_shape_are_answered(raw_call: Any, call_id: str, expected: str) -> None:
    assert run_tool_call(raw_call, TOOLS) == {"role": "tool", "tool_call_id": call_id, "content": expected}


def test_arguments_of_a_non_json_type_are_named() -> None:
    raw_call = {"id": "c", "function": {"name": "add", "arguments": {1, 2}}}
    assert run_tool_call(raw_call, TOOLS)["content"] == (
        "Error: the arguments for tool 'add' must be a JSON object, not a Python set: \"{1, 2}\". Send the "
        "arguments by name." + PARAMS
    )


def test_no_calls_or_one_call_instead_of_a_list() -> None:
    assert run_tool_calls(None, TOOLS) == []
    assert run_tool_calls(call("add", '{"a": 1}'), TOOLS) == [
        {"role": "tool", "tool_call_id": "call_1", "content": "1"}
    ]


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message")


class UnprintableRefusal(ValueError):
    def __str__(self) -> str:
        raise RuntimeError("no message")


def exits() -> None:
    """Exit the program."""
    sys.exit(3)


def unprintable() -> None:
    """Fail with an exception that cannot be printed."""
    raise Unprintable


def unprintable_refusal() -> None:
    """Refuse with an exception that cannot be printed."""
    raise UnprintableRefusal


def circular() -> dict[str, Any]:
    """Return a dict that holds itself."""
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


def tuple_keys() -> dict[Any, int]:
    """Return a dict JSON cannot hold."""
    return {(1, 2): 3}


def surrogate() -> str:
    """Return a lone surrogate, which no request can encode."""
    return "a\ud800b\ud83d\ude00"


MISBEHAVING = [exits, unprintable, unprintable_refusal, circular, tuple_keys, surrogate]
FAILED = "The arguments were well-formed; tell the user the tool failed."
LOST = "The arguments were well-formed; tell the user the tool's result was lost."


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("exits", f"Error: tool 'exits' failed with SystemExit: 3. {FAILED}"),
        (
            "unprintable",
            f"Error: tool 'unprintable' failed with Unprintable (its message could not be read). {FAILED}",
        ),
        (
            "unprintable_refusal",
            "Error: tool 'unprintable_refusal' refused the arguments with UnprintableRefusal (its message "
            "could not be read). Call it again with values it accepts.",
        ),
        (
            "circular",
            "Error: tool 'circular' ran, but its result cannot be sent as text (ValueError: Circular "
            f"reference detected). {LOST}",
        ),
        (
            "tuple_keys",
            "Error: tool 'tuple_keys' ran, but its result cannot be sent as text (TypeError: keys must be "
            f"str, int, float, bool or None, not tuple). {LOST}",
        ),
        ("surrogate", "a\ufffdb\U0001f600"),
    ],
)
def test_misbehaving_tools_are_reported(name: str, expected: str) -> None:
    assert run_tool_call(call(name, "{}"), MISBEHAVING)["content"] == expected


def test_keyboard_interrupt_passes_through() -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    for timeout in (None, 5):
        with pytest.raises(KeyboardInterrupt):
            run_tool_call(call("interrupted", "{}"), [interrupted], timeout=timeout)


TIMED_OUT = (
    "Error: tool '{}' did not finish within {} and was abandoned; Python cannot stop it, so it may still be "
    "running, and what it did is unknown. Tell the user the tool timed out."
)


def test_a_tool_past_its_time_limit_is_abandoned() -> None:
    release = threading.Event()

    def stuck() -> str:
        release.wait(5)
        return "late"

    @time_limit(0.05)
    def limited() -> str:
        release.wait(5)
        return "late"

    try:
        calls = [call("stuck", "{}", "c1"), call("limited", "{}", "c2"), call("add", '{"a": 1}', "c3")]
        started = time.monotonic()
        messages = run_tool_calls(calls, [stuck, limited, add], timeout=0.1)
        # The tool's own limit wins over the call's timeout.
        assert [m["content"] for m in messages] == [
            TIMED_OUT.format("stuck", "0.1 seconds"),
            TIMED_OUT.format("limited", "0.05 seconds"),
            "1",
        ]
        assert time.monotonic() - started < 2
    finally:
        release.set()
    # A tool that finishes in time answers as usual; the limit is one second here.
    assert run_tool_call(call("add", '{"a": 2}'), [time_limit(1)(add)])["content"] == "2"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": 0}, "timeout must be a positive number of seconds or None, not 0"),
        ({"timeout": float("nan")}, "timeout must be a positive number of seconds or None, not nan"),
        ({"max_chars": 999}, "max_chars must be an int of at least 1000, not 999"),
    ],
)
def test_limits_out_of_range_are_the_programmers_error(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(error)}$"):
        run_tool_call(call("add", '{"a": 1}'), TOOLS, **kwargs)
    with pytest.raises(ValueError, match="^seconds must be a positive number"):
        time_limit(-1)


BIG = 10_000_000


def test_long_input_is_quoted_short() -> None:
    name = run_tool_call(call("a" * BIG, "{}"), TOOLS)["content"]
    assert name.startswith(f"Error: there is no tool named '{'a' * 120}'… (9,999,880 more characters). Avail")
    raw = content("add", "x" * BIG)
    assert f"(char 0)): {'x' * 120}… (9,999,880 more characters). Send one" in raw
    value = content("add", json.dumps({"a": "x" * BIG}))
    assert f'(got "{"x" * 120}"… (9,999,880 more characters)). Call' in value
    many = content("order", json.dumps({"items": [{}] * 1000}))
    assert many.count("missing required argument") == 10
    assert "'items[9].name'; and 990 more problems. Call the tool again" in many
    assert max(map(len, [name, raw, value, many])) < 2_000


def test_a_long_refusal_is_cut_in_the_middle() -> None:
    def refuse(file_name: str) -> None:
        raise ValueError(f"write_file refused {file_name!r}: '..' would leave the workspace")

    message = run_tool_call(call("refuse", json.dumps({"file_name": "../" + "a" * BIG})), [refuse])["content"]
    assert message.startswith("Error: tool 'refuse' refused the arguments: write_file refused '../aaa")
    assert " …(10,000,056 characters, cut to 1,000)… aaa" in message
    assert message.endswith("a': '..' would leave the workspace. Call it again with values it accepts.")
    assert len(message) < 1_200


def test_long_results_are_cut_with_a_notice() -> None:
    text = json.dumps({"text": "x" * 150_000})
    cut = content("echo", text)
    notice = "\n… [the tool's result was cut: it has 150,000 characters, of which the first 99,906 are above]"
    assert (len(cut), cut[99_900:]) == (100_000, "x" * 6 + notice)
    small = run_tool_call(call("echo", json.dumps({"text": "x" * 2_000})), TOOLS, max_chars=1_000)["content"]
    assert small.endswith("of which the first 911 are above]") and len(small) == 1_000
    # An error is cut in the middle, to max_chars at most.
    many_tools = {f"tool_{n:04}": add for n in range(1_000)}
    error = run_tool_call(call("sub", "{}"), many_tools, max_chars=1_000)["content"]
    assert (len(error), error[-58:]) == (1_000, "tool_0998, tool_0999. Call one of these by its exact name.")
    assert error.startswith("Error: there is no tool named 'sub'. Available tools: tool_0000, tool_0001")


def test_content_and_id_encode_to_utf8() -> None:
    message = run_tool_call(call("\ud800", '{"text": "\\udfff"}', "id\ud800"), TOOLS)
    assert message == {
        "role": "tool",
        "tool_call_id": "id\ufffd",
        "content": "Error: there is no tool named '\\ud800'. Available tools: add, fail, nothing, memory, "
        "order, echo. Call one of these by its exact name.",
    }
    assert content("echo", '{"text": "\\ud800"}') == "\ufffd"
