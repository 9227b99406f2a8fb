"""Departures of an authored cassette from what its provider's real server sends.

``python -m helpers check`` runs these on every cassette whose provenance is
``authored``: a session written by hand is compared field by field with its
provider's profile (``helpers.recording.profiles``), and each difference is one
line. Published cassettes are not compared: they hold the article's real bytes,
which are evidence in their own right. Recorded ones came from a real server.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .check_rules import endpoint
from .profiles import (
    MODEL_RELEASES,
    SUCCESS_HEADERS,
    WRITTEN_SLACK,
    Profile,
    call_id_ok,
    is_layout,
    profile_for,
)


@dataclass
class Exchange:
    """One interaction's request body and response, as check read them."""

    n: int
    uri: str
    request: Any
    status: int
    stream: bool
    text: str
    headers: tuple[str, ...] = ()


def _api(exchange: Exchange) -> str:
    """The profile an exchange is compared with: ``error``, ``chat``, ``responses_stream``..."""
    if exchange.status != 200:
        return "error"
    base = endpoint(exchange.uri)  # input_tokens has no profile: no recording shows one
    return f"{base}_stream" if exchange.stream else base


def _data_lines(text: str) -> list[str]:
    """The JSON text of each server-sent event, without ``data:`` and without ``[DONE]``."""
    lines = [line[5:].lstrip(" ") for line in text.splitlines() if line.startswith("data:")]
    return [line for line in lines if line.strip() != "[DONE]"]


def _keys(profile: Profile, place: str, value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, dict):
        return
    for key in profile.required.get(place, ()):
        if key not in value:
            yield f"{where} has no {key!r}, which a real server always sends"
    for key in profile.absent.get(place, ()):
        if key in value:
            yield f"{where} has {key!r}, which a current server no longer sends"


def _choices(value: Any) -> list[Any]:
    choices = value.get("choices") if isinstance(value, dict) else None
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def _calls(choice: dict[str, Any]) -> list[Any]:
    message = choice.get("message") or choice.get("delta") or {}
    calls = message.get("tool_calls") if isinstance(message, dict) else None
    return [c for c in calls if isinstance(c, dict) and c.get("id")] if isinstance(calls, list) else []


def _chat_shape(profile: Profile, value: Any, where: str) -> Iterator[str]:
    yield from _keys(profile, "top", value, where)
    for choice in _choices(value):
        yield from _keys(profile, "choice", choice, f"{where} choice")
        yield from _keys(profile, "message", choice.get("message"), f"{where} message")
        for call in _calls(choice):
            if not call_id_ok(profile, call["id"]):
                yield f"{where} has tool call id {call['id']!r}, not of the form {profile.call_id}"


def _stream_usage(profile: Profile, request: Any, chunks: list[Any]) -> Iterator[str]:
    asked = isinstance(request, dict) and bool((request.get("stream_options") or {}).get("include_usage"))
    with_key = [c for c in chunks if isinstance(c, dict) and "usage" in c]
    filled = [c for c in with_key if c["usage"]]
    if asked and not filled:
        yield "the stream asked include_usage but no chunk carries usage"
    if asked and len(with_key) < len(chunks):
        yield "a stream asked include_usage carries 'usage' on every chunk (null until the last)"
    if not asked and with_key:
        yield f"{len(with_key)} chunk(s) carry 'usage', which a stream not asked include_usage never sends"


def _usage_keys(profile: Profile, usage: Any) -> Iterator[str]:
    if profile.usage_keys and isinstance(usage, dict) and set(usage) != set(profile.usage_keys):
        yield f"usage has the keys {sorted(usage)}; a real server sends {sorted(profile.usage_keys)}"


def _body_departures(profile: Profile, exchange: Exchange, value: Any, api: str) -> Iterator[str]:
    if not is_layout(exchange.text, profile.layout, value):
        yield f"the body is not laid out as {profile.layout} JSON"
    if api == "error":
        error = value.get("error") if isinstance(value, dict) else None
        yield from _keys(profile, "error", error, "the error")
        return
    if api == "chat":
        yield from _chat_shape(profile, value, "the body")
    else:
        yield from _keys(profile, "top", value, "the body")
    usage = value.get("usage") if isinstance(value, dict) else None
    if profile.usage == "body" and not usage:
        yield "the body has no usage, which a real server always sends"
    yield from _usage_keys(profile, usage)


