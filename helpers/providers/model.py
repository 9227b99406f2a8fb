"""The scripted model behind the emulations: what it answers to a Chat Completions request.

It plays the memory scenario (lesson 06: read the memory, write ``mem_high.txt``
or ``mem_ok.txt``, answer) and the probe's small requests, with any tools:

- it calls each tool it was given once, in order, then answers in text;
- it answers in text when there are no tools, ``tool_choice`` is ``"none"``,
  or the prompt asks for no tool (unless ``tool_choice`` forces a call);
- a named ``tool_choice`` makes it call that tool;
- a prompt that says "parallel" gets every remaining call in one reply, if
  the provider makes parallel calls (by default, or when asked);
- arguments are filled from the schema: a file name from the memory reading
  (or the prompt), text from the last tool result, any other string ``"Paris"``.

Which forms of ``tool_choice`` count, and whether parallel calls are made, is the
provider's ``Behaviour``; the shape of the reply is ``shapes.py``'s.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .facts import Behaviour


@dataclass
class Decision:
    """What the model says: text, or calls as ``(name, arguments JSON)``."""

    text: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)
    forced: bool = False


def _names(tools: list[Any]) -> list[str]:
    """The function names among the tools."""
    return [(t.get("function") or {}).get("name", "") for t in tools if isinstance(t, dict)]


def _called(messages: list[Any]) -> list[str]:
    """The names of the tools already called in the conversation."""
    return [
        (call.get("function") or {}).get("name", "")
        for m in messages
        if isinstance(m, dict) and m.get("role") == "assistant"
        for call in m.get("tool_calls") or []
    ]


def _text_of(message: dict[str, Any]) -> str:
    """A message's text, whether a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def _prompt(messages: list[Any]) -> str:
    """The last user message's text."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return _text_of(users[-1]) if users else ""


def _last_result(messages: list[Any]) -> str:
    """The last tool result's text ("" when none)."""
    results = [m for m in messages if isinstance(m, dict) and m.get("role") == "tool"]
    return _text_of(results[-1]) if results else ""


def _file_name(messages: list[Any]) -> str:
    """The memory scenario's file: over 80 % used is ``mem_high.txt``; else a name in the prompt."""
    try:
        memory = json.loads(_last_result(messages))
        used = (memory["total"] - memory["available"]) / memory["total"]
        return "mem_high.txt" if used > 0.8 else "mem_ok.txt"
    except (ValueError, TypeError, KeyError, ZeroDivisionError):
        found = re.findall(r"[A-Za-z0-9_-]+\.txt", _prompt(messages))
        return found[-1] if found else "notes.txt"


def _arguments(tool: dict[str, Any], messages: list[Any]) -> str:
    """Arguments for a tool, filled from its schema's properties."""
    properties = ((tool.get("function") or {}).get("parameters") or {}).get("properties") or {}
    values: dict[str, Any] = {}
    for name, schema in properties.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        if kind in ("integer", "number"):
            values[name] = 1
        elif kind == "boolean":
            values[name] = True
        elif "file" in name or "path" in name:
            values[name] = _file_name(messages)
        elif name in ("text", "content"):
            values[name] = _last_result(messages) or "hello"
        else:
            values[name] = "Paris"
    return json.dumps(values, ensure_ascii=False)


def _final_text(messages: list[Any]) -> str:
    """The answer once the tools have run."""
    called = _called(messages)
    if not called:
        return "Hello! No tool was needed."
    return f"Done: I called {', '.join(called)}; the last one answered {_last_result(messages)[:60]!r}."


def decide(body: dict[str, Any], behaviour: Behaviour) -> Decision:
    """What the model answers to a request, given how the provider treats ``tool_choice``."""
    messages = body.get("messages") or []
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = None if behaviour.choice_ignored else body.get("tool_choice")
    if not tools or choice == "none":
        return Decision(text=_final_text(messages))
    by_name = dict(zip(_names(tools), tools, strict=True))
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name", "")
        if name in by_name:
            return Decision(calls=[(name, _arguments(by_name[name], messages))], forced=True)
    done = _called(messages)
    remaining = [name for name in by_name if name not in done]
    forced = choice == "required"
    if not forced and (not remaining or "no tool" in _prompt(messages).lower()):
        return Decision(text=_final_text(messages))
    remaining = remaining or list(by_name)
    parallel = behaviour.parallel == "default" or (
        behaviour.parallel == "opt-in" and body.get("parallel_tool_calls") is True
    )
    if body.get("parallel_tool_calls") is False:
        parallel = False
    many = parallel and "parallel" in _prompt(messages).lower()
    chosen = remaining if many else remaining[:1]
    return Decision(calls=[(name, _arguments(by_name[name], messages)) for name in chosen], forced=forced)
