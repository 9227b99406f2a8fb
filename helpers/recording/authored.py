"""Authored responses finished the way a real server sends them, before they are recorded.

A response written by hand has no token counts, and its JSON is laid out the way
Python writes it. ``record --from-source`` passes each authored reply through
``finish`` first: usage is counted offline with lesson 02's tokenizer (marked in
the cassette's metadata as computed, never measured), the JSON is laid out as
the provider's profile says, and OpenAI's stream fields (``obfuscation``,
``usage`` only when ``include_usage`` asked for it) are put where its server
puts them. Published replies never come here: they keep the article's bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from ..views.tokenize import count_tokens, messages_tokens
from .profiles import profile_for

# What the metadata says of every authored usage block.
USAGE_NOTE = "computed offline with o200k_base (lesson 02's tokenizer), not measured"
_OPENAI_DETAILS = {"audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
_OBFUSCATION = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def dump(value: Any, provider: str, api: str) -> str:
    """JSON text laid out as the provider's profile says (Python's default when it is silent)."""
    profile = profile_for(provider, api)
    layout = profile.layout if profile else None
    if layout == "compact":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if layout == "indent2":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _prompt_tokens(request: Any) -> int:
    """The request's tokens: its messages (or Responses input) and its tools."""
    if not isinstance(request, dict):
        return 0
    total = 0
    if isinstance(request.get("messages"), list):
        total += messages_tokens(request["messages"])
    elif isinstance(request.get("input"), str):
        total += messages_tokens([{"role": "user", "content": request["input"]}])
    elif isinstance(request.get("input"), list):
        items = [i for i in request["input"] if isinstance(i, dict)]
        total += 3 + sum(3 + count_tokens(_input_text(i)) for i in items)  # framing, as for messages
    if request.get("tools"):
        total += count_tokens(json.dumps(request["tools"], ensure_ascii=False, separators=(",", ":")))
    return total + count_tokens(str(request.get("instructions") or ""))


def _input_text(item: dict[str, Any]) -> str:
    """The text a Responses input item sends: a message, a call, or a call's output."""
    if isinstance(item.get("content"), str):
        return item["content"]
    if item.get("type") == "function_call_output":
        return str(item.get("output") or "")
    return _item_text(item)


def _said(message: dict[str, Any]) -> str:
    """The text a chat message or delta adds: content, reasoning, calls' names and arguments."""
    parts = [message.get(k) for k in ("content", "reasoning_content", "reasoning", "refusal")]
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        parts += [function.get("name"), function.get("arguments")]
    return "".join(p for p in parts if isinstance(p, str))


def _thought(message: dict[str, Any]) -> str:
    """The reasoning a chat message or delta shows (DeepSeek's and Qwen's are visible)."""
    parts = [message.get(k) for k in ("reasoning_content", "reasoning")]
    return "".join(p for p in parts if isinstance(p, str))


def chat_usage(
    request: Any, completion_text: str, provider: str = "openai", reasoning_text: str = ""
) -> dict[str, Any]:
    """A Chat Completions usage block, counted offline, with the keys the provider's server sends."""
    prompt, completion = _prompt_tokens(request), count_tokens(completion_text)
    # OpenAI's reasoning is hidden, so its count is unknown: 0. Visible reasoning is counted.
    reasoning = count_tokens(reasoning_text) if reasoning_text and provider != "openai" else 0
    openai_style = provider == "openai"
    full = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, **({"audio_tokens": 0} if openai_style else {})},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            **(_OPENAI_DETAILS if openai_style else {}),
        },
        "prompt_cache_hit_tokens": 0,
        "prompt_cache_miss_tokens": prompt,
    }
    if provider == "vllm":
        full["prompt_tokens_details"] = None
    profile = profile_for(provider, "chat")
    keys = (
        profile.usage_keys
        if profile and profile.usage_keys
        else ("prompt_tokens", "completion_tokens", "total_tokens")
    )
    return {key: full[key] for key in keys}


def _item_text(item: Any) -> str:
    """The text a Responses output item adds: a message's text, or a call's name and arguments."""
    if not isinstance(item, dict):
        return ""
    if item.get("type") == "function_call":
        return f"{item.get('name') or ''}{item.get('arguments') or ''}"
    parts = item.get("content") if item.get("type") == "message" else None
    return "".join(p.get("text") or "" for p in parts or [] if isinstance(p, dict))


def responses_usage(request: Any, output: list[Any]) -> dict[str, Any]:
    """A Responses usage block, counted offline from the output items' text (reasoning unknown: 0)."""
    prompt, completion = _prompt_tokens(request), count_tokens("".join(map(_item_text, output)))
    return {
        "input_tokens": prompt,
        # cache_write_tokens: the SDK's ResponseUsage requires it (openai 3.54).
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def finish_json(body: Any, request: Any, responses: bool, provider: str = "openai") -> Any:
    """A non-streamed authored body with its usage counted (one it already has is kept)."""
    if not isinstance(body, dict) or body.get("usage"):
        return body
    body = copy.deepcopy(body)
    if responses:
        body["usage"] = responses_usage(request, body.get("output") or [])
    else:
        choices = [c for c in body.get("choices") or [] if isinstance(c, dict)]
        messages = [c.get("message") or {} for c in choices]
        said, thought = "".join(map(_said, messages)), "".join(map(_thought, messages))
        body["usage"] = chat_usage(request, said, provider, thought)
    return body


def _padding(seed: str) -> str:
    """Deterministic stand-in for the random ``obfuscation`` padding OpenAI adds to each chunk."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_OBFUSCATION[b % len(_OBFUSCATION)] for b in digest[: 4 + digest[0] % 12])


def finish_chat_stream(chunks: list[Any], request: Any, provider: str) -> list[Any]:
    """Authored chunks with usage where the provider puts it, and OpenAI's padding."""
    chunks = copy.deepcopy(chunks)
    asked = isinstance(request, dict) and bool((request.get("stream_options") or {}).get("include_usage"))
    deltas = [c.get("delta") or {} for k in chunks for c in k.get("choices") or []]
    said, thought = "".join(map(_said, deltas)), "".join(map(_thought, deltas))
    usage_chunks = [k for k in chunks if k.get("usage")]
    for chunk in chunks:
        chunk.pop("usage", None)
        if asked:
            chunk["usage"] = None
    if asked:
        last = usage_chunks[-1] if usage_chunks else {**chunks[-1], "choices": []}
        if not usage_chunks:
            chunks.append(last)
        last["usage"] = chat_usage(request, said, provider, thought)
    if provider == "openai":
        for n, chunk in enumerate(chunks):
            chunk["obfuscation"] = _padding(f"{chunk.get('id')}:{n}")
    return chunks


def finish_responses_stream(events: list[Any], request: Any) -> list[Any]:
    """Authored Responses events with usage on ``response.completed`` and padding on deltas."""
    events = copy.deepcopy(events)
    padded = profile_for("openai", "responses_stream")
    kinds = padded.obfuscation if padded else ()
    for n, event in enumerate(events):
        data = event.get("data") if isinstance(event, dict) else None
        if not isinstance(data, dict):
            continue
        if data.get("type") in kinds and "obfuscation" not in data:
            data["obfuscation"] = _padding(f"{data.get('item_id')}:{n}")
        response = data.get("response")
        done = data.get("type") == "response.completed"
        if done and isinstance(response, dict) and not response.get("usage"):
            response["usage"] = responses_usage(request, response.get("output") or [])
    return events


class Laid(str):
    """JSON text already laid out, which the loopback sends as it is."""
