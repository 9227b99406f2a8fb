"""Offline practice for lesson 06's exercise: a scripted model, and a checker.

``practice_client()`` returns a real ``openai.OpenAI`` client whose requests
never leave the process: a small scripted model answers them. It follows the
same rules as a real one, so a loop that works against it works against a
real model too:

- it calls every tool in ``tools`` once, in one reply (so a loop must answer
  every call, not just the first), with example arguments made from each
  tool's schema: a string argument gets the last text quoted in the user's
  message ('...' or "..."), else ``"example"``;
- once every call is answered it replies in text, quoting the results;
- a conversation that breaks the rules (a call left unanswered, an answer to
  no call, a tool result that is not a string) gets a 400 error, as from the API.

``check_tool_loop(messages, functions)`` reads the conversation a loop built
and says, in plain words, what is right and what is wrong.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx2
import openai

from ..calling.dispatch import ConversationError, check_conversation

PRACTICE_MODEL = "practice-model"
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’")


def _example(schema: Mapping[str, Any], quoted: str) -> Any:
    """An example value for one property's JSON schema."""
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"] in a strict schema
        kind = next((k for k in kind if k != "null"), "null")
    if "anyOf" in schema:
        return _example(next(s for s in schema["anyOf"] if s.get("type") != "null"), quoted)
    examples = {"string": quoted, "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}
    return examples.get(kind)


def _arguments(tool: Mapping[str, Any], quoted: str) -> dict[str, Any]:
    parameters = tool.get("function", {}).get("parameters") or {}
    properties = parameters.get("properties") or {}
    required = parameters.get("required") or list(properties)
    return {name: _example(properties[name], quoted) for name in required if name in properties}


def _last_quoted(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user" and isinstance(m.get("content"), str)]
    found = _QUOTED.findall(users[-1]["content"]) if users else []
    return next((text for text in reversed(found[-1]) if text), "example") if found else "example"


def _reply(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The practice model's next message: calls for every tool, or text once they are answered."""
    turn = sum(1 for m in messages if m.get("role") == "assistant") + 1
    results: list[Any] = []
    for message in reversed(messages):  # the answers to the last calls
        if message.get("role") != "tool":
            break
        results.insert(0, message.get("content", ""))
    if results:
        said = "; ".join(json.dumps(r, ensure_ascii=False) for r in results)
        return {"role": "assistant", "content": f"Practice model: the tools answered {said}. Done."}
    if not tools:
        return {
            "role": "assistant",
            "content": "Practice model: no tools were sent, so I have nothing to call.",
        }
    quoted = _last_quoted(messages)
    calls = [
        {
            "id": f"call_practice_{turn}_{n}",
            "type": "function",
            "function": {
                "name": tool.get("function", {}).get("name", ""),
                "arguments": json.dumps(_arguments(tool, quoted), ensure_ascii=False),
            },
        }
        for n, tool in enumerate(tools, start=1)
    ]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def _refusal(messages: list[dict[str, Any]]) -> str | None:
    """Why the API would refuse these messages with a 400, if it would."""
    for index, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") == "tool" and not isinstance(content, (str, list)):
            return (
                f"messages[{index}].content must be a string, not {type(content).__name__}: "
                "turn a tool's result into text (json.dumps) before sending it"
            )
    try:
        check_conversation(messages)
    except ConversationError as error:
        return str(error)
    return None


def _handle(request: httpx2.Request) -> httpx2.Response:
    body = json.loads(request.content)
    messages, tools = body.get("messages", []), body.get("tools") or []
    refusal = _refusal(messages)
    if refusal:
        detail = {"message": f"practice model: {refusal}", "type": "invalid_request_error", "code": None}
        return httpx2.Response(400, json={"error": detail})
    message = _reply(messages, tools)
    turn = sum(1 for m in messages if m.get("role") == "assistant") + 1
    completion = {
        "id": f"chatcmpl-practice-{turn}",
        "object": "chat.completion",
        "created": 1758770581,
        "model": PRACTICE_MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                "logprobs": None,
                "message": {"refusal": None, **message},
            }
        ],
    }
    return httpx2.Response(200, json=completion)


def practice_client() -> tuple[openai.OpenAI, str]:
    """A client and model name for the offline practice model (lesson 06's exercise).

    Returns:
        ``(client, model)``: an ``openai.OpenAI`` client whose requests are
        answered in this process by the scripted model described above.
    """
    http = openai.DefaultHttpx2Client(transport=httpx2.MockTransport(_handle))
    client = openai.OpenAI(
        api_key="practice-needs-no-key",
        base_url="http://practice.invalid/v1",
        max_retries=0,
        http_client=http,
    )
    return client, PRACTICE_MODEL


def _as_dict(message: Any) -> dict[str, Any]:
    return dict(message) if isinstance(message, Mapping) else message.model_dump(exclude_none=True)


def _expected(func: Callable[..., Any], arguments: str) -> str | None:
    """What the tool returns for these arguments, as message content (None if it raises)."""
    try:
        result = func(**json.loads(arguments or "{}"))
    except Exception:  # noqa: BLE001 - a failing tool is judged by its error message instead
        return None
    if result is None or isinstance(result, str):
        return result or ""
    return json.dumps(result, ensure_ascii=False)


def _findings(messages: list[dict[str, Any]], functions: Mapping[str, Callable[..., Any]]) -> list[str]:
    found: list[str] = []
    calls = {
        call["id"]: call["function"]
        for m in messages
        if m.get("role") == "assistant"
        for call in m.get("tool_calls") or []
    }
    if not calls:
        found.append(
            "✗ no assistant message asks for a tool: send tools=... with the request, and append the "
            "assistant's message to messages before answering its calls"
        )
    else:
        found.append(f"✓ the model asked for {len(calls)} tool call(s)")
    try:
        check_conversation(messages)
        if calls:
            found.append("✓ every call is answered exactly once, right after the message that made it")
    except ConversationError as error:
        found.append(f"✗ {error}")
    for m in messages:
        function = calls.get(m.get("tool_call_id", "")) if m.get("role") == "tool" else None
        func = functions.get(function["name"]) if function else None
        if function is None or func is None or inspect.iscoroutinefunction(func):
            continue
        wanted, sent = _expected(func, function["arguments"]), m.get("content")
        if wanted is not None and sent != wanted:
            found.append(
                f"✗ the answer to {m['tool_call_id']} ({function['name']}) says {sent!r}, but the tool "
                f"returns {wanted!r} for those arguments: send its result as the content (a str as it "
                "is, anything else through json.dumps)"
            )
    last = messages[-1] if messages else {}
    if last.get("role") == "assistant" and not last.get("tool_calls"):
        found.append("✓ the loop stopped at the model's answer in text")
    elif last.get("role") == "assistant":
        found.append(
            "✗ the conversation ends with the model asking for tools: answer its calls and send "
            "again, until a reply has no tool_calls"
        )
    elif last.get("role") == "tool":
        found.append(
            "✗ the conversation ends with tool results the model has not read: send them, and stop "
            "only when a reply has no tool_calls"
        )
    else:
        found.append("✗ the conversation ends before the model answered: send it to the model")
    return found


def check_tool_loop(messages: list[Any], functions: Mapping[str, Callable[..., Any]]) -> bool:
    """Say, in plain words, whether a tool loop did its job; return True if it did.

    Checked: the model asked for a tool; every call is answered exactly once;
    each answer carries what the tool returns for the call's arguments; the
    conversation ends with the model's answer in text.

    Args:
        messages: The conversation the loop built (dicts or SDK messages).
        functions: The tools by name; each is run again to compare its result.
    """
    findings = _findings([_as_dict(m) for m in messages], functions)
    print("\n".join(findings))
    return not any(line.startswith("✗") for line in findings)
