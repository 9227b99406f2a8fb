"""Property tests of helpers.calling.dispatch: any call, any tool behaviour, one bounded tool message.

Hypothesis builds calls of every shape (dicts, SDK objects, junk), arguments of
every kind (JSON, broken JSON, deep or huge or odd JSON, values that are not
text) and random text with lone surrogates, and sends them to tools that
misbehave. Whatever comes in, each call gets one tool message whose content is
text that encodes to UTF-8, within the cap.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionMessageCustomToolCall, ChatCompletionMessageFunctionToolCall

from helpers.calling.dispatch import (
    ConversationError,
    check_conversation,
    run_tool_call,
    run_tool_calls,
    time_limit,
)
from helpers.calling.untrusted import UnusableJSON, loads
from helpers.tools.tape import observation

FAST = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RELEASE = threading.Event()  # lets the tools that hang return once the tests are done
SAFETY_NET = "Error: the dispatcher could not answer"


@pytest.fixture(autouse=True, scope="module")
def _release_hung_tools() -> Iterator[None]:
    yield
    RELEASE.set()


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message")


def add(a: int, b: int = 0) -> int:
    """Add two numbers."""
    return a + b


def echo(text: str) -> str:
    """Return the text, lone surrogates included."""
    return text


def same(value: Any = None) -> Any:
    """Return whatever the model sent."""
    return value


def refuse(name: str) -> None:
    """Refuse, quoting the model's input whole."""
    raise ValueError(f"refused {name!r}: the name is not allowed")


def exits(code: int = 0) -> None:
    """Exit the program."""
    sys.exit(code)


def unprintable() -> None:
    """Raise an exception whose message cannot be read."""
    raise Unprintable


def circular() -> Any:
    """Return a list that holds itself."""
    loop: list[Any] = []
    loop.append(loop)
    return loop


def huge() -> str:
    """Return more text than a message may hold."""
    return "x\ud800" * 150_000


def long_int() -> int:
    """Return an int too long for str()."""
    return 10**5000


def hangs() -> None:
    """Never return, as far as the dispatcher can wait."""
    RELEASE.wait(10)


@time_limit(0.02)
def hangs_limited() -> None:
    """Never return, with its own time limit."""
    RELEASE.wait(10)


@observation
def reads(key: str = "") -> dict[str, str]:
    """Read something, concurrently with other reads."""
    return {"key": key}


@observation
def reads_too() -> list[int]:
    """Read something else."""
    return [1, 2]


TOOLS = [add, echo, same, refuse, exits, unprintable, circular, huge, long_int, hangs, hangs_limited]
TOOLS += [reads, reads_too]
NAMES = [tool.__name__ for tool in TOOLS]

