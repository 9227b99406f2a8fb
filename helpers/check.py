"""``python -m helpers check``: lint every cassette before it is trusted.

A cassette passes when it holds no key, cookie, organisation or project id,
request id or recording-machine detail; when its metadata says where it came
from; when every request is one the API accepts (the SDK's own request types)
and follows the conversation rules; and when every response parses with the
SDK's response types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .cassettes import FORBIDDEN_HEADERS, KEPT_REQUEST_HEADERS, METADATA_KEYS, read_cassette
from .dispatch import ConversationError, check_conversation
from .settings import PROVENANCES, PROVIDERS

SECRET = re.compile(
    r"sk-[A-Za-z0-9_-]{12,}|Bearer\s+[A-Za-z0-9._-]{8,}|[Aa]pi[-_]?[Kk]ey[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9_-]{16,}"
)


@cache
def _adapters() -> dict[str, Any]:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
    from openai.types.responses import Response, ResponseStreamEvent
    from openai.types.responses.response_create_params import ResponseCreateParamsNonStreaming

    return {
        "chat_request": TypeAdapter(CompletionCreateParamsNonStreaming),
        "chat": TypeAdapter(ChatCompletion),
        "chat_chunk": TypeAdapter(ChatCompletionChunk),
        "responses_request": TypeAdapter(ResponseCreateParamsNonStreaming),
        "responses": TypeAdapter(Response),
        "responses_event": TypeAdapter(ResponseStreamEvent),
    }


def _consume(value: Any) -> Any:
    # pydantic checks Iterable[...] fields lazily: walk them to check them all.
    if isinstance(value, dict):
        return {k: _consume(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_consume(v) for v in value]
    return value


def _validate(kind: str, data: Any) -> str | None:
    try:
        _consume(_adapters()[kind].validate_python(data))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{err.error_count()} error(s), first at {where}: {first['msg']}"
    return None


def _sse_events(text: str) -> Iterator[Any]:
    for block in text.split("\n\n"):
        data = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
        if data and data[0] != "[DONE]":
            yield json.loads("\n".join(data))


def _headers_problems(where: str, headers: dict[str, Any]) -> list[str]:
    problems = []
    for name in headers:
        low = name.lower()
        if low in FORBIDDEN_HEADERS or (low.startswith("x-stainless") and low not in KEPT_REQUEST_HEADERS):
            problems.append(f"{where} keeps the header {name!r}")
    return problems


def _metadata_problems(meta: dict[str, Any]) -> list[str]:
    problems = [f"metadata has no {key!r}" for key in METADATA_KEYS if not meta.get(key)]
    if meta.get("provenance") and meta["provenance"] not in PROVENANCES:
        problems.append(f"metadata provenance {meta['provenance']!r} is not one of {PROVENANCES}")
    if meta.get("provenance") in ("published", "authored") and not meta.get("note"):
        problems.append("a published or authored cassette needs a note saying what was rebuilt")
    if meta.get("provider") and meta["provider"] not in PROVIDERS:
        problems.append(f"metadata provider {meta['provider']!r} is unknown")
    tape = meta.get("tape", {})
    if not isinstance(tape, dict) or not all(isinstance(v, list) for v in tape.values()):
        problems.append("metadata tape must map tool names to lists of results")
    return problems


def _request_problems(where: str, request: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    problems = _headers_problems(where, request.get("headers", {}))
    provider = PROVIDERS.get(meta.get("provider", ""))
    if provider and not request["uri"].startswith(provider.base_url + "/"):
        problems.append(f"{where} goes to {request['uri']}, not {provider.base_url}")
    try:
        body = json.loads(request.get("body") or "null")
    except ValueError:
        return problems + [f"{where} body is not JSON"]
    kind = "responses_request" if request["uri"].endswith("/responses") else "chat_request"
    if isinstance(body, dict) and not body.get("stream"):
        found = _validate(kind, body)
        if found:
            problems.append(f"{where} is not a valid request: {found}")
    if isinstance(body, dict) and "messages" in body:
        try:
            check_conversation(body["messages"])
        except ConversationError as err:
            problems.append(f"{where} breaks the conversation rules: {err}")
    if isinstance(body, dict) and meta.get("model") and body.get("model") != meta["model"]:
        problems.append(f"{where} asks for model {body.get('model')!r}, metadata says {meta['model']!r}")
    return problems


def _response_problems(where: str, uri: str, response: dict[str, Any]) -> list[str]:
    problems = _headers_problems(where, response.get("headers", {}))
    text = response.get("body", {}).get("string", "")
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    if response.get("status", {}).get("code") != 200:
        return problems
    base = "responses" if uri.endswith("/responses") else "chat"
    content_type = " ".join(response.get("headers", {}).get("content-type", []))
    try:
        if "event-stream" in content_type:
            items = [(f"{base}_{'event' if base == 'responses' else 'chunk'}", e) for e in _sse_events(text)]
        else:
            items = [(base, json.loads(text))]
    except ValueError:
        return problems + [f"{where} body is not JSON"]
    for kind, data in items:
        found = _validate(kind, data)
        if found:
            problems.append(f"{where} does not parse as {kind}: {found}")
    return problems


def check_cassette(path: Path) -> list[str]:
    """Every problem found in one cassette, one line each (empty when clean)."""
    text = path.read_text(encoding="utf-8")
    problems = ["holds something that looks like a key or bearer token"] if SECRET.search(text) else []
    try:
        data = read_cassette(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is one problem
        return [f"{path.name}: cannot be read ({err})"]
    meta = data["metadata"]
    problems += _metadata_problems(meta)
    if not data["interactions"]:
        problems.append("holds no interactions")
    for i, interaction in enumerate(data["interactions"], 1):
        request, response = interaction["request"], interaction["response"]
        problems += _request_problems(f"request {i}", request, meta)
        problems += _response_problems(f"response {i}", request["uri"], response)
    return [f"{path.name}: {p}" for p in problems]


def check_all(paths: Iterable[Path]) -> list[str]:
    """The problems of several cassettes, in order."""
    return [problem for path in paths for problem in check_cassette(path)]
