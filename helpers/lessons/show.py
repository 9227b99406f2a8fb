"""How a conversation looks in a notebook: JSON, a transcript, two columns.

Used from lesson 03 on, where a request is shown next to its response, and in
every later lesson to print the messages a tool loop exchanged. Output is
deterministic, so notebooks compare equal under nbval.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

INDENT = "    "
EMPTY = "(empty)"
ELLIPSIS = "…"


def as_data(obj: Any) -> Any:
    """Turn SDK objects into plain JSON data, as they would be sent or received.

    Args:
        obj: An SDK (pydantic) object, a list, tuple or dict holding some, or
            anything else.

    Returns:
        A pydantic object as ``model_dump(mode="json", exclude_unset=True)``;
        lists, tuples (as lists) and dicts converted item by item; anything else
        as it is.
    """
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", exclude_unset=True)
    if isinstance(obj, dict):
        return {key: as_data(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [as_data(item) for item in obj]
    return obj


def to_json(obj: Any) -> str:
    """Format an object as indented JSON, leaving non-ASCII text readable.

    Args:
        obj: Anything ``as_data`` accepts.

    Returns:
        ``json.dumps(as_data(obj), indent=2, ensure_ascii=False)``.
    """
    return json.dumps(as_data(obj), indent=2, ensure_ascii=False)


def show_json(obj: Any) -> None:
    """Print an object as indented JSON, with Chinese and other text readable.

    Args:
        obj: Anything ``as_data`` accepts.
    """
    print(to_json(obj))


def transcript(messages: Iterable[Any]) -> str:
    """A numbered, readable transcript of a Chat Completions conversation.

    One block per message: ``[n] role: content``; an assistant's tool calls as
    ``→ name(arguments)   [id]`` lines, arguments as the model sent them; a tool
    result as ``[n] tool [id] ← content``. Further lines of a block are indented,
    and empty content shows as ``(empty)``.

    Args:
        messages: Message dicts or SDK message objects, in order.

    Returns:
        The transcript, one line per line of content, without a final newline.
    """
    blocks = (_block(n, as_data(m)) for n, m in enumerate(messages, start=1))
    return "\n".join(blocks)


def show_transcript(messages: Iterable[Any]) -> None:
    """Print ``transcript(messages)``.

    Args:
        messages: Message dicts or SDK message objects, in order.
    """
    print(transcript(messages))


def side_by_side(
    left: Any,
    right: Any,
    *,
    titles: tuple[str, str] = ("request", "response"),
    width: int = 60,
) -> str:
    """Two JSON texts in two columns, such as a request next to its response.

    Args:
        left: A text, shown as it is, or anything ``as_data`` accepts, shown as
            indented JSON.
        right: The same for the right column.
        titles: The two column headings.
        width: The width of each column; longer lines end in "…". Wide (East
            Asian) characters count as two.

    Returns:
        The columns separated by " | ", under their titles and a rule, with no
        trailing spaces.

    Raises:
        ValueError: ``width`` is less than 2.
    """
    if width < 2:
        raise ValueError(f"width must be at least 2, got {width}")
    columns = [_text(side).splitlines() for side in (left, right)]
    rows = [list(titles), ["-" * width, "-" * width]]
    rows += [
        [_line(columns[0], i), _line(columns[1], i)] for i in range(max(len(columns[0]), len(columns[1])))
    ]
    return "\n".join(f"{_pad(_fit(a, width), width)} | {_fit(b, width)}".rstrip() for a, b in rows)


def _block(number: int, message: dict[str, Any]) -> str:
    """One message as a header line and indented further lines."""
    role = message.get("role", "?")
    head = f"[{number}] {role}"
    if role == "tool":
        text = f"{head} [{message.get('tool_call_id', '')}] ← {_content(message)}"
    elif role == "function":
        text = f"{head} {message.get('name', '')} ← {_content(message)}"
    elif role == "assistant":
        text = _assistant(head, message)
    else:
        text = f"{head}: {_content(message)}"
    first, *rest = text.splitlines() or [""]
    return "\n".join([first, *(INDENT + line if line else "" for line in rest)])


def _assistant(head: str, message: dict[str, Any]) -> str:
    """An assistant message: its text, refusal, then one line per tool call."""
    calls = [_call(c) for c in message.get("tool_calls") or []]
    if message.get("function_call"):
        calls.append(_call({"function": message["function_call"]}))
    lines = []
    if message.get("refusal"):
        lines.append(f"{head} (refusal): {message['refusal']}")
    # Some providers send "" rather than null beside tool calls: nothing to show then.
    if message.get("content") or not (calls or lines):
        lines.append(f"{head}: {_content(message)}")
    if lines:
        return "\n".join(lines + calls)
    return "\n".join([f"{head} {calls[0]}", *calls[1:]])


def _call(call: dict[str, Any]) -> str:
    """One tool call as ``→ name(arguments)   [id]``."""
    # Custom (free-form) tools carry "input" where function tools carry "arguments".
    body = call.get("function") or call.get("custom") or {}
    args = body.get("arguments", body.get("input", ""))
    suffix = f"   [{call['id']}]" if call.get("id") else ""
    return f"→ {body.get('name', '?')}({args}){suffix}"


def _content(message: dict[str, Any]) -> str:
    """A message's content as text: parts joined by lines, ``(empty)`` if none."""
    content = message.get("content")
    if isinstance(content, list):
        content = "\n".join(_part(p) for p in content)
    elif content is not None and not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    return content or EMPTY


def _part(part: Any) -> str:
    """One content part: its text, or its type in brackets (an image, audio...)."""
    if isinstance(part, dict):
        if part.get("type") in ("text", None) and "text" in part:
            return str(part["text"])
        return f"[{part.get('type', '?')}]"
    return str(part)


def _text(side: Any) -> str:
    """A column's text: a string as it is, anything else as indented JSON."""
    return side if isinstance(side, str) else to_json(side)


def _line(lines: list[str], index: int) -> str:
    """Line ``index`` of a column, or "" below its end."""
    return lines[index] if index < len(lines) else ""


def _char_width(char: str) -> int:
    """Columns a character takes: 2 for wide East Asian, 0 for combining, else 1."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    """Columns a text takes on screen, approximately."""
    return sum(_char_width(c) for c in text)


def _fit(text: str, width: int) -> str:
    """``text``, cut to ``width`` columns with "…" at the end if it was longer."""
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        if used + _char_width(char) > width - 1:
            break
        kept.append(char)
        used += _char_width(char)
    return "".join(kept) + ELLIPSIS


def _pad(text: str, width: int) -> str:
    """``text`` with spaces after it up to ``width`` columns."""
    return text + " " * (width - _width(text))
