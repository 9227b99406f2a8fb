"""Any conversation as turns: one request, its response, the calls and their results.

The views (stepper, token bars) read a conversation in one of two forms:

- a ``Conversation`` from ``run_conversation`` (lesson 06): its messages and
  the chat completions it received;
- the client's log, ``exchanges()`` (lesson 03): every request body sent and
  the JSON that came back, on Chat Completions or on the Responses API
  (lesson 09). Plain ``(request, response)`` pairs of dicts work too.

``turns_of`` reads either into ``Turn`` objects, so each view is written once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Usage:
    """A response's token counts; ``reasoning`` is part of ``completion``."""

    prompt: int
    completion: int
    reasoning: int | None = None


@dataclass
class Call:
    """One tool call of a reply, and the result the next request answered it with."""

    id: str
    name: str
    arguments: str
    result: str | None = None


@dataclass
class Turn:
    """One request and its response.

    Attributes:
        sent: ``(role, text)`` of each message (or input item) new in this request.
        text: The reply's text, None when it has none.
        calls: The reply's tool calls, each with its result where one was sent.
        finish_reason: ``finish_reason`` (Chat Completions) or ``status`` (Responses),
            which ``finish_name`` names.
        usage: The response's token counts, None when it has none.
        tools: The names of the tools the request offered (known from exchanges only).
        new_conversation: The request does not continue the one before it.
    """

    sent: list[tuple[str, str]]
    text: str | None
    calls: list[Call] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    tools: list[str] | None = None
    new_conversation: bool = False
    finish_name: str = "finish_reason"  # the Responses API calls it "status"


def as_json(obj: Any) -> Any:
    """SDK objects as the JSON they were sent or received as (anything else as it is)."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", exclude_unset=True)
    if isinstance(obj, list | tuple):
        return [as_json(item) for item in obj]
    return obj


def _usage(raw: Any) -> Usage | None:
    """Usage from either API's field names."""
    if not isinstance(raw, dict):
        return None
    prompt = raw.get("prompt_tokens", raw.get("input_tokens"))
    completion = raw.get("completion_tokens", raw.get("output_tokens"))
    details = raw.get("completion_tokens_details") or raw.get("output_tokens_details") or {}
    if prompt is None or completion is None:
        return None
    return Usage(prompt, completion, details.get("reasoning_tokens"))


def _text(content: Any) -> str:
    """A message's content as text: a string, or the text of its parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a message or item, whatever optional fields it carries."""
    ids = tuple(call.get("id") for call in item.get("tool_calls") or [])
    return (item.get("type"), item.get("role"), _text(item.get("content")), ids, item.get("call_id"))


def line_of(item: dict[str, Any]) -> tuple[str, str]:
    """A message or input item as ``(role, text)``, its calls and results written out."""
    kind = item.get("type", "message")
    if kind == "function_call_output":
        return "tool", f"[{item.get('call_id')}] {item.get('output') or '(empty)'}"
    if kind == "function_call":
        return "assistant", f"→ {item.get('name')}({item.get('arguments')})  [{item.get('call_id')}]"
    if kind == "reasoning":
        return "reasoning", "(reasoning item, encrypted)"
    if item.get("role") == "tool":
        return "tool", f"[{item.get('tool_call_id')}] {_text(item.get('content')) or '(empty)'}"
    calls = [f"→ {c['function']['name']}({c['function']['arguments']})" for c in item.get("tool_calls") or []]
    return item.get("role", kind), " ".join([_text(item.get("content")), *calls]).strip()


def _reply(response: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None, list[Call], str | None]:
    """A response's items to carry forward, its text, its calls and its finish reason."""
    if "choices" in response:
        choice = (response.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        calls = [
            Call(c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        ]
        return [message], message.get("content"), calls, choice.get("finish_reason")
    output = response.get("output") or []
    texts = [_text(item.get("content")) for item in output if item.get("type") == "message"]
    calls = [
        Call(i["call_id"], i["name"], i["arguments"]) for i in output if i.get("type") == "function_call"
    ]
    return output, "".join(texts) if texts else None, calls, response.get("status")


def _results(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Every tool result in these messages or items, by the id of the call it answers."""
    found = {}
    for item in items:
        if item.get("role") == "tool":
            found[item.get("tool_call_id")] = _text(item.get("content"))
        elif item.get("type") == "function_call_output":
            found[item.get("call_id")] = str(item.get("output"))
    return found


def _sent_items(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A request's messages, or its input items (a string input is one user message)."""
    if "messages" in request:
        return list(request["messages"])
    given = request.get("input", [])
    return [{"role": "user", "content": given}] if isinstance(given, str) else list(given)


def _turns(pairs: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> list[Turn]:
    """Turns from request bodies and response JSON, in order."""
    results: dict[str, str] = {}
    for request, _ in pairs:
        results.update(_results(_sent_items(request)))
    turns, before = [], None
    for request, response in pairs:
        items = _sent_items(request)
        keys = [_key(item) for item in items]
        fresh = before is None or keys[: len(before)] != before
        chained = "previous_response_id" in request  # the server holds the earlier items
        new = items if fresh and not chained else items[len(before or []) :]
        carried, text, calls, finish = _reply(response or {})
        for call in calls:
            call.result = results.get(call.id)
        offered = request.get("tools")
        tools = (
            None if offered is None else [t.get("name") or t.get("function", {}).get("name") for t in offered]
        )
        turn = Turn(
            [line_of(i) for i in new], text, calls, finish, _usage((response or {}).get("usage")), tools
        )
        turn.new_conversation = fresh and before is not None and not chained
        turn.finish_name = "finish_reason" if "choices" in (response or {"choices": 0}) else "status"
        turns.append(turn)
        before = keys + [_key(item) for item in carried]
    return turns


def _conversation_pairs(conversation: Any) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each response of a ``Conversation`` with the messages its request held."""
    messages = as_json(list(conversation.messages))
    pairs, start = [], 0
    for response in as_json(list(conversation.responses)):
        carried = _reply(response)[0]
        want = _key({**carried[0], "type": None}) if carried else None
        at = next((i for i in range(start, len(messages)) if _key(messages[i]) == want), len(messages))
        pairs.append(({"messages": messages[:at]}, response))
        start = at + 1
    # The tool results after the last reply belong to no request; keep them for its calls.
    if pairs:
        pairs.append(({"messages": messages}, None))
    return pairs


def turns_of(source: Any) -> list[Turn]:
    """Read a conversation into turns.

    Args:
        source: A ``Conversation`` (anything with ``messages`` and ``responses``),
            the client's ``exchanges()`` (anything with ``request`` and
            ``response``), or ``(request, response)`` pairs of JSON dicts.

    Returns:
        One ``Turn`` per response, in order.
    """
    if hasattr(source, "messages") and hasattr(source, "responses"):
        return _turns(_conversation_pairs(source))[: len(source.responses)]
    pairs = []
    for item in source:
        request, response = (item.request, item.response) if hasattr(item, "request") else item
        pairs.append(
            (as_json(request) or {}, as_json(response) if isinstance(response, dict | BaseModel) else None)
        )
    return _turns(pairs)


def arguments_text(arguments: str) -> str:
    """Arguments as sent, or compact JSON when they parse (one line, readable)."""
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False, separators=(", ", ": "))
    except ValueError:
        return arguments
