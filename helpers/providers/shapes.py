"""A scripted model's decision, shaped as one provider shapes it: JSON, stream, or error.

Everything here follows a ``Behaviour`` (``facts.py``): call ids, ``content``
beside calls, reasoning fields, the chunks of a stream, the error body. Ids are
derived from the request's position, so a test sees the same ids every run.
Usage figures are invented (a quarter of the request's characters): an
emulation measures nothing.
"""

from __future__ import annotations

import hashlib
import json
import string
from typing import Any

from .facts import Behaviour
from .model import Decision

CREATED = 1764201600  # a fixed timestamp: emulated replies are the same every run
ALNUM = string.ascii_letters + string.digits


def call_id(behaviour: Behaviour, request: int, position: int) -> str:
    """A call id of the provider's shape, the same for the same request and position."""
    digest = hashlib.sha256(f"{behaviour.name}:{request}:{position}".encode()).digest()
    if behaviour.id_hex:
        tail = (digest.hex() * 2)[: behaviour.id_chars]
    else:
        tail = "".join(ALNUM[b % len(ALNUM)] for b in (digest * 2)[: behaviour.id_chars])
    return behaviour.id_prefix.replace("{n}", f"{position:02d}") + tail


def thinking(behaviour: Behaviour, body: dict[str, Any]) -> bool:
    """Whether this request gets reasoning back (the provider's switch, or its default)."""
    if not behaviour.reasoning:
        return False
    switch = body.get(behaviour.thinking_on) if behaviour.thinking_on else None
    if behaviour.thinking_on == "thinking":  # deepseek-v4-flash thinks unless {"type": "disabled"}
        return not (isinstance(switch, dict) and switch.get("type") == "disabled")
    if behaviour.thinking_on == "chat_template_kwargs":  # Qwen3 on vLLM thinks unless told not to
        return not (isinstance(switch, dict) and switch.get("enable_thinking") is False)
    return bool(switch) if behaviour.thinking_on else True


def _usage(body: dict[str, Any]) -> dict[str, int]:
    """Invented token counts."""
    prompt = len(json.dumps(body.get("messages") or [])) // 4
    return {"prompt_tokens": prompt, "completion_tokens": 20, "total_tokens": prompt + 20}


def _calls(behaviour: Behaviour, decision: Decision, request: int) -> list[dict[str, Any]]:
    """The tool calls of a reply, as the provider writes them."""
    calls = []
    for position, (name, arguments) in enumerate(decision.calls):
        call: dict[str, Any] = {"id": call_id(behaviour, request, position)}
        if behaviour.call_type:
            call["type"] = "function"
        call["function"] = {"name": name, "arguments": arguments}
        if behaviour.call_index:  # the stream's index, kept in a whole message
            call["index"] = position
        calls.append(call)
    return calls


def finish_reason(behaviour: Behaviour, decision: Decision) -> str:
    """``tool_calls``, ``stop``, or the provider's reason for a forced call."""
    if not decision.calls:
        return "stop"
    return behaviour.required_finish if decision.forced else behaviour.calls_finish


def message(behaviour: Behaviour, decision: Decision, body: dict[str, Any], request: int) -> dict[str, Any]:
    """The assistant message of a whole (not streamed) reply."""
    out: dict[str, Any] = {"role": "assistant"}
    if decision.calls:
        if behaviour.content != "absent":
            out["content"] = None if behaviour.content == "null" else ""
        out["tool_calls"] = _calls(behaviour, decision, request)
    else:
        out["content"] = decision.text
    if thinking(behaviour, body):
        out[behaviour.reasoning] = "The user asked; I decide what to call."
    return out


def completion(
    behaviour: Behaviour, decision: Decision, body: dict[str, Any], request: int
) -> dict[str, Any]:
    """A whole Chat Completions body."""
    return {
        "id": f"chatcmpl-emulated-{behaviour.name}-{request}",
        "object": "chat.completion",
        "created": CREATED,
        "model": body.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": message(behaviour, decision, body, request),
                "finish_reason": finish_reason(behaviour, decision),
                "logprobs": None,
            }
        ],
        "usage": _usage(body),
    }


def _halves(text: str) -> list[str]:
    """Text in two pieces, as a stream sends it."""
    middle = len(text) // 2
    return [piece for piece in (text[:middle], text[middle:]) if piece]


def _call_deltas(behaviour: Behaviour, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tool-call deltas of a stream, one per chunk."""
    deltas: list[dict[str, Any]] = []
    for position, call in enumerate(calls):
        index = 0 if behaviour.stream_same_index else position
        head = {"index": index, "id": call["id"], "type": "function"}
        if behaviour.stream_no_index:
            del head["index"]
        function = call["function"]
        if behaviour.stream_whole_calls:
            deltas.append({**head, "function": dict(function)})
            continue
        deltas.append({**head, "function": {"name": function["name"], "arguments": ""}})
        more = (
            {"index": index, "id": "", "type": "function"} if behaviour.stream_blank_ids else {"index": index}
        )
        deltas += [{**more, "function": {"arguments": piece}} for piece in _halves(function["arguments"])]
        if behaviour.stream_blank_ids:  # DashScope closes each call with an empty fragment
            deltas.append({**more, "function": {"arguments": ""}})
    return deltas


def chunks(
    behaviour: Behaviour, decision: Decision, body: dict[str, Any], request: int
) -> list[dict[str, Any]]:
    """A streamed reply, chunk by chunk, in the provider's stream shape."""
    whole = message(behaviour, decision, body, request)
    first: dict[str, Any] = {"role": "assistant"}
    if behaviour.content != "absent":
        first["content"] = None if behaviour.content == "null" else ""
    deltas = [first]
    deltas += [{behaviour.reasoning: piece} for piece in _halves(whole.get(behaviour.reasoning) or "")]
    deltas += [{"content": piece} for piece in _halves(decision.text if not decision.calls else "")]
    deltas += [{"tool_calls": [piece]} for piece in _call_deltas(behaviour, whole.get("tool_calls") or [])]
    base = {"id": f"chatcmpl-emulated-{behaviour.name}-{request}", "object": "chat.completion.chunk"}
    base |= {"created": CREATED, "model": body.get("model", "")}
    out = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    last = {
        **base,
        "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason(behaviour, decision)}],
    }
    wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
    if behaviour.usage == "with finish":
        last["usage"] = _usage(body)
    out.append(last)
    if behaviour.usage == "finish again":  # OpenRouter: the finish chunk again, now with usage
        out.append({**last, "usage": _usage(body)})
    if behaviour.usage == "own chunk" and wants_usage:
        out.append({**base, "choices": [], "usage": _usage(body)})
    return out


def error(behaviour: Behaviour, status: int, text: str) -> dict[str, Any]:
    """An error body in the provider's format."""
    if behaviour.name == "mistral":  # not nested under "error" (langchain-ai/langchain#24668)
        return {
            "object": "error",
            "message": text,
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    if behaviour.name == "vllm":
        return {"error": {"message": text, "type": "BadRequestError", "param": None, "code": status}}
    code = {"dashscope": "invalid_parameter_error", "deepseek": "invalid_request_error"}.get(behaviour.name)
    body: dict[str, Any] = {
        "error": {"message": text, "type": "invalid_request_error", "param": None, "code": code}
    }
    if behaviour.name == "dashscope":
        body["request_id"] = "emulated"
    return body
