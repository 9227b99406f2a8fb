"""What a reply does that a learner's code may trip on, read from its raw JSON.

Each reader takes the server's JSON as it came, whatever its shape, and returns
short phrases for a table cell; none of them raises on junk. OpenAI's own
replies give no finding: every phrase names a way another server differs.
"""

from __future__ import annotations

import json
import re
from typing import Any


def _count(n: int, word: str) -> str:
    """``1 char``, ``9 chars``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def id_shape(call_id: Any) -> str:
    """A call id's form: ``call_ + 24``, ``chatcmpl-tool- + 32``, ``9 chars``, ``1 char``, ``""``.

    Example:
        >>> [id_shape(i) for i in ("call_00_abc", "pcZFHqej8", "0", "")]
        ['call_00_ + 3', '9 chars', '1 char', '""']
    """
    if not isinstance(call_id, str):
        return "no id" if call_id is None else f"not a string ({type(call_id).__name__})"
    if not call_id:
        return '""'
    match = re.fullmatch(r"(.*[_-])([A-Za-z0-9]+)", call_id)
    return f"{match[1]} + {len(match[2])}" if match else _count(len(call_id), "char")


def content_shape(message: dict[str, Any]) -> str:
    """``content`` beside tool calls: ``null``, ``""``, ``absent``, or text."""
    if "content" not in message:
        return "absent"
    value = message["content"]
    return "null" if value is None else '""' if value == "" else "text"


def _kind(value: Any) -> str:
    """A JSON value's kind, as a reader would name it."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), f"a number ({value})" if isinstance(value, int | float) else "junk")


def _quoted(value: Any) -> str:
    """A server's value in a phrase: a string quoted and clipped, anything else by its kind."""
    return repr(value[:20]) if isinstance(value, str) else _kind(value)


def json_or_none(text: str) -> Any:
    """A stream's data line as JSON; None when it is not JSON (the stream's shape then says so)."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def is_json(text: Any) -> bool:
    """Whether ``text`` is a string holding JSON."""
    try:
        json.loads(text)
    except (TypeError, ValueError):
        return False
    return True


def _arguments(arguments: Any) -> str | None:
    """What is wrong with a call's ``arguments``, or None."""
    if arguments is None:
        return "arguments null"
    if not isinstance(arguments, str):
        return f"arguments {_kind(arguments)}, not a string"
    return None if is_json(arguments) else "arguments not JSON"


def _call(call: Any, offered: set[str]) -> list[str]:
    """The findings of one non-streamed call."""
    if not isinstance(call, dict):
        return [f"a call is {_kind(call)}"]
    found = []
    if "type" not in call:
        found.append("no type")
    elif call["type"] != "function":
        found.append(f"type {_quoted(call['type'])}")
    if "index" in call:
        found.append("index in calls")
    function = call.get("function")
    if not isinstance(function, dict):
        return [*found, f"function {_kind(function)}"]
    name = function.get("name")
    if not isinstance(name, str):
        found.append(f"name {_kind(name)}")
    elif name not in offered:
        found.append(f"called {name[:40]!r}, not offered")
    return found + [problem for problem in [_arguments(function.get("arguments"))] if problem]


def call_findings(message: dict[str, Any], finish: Any, offered: set[str]) -> list[str]:
    """What a whole (not streamed) reply's calls do differently, e.g. ``["no type", "index in calls"]``.

    Args:
        message: The reply's ``choices[0].message``, as raw JSON.
        finish: The choice's ``finish_reason``.
        offered: The names of the tools the request offered.
    """
    calls = message.get("tool_calls")
    if calls is None:
        return []
    if not isinstance(calls, list):
        return [f"tool_calls is {_kind(calls)}"]
    found: list[str] = []
    for call in calls:
        found += [f for f in _call(call, offered) if f not in found]
    if calls and finish != "tool_calls":
        found.append(f"finish_reason {_quoted(finish)} beside calls")
    return found


def _deltas(chunks: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """A stream's tool-call deltas, and what in the stream was not the expected shape."""
    deltas: list[dict[str, Any]] = []
    junk: list[str] = []
    for chunk in chunks:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            calls = delta.get("tool_calls") if isinstance(delta, dict) else None
            if calls is not None and not isinstance(calls, list):
                junk.append(f"delta tool_calls is {_kind(calls)}")
                continue
            deltas += [d for d in calls or [] if isinstance(d, dict)]
    return deltas, junk


def stream_shape(chunks: list[Any]) -> str:
    """How a stream is cut: ``index, finish tool_calls, usage chunk`` (or what is missing).

    Args:
        chunks: The stream's data lines as JSON (None for a line that was not JSON).
    """
    dicts = [c for c in chunks if isinstance(c, dict)]
    choices = [ch for c in dicts if isinstance(c.get("choices"), list) for ch in c["choices"]]
    finishes = [ch["finish_reason"] for ch in choices if isinstance(ch, dict) and ch.get("finish_reason")]
    deltas, _ = _deltas(chunks)
    usage = [c for c in dicts if c.get("usage")]
    shape = [
        "index" if deltas and all("index" in d for d in deltas) else "no index",
        f"finish {finishes[-1]}" if finishes else "no finish_reason",
        "no usage" if not usage else "usage chunk" if not usage[-1].get("choices") else "usage on last",
    ]
    if len(dicts) < len(chunks):
        shape.append(f"{_count(len(chunks) - len(dicts), 'line')} not a JSON object")
    return ", ".join(shape)


def stream_findings(chunks: list[Any]) -> list[str]:
    """What a stream's tool-call deltas do differently from OpenAI's.

    OpenAI sends a call's id and name once, on its first delta, then only
    ``index`` and argument fragments. Qwen repeats ``"id": ""`` on every later
    delta and closes with ``{"arguments": ""}``; some gateways send
    ``arguments: null`` or repeat the name on every delta.
    """
    deltas, found = _deltas(chunks)
    seen: dict[Any, int] = {}
    last: dict[Any, dict[str, Any]] = {}
    for delta in deltas:
        function = _function(delta)
        index = repr(delta.get("index"))  # a junk index may be a list, which cannot be a key
        later = index in seen
        seen[index], last[index] = seen.get(index, 0) + 1, function
        phrases = []
        if later and delta.get("id") == "":
            phrases.append('later deltas "id": ""')
        if later and function.get("name"):
            phrases.append("name on every delta")
        if "arguments" in function and function["arguments"] is None:
            phrases.append("arguments null")
        found += [p for p in phrases if p not in found]
    if any(seen[i] > 1 and f.get("arguments") == "" and not f.get("name") for i, f in last.items()):
        found.append("trailing empty arguments")
    return found


def _function(delta: dict[str, Any]) -> dict[str, Any]:
    """A delta's ``function`` object ({} when missing or junk)."""
    function = delta.get("function")
    return function if isinstance(function, dict) else {}