def _stream_departures(profile: Profile, exchange: Exchange, values: list[Any], api: str) -> Iterator[str]:
    lines = _data_lines(exchange.text)
    loose = sum(not is_layout(line, profile.layout, value) for line, value in zip(lines, values, strict=True))
    if loose:
        yield f"{loose} of {len(lines)} event(s) are not {profile.layout} JSON"
    bare = 0
    for i, value in enumerate(values, 1):
        if api == "chat_stream":
            yield from _chat_shape(profile, value, f"chunk {i}")
        else:
            yield from _keys(profile, "event", value, f"event {i}")
        kind = "chunk" if api == "chat_stream" else (value.get("type") if isinstance(value, dict) else None)
        bare += kind in profile.obfuscation and not (isinstance(value, dict) and "obfuscation" in value)
    if bare:
        yield f"{bare} event(s) have no 'obfuscation', which the server adds by default"
    if profile.usage == "final_chunk":
        yield from _stream_usage(profile, exchange.request, values)
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("response"), dict):
            value = value["response"]
        yield from _usage_keys(profile, value.get("usage") if isinstance(value, dict) else None)
    if profile.usage == "completed":
        done = [v for v in values if isinstance(v, dict) and v.get("type") == "response.completed"]
        if not any(isinstance(v.get("response"), dict) and v["response"].get("usage") for v in done):
            yield "response.completed carries no usage, which a real server always sends"


def _stamps(value: Any) -> Iterator[int]:
    """Every ``created``, ``created_at`` and ``completed_at`` in a body or event, however deep."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in ("created", "created_at", "completed_at"):
                stamp = item.get(key)
                if isinstance(stamp, int) and not isinstance(stamp, bool):
                    yield stamp
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item


def _written(meta: dict[str, Any]) -> dt.date | None:
    for key in ("written", "recorded"):
        value = meta.get(key)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return None
    return None


def _date_departures(meta: dict[str, Any], stamps: list[int]) -> Iterator[str]:
    days = sorted({dt.datetime.fromtimestamp(s, dt.timezone.utc).date() for s in stamps})
    if not days:
        return
    model = meta.get("model")
    release = MODEL_RELEASES.get(model) if isinstance(model, str) else None
    if release and days[0] < release[0]:
        yield f"created {days[0]} is before {model} existed ({release[0]}, {release[1]})"
    written = _written(meta)
    far = [d for d in days if written and abs(d - written) > WRITTEN_SLACK]
    if far:
        yield f"created {far[0]} is far from the day the cassette was written ({written})"


def _has_usage(value: Any) -> bool:
    """True when a body, chunk or event carries token counts."""
    if not isinstance(value, dict):
        return False
    response = value.get("response")
    return bool(value.get("usage")) or (isinstance(response, dict) and bool(response.get("usage")))


def _parse(exchange: Exchange) -> list[Any]:
    if exchange.stream:
        return [json.loads(line) for line in _data_lines(exchange.text)]
    return [json.loads(exchange.text)]


def _exchange_departures(provider: str, exchange: Exchange, values: list[Any]) -> Iterator[str]:
    """Where one parsed exchange departs from its provider's headers and profile."""
    seen = SUCCESS_HEADERS.get(provider)
    if seen and exchange.status == 200:
        unseen = [h for h in exchange.headers if h.lower() not in seen]
        yield from (f"departs from {provider}: no real answer was seen with the header {h!r}" for h in unseen)
    api = _api(exchange)
    profile = profile_for(provider, api)
    if profile is None:
        return
    if exchange.stream:
        lines = _stream_departures(profile, exchange, values, api)
    else:
        lines = _body_departures(profile, exchange, values[0], api)
    yield from (f"departs from {provider} {api}: {line}" for line in lines)


def profile_departures(meta: Any, exchanges: list[Exchange]) -> list[str]:
    """Where an authored cassette departs from its provider's profiles, one line each.

    Args:
        meta: The cassette's metadata; nothing is compared unless its
            provenance is ``authored``.
        exchanges: Its interactions, in order.

    Returns:
        Lines such as ``interaction 2: departs from openai chat: the body has no usage``.
    """
    if not isinstance(meta, dict) or meta.get("provenance") != "authored":
        return []
    provider = meta.get("provider") if isinstance(meta.get("provider"), str) else ""
    found: list[str] = []
    stamps: list[int] = []
    firsts: list[int] = []
    counted: list[Any] = []
    for exchange in exchanges:
        try:
            values = _parse(exchange)
        except (ValueError, RecursionError):
            continue  # check's own rules already name a body that is not JSON
        counted += values
        own = sorted({s for v in values for s in _stamps(v)})
        stamps += own
        firsts += own[:1] if exchange.status == 200 else []
        found += [
            f"interaction {exchange.n}: {line}" for line in _exchange_departures(provider, exchange, values)
        ]
    head = [f"departs from real traffic: {line}" for line in _date_departures(meta, stamps)]
    if len(firsts) > 1 and len(set(firsts)) == 1:
        head.append("departs from real traffic: every response was created in the same second")
    if any(_has_usage(v) for v in counted) and not meta.get("usage"):
        head.append("departs from real traffic: usage was authored, and the metadata does not say how")
    return head + found