SURROGATES = st.sampled_from(["\ud800", "\udfff", "\ud83d", "\ude00"])  # pairs too, by chance
TEXT = st.text(st.one_of(st.characters(), SURROGATES), max_size=40)
BIG = st.builds(
    lambda piece, n: piece * n, st.sampled_from(["a", "\ud800", "é"]), st.sampled_from([10**4, 10**6])
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
ODD_JSON = st.sampled_from(
    [
        "[" * 5000,
        "[" * 3000 + "]" * 3000,
        '{"a": ' + "9" * 5000 + "}",
        '{"a": NaN}',
        '{"value": Infinity}',
        '{"a": 1e999}',
        '{"text": "\\ud800"}',
        '{"a": 1, "a": 2}',
        "\ufeff{}",
        '{"text": "' + "y" * 1_000_000 + '"}',
        "",
        "null",
    ]
)


KEYS = st.sampled_from(["a", "b", "text", "value", "name", "code", "key"])
OBJECTS = st.dictionaries(KEYS, JSON_VALUES, max_size=3)
GOOD = OBJECTS.map(lambda values: json.dumps(values, ensure_ascii=False))
JUNK = st.sampled_from([object(), {1, 2}, b"{}", 3, 2.5, [1], True])
# Arguments of any kind: JSON text (good, broken, odd), parsed values, junk.
ARGUMENTS = st.one_of(GOOD, GOOD.map(lambda text: text[: len(text) // 2]), ODD_JSON, TEXT, BIG)
ARGUMENTS |= st.one_of(st.none(), JSON_VALUES, OBJECTS, JUNK)
NAME = st.one_of(st.sampled_from(NAMES), TEXT, BIG, st.none(), st.integers())
IDS = st.one_of(TEXT, st.none(), st.integers(), st.lists(st.integers(), max_size=2))
SHAPES = ["dict", "dict", "dict", "sdk", "sdk", "sdk-unvalidated", "custom", "custom-sdk", "junk"]


@st.composite
def calls(draw: st.DrawFn) -> Any:
    """One tool call, of any shape (mostly function calls, so that tools run)."""
    shape = draw(st.sampled_from(SHAPES))
    if shape == "junk":
        return draw(st.one_of(st.none(), TEXT, st.integers(), st.lists(st.integers(), max_size=3)))
    name = draw(NAME)
    if shape == "sdk":
        function = {"name": name if isinstance(name, str) else "add", "arguments": draw(GOOD)}
        return ChatCompletionMessageFunctionToolCall.model_validate(
            {"id": draw(TEXT), "type": "function", "function": function}
        )
    arguments, call_id = draw(ARGUMENTS), draw(IDS)
    if shape.startswith("custom"):
        custom = {"name": name, "input": arguments}
        if shape == "custom":
            return {"id": call_id, "type": "custom", "custom": custom}
        return ChatCompletionMessageCustomToolCall.model_construct(id=call_id, type="custom", custom=custom)
    odd_function = st.sampled_from([{"name": name}, {"arguments": arguments}, None, "add", 7])
    function = draw(st.just({"name": name, "arguments": arguments}) | odd_function)
    call_type = draw(st.sampled_from(["function", "function", None, "custom", "web_search"]))
    if shape == "dict":
        return {"id": call_id, "type": call_type, "function": function}
    return ChatCompletionMessageFunctionToolCall.model_construct(
        id=call_id, type=call_type, function=function
    )


def assert_tool_message(message: Any, max_chars: int) -> None:
    """One well-formed, bounded tool message the next request can carry."""
    assert isinstance(message, dict) and set(message) == {"role", "tool_call_id", "content"}
    assert message["role"] == "tool"
    assert type(message["tool_call_id"]) is str and type(message["content"]) is str
    message["tool_call_id"].encode("utf-8")
    message["content"].encode("utf-8")
    assert len(message["content"]) <= max_chars
    assert not message["content"].startswith(SAFETY_NET)


@FAST
@given(
    st.lists(calls(), max_size=4),
    st.sampled_from([1_000, 20_000, 100_000]),
    st.booleans(),
)
def test_any_calls_get_one_bounded_tool_message_each(
    raw_calls: list[Any], max_chars: int, concurrent: bool
) -> None:
    messages = run_tool_calls(raw_calls, TOOLS, concurrent=concurrent, timeout=0.02, max_chars=max_chars)
    assert len(messages) == len(raw_calls)
    for message in messages:
        assert_tool_message(message, max_chars)


@FAST
@given(calls())
def test_run_tool_call_answers_any_call(raw_call: Any) -> None:
    assert_tool_message(run_tool_call(raw_call, TOOLS, timeout=0.02), 100_000)


@settings(max_examples=50, deadline=None)
@given(st.integers(), st.integers(), TEXT)
def test_well_formed_calls_get_their_result(a: int, b: int, call_id: str) -> None:
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": "add", "arguments": json.dumps({"a": a, "b": b})},
    }
    digits = len(str(abs(a + b)))
    expected = str(a + b) if digits <= 4300 else None
    message = run_tool_call(call, TOOLS)
    assert message["tool_call_id"] == call_id.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert message["content"] == expected


@FAST
@given(st.one_of(TEXT, ODD_JSON, JSON_VALUES.map(json.dumps)))
def test_loads_raises_only_its_own_errors(text: str) -> None:
    try:
        value = loads(text)
    except (json.JSONDecodeError, UnusableJSON):
        return
    assert value == json.loads(text)


MESSAGES = st.one_of(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "tool", None, 3])},
        optional={
            "tool_calls": st.one_of(st.none(), TEXT, st.lists(calls(), max_size=3)),
            "tool_call_id": st.one_of(TEXT, st.none(), st.integers(), st.just([1])),
            "content": st.one_of(TEXT, st.none()),
        },
    ),
    st.none(),
    st.integers(),
    TEXT,
)


@FAST
@given(st.lists(MESSAGES, max_size=6))
def test_check_conversation_raises_only_conversation_errors(messages: list[Any]) -> None:
    with contextlib.suppress(ConversationError):
        check_conversation(messages)
