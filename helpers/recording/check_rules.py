"""The rules ``python -m helpers check`` applies to one interaction of a cassette.

Each rule takes whatever the YAML held, of any type, and returns problems as
lines (``"request has no 'uri'"``); none raises on a value of the wrong type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import TypeAdapter, ValidationError

from ..calling.dispatch import ConversationError, check_conversation
from .cassettes import FORBIDDEN_HEADERS, KEPT_REQUEST_HEADERS
from .redact import leak_finder
from .yamlstream import Invalid

# What vcrpy needs to replay an interaction: a missing key fails the lesson.
_TEXT, _BODY, _MAP = (str,), (str, bytes, type(None)), (dict,)
SHAPE: dict[str, Any] = {
    "request": {"method": _TEXT, "uri": _TEXT, "body": _BODY, "headers": _MAP},
    "response": {"status": {"code": (int,)}, "headers": _MAP, "body": {"string": (str, bytes)}},
}
_SECRET_QUERY = re.compile(r"key|token|secret|passw|sig|auth", re.IGNORECASE)
_NAMES = {str: "text", bytes: "text", int: "a number", type(None): "null", dict: "a mapping"}


def kind(value: Any) -> str:
    """What a value is, in words: ``text``, ``a list``, ``null``..."""
    if isinstance(value, Invalid):
        return f"an invalid value ({value.reason})"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return _NAMES.get(type(value), type(value).__name__)


def _shape(value: Any, spec: Any, where: str) -> Iterator[str]:
    """Where ``value`` departs from ``spec`` (a mapping of specs, or a tuple of types)."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            yield f"{where} is {kind(value)}, not a mapping"
            return
        for key, sub in spec.items():
            if key not in value:
                yield f"{where} has no {key!r}"
            else:
                yield from _shape(value[key], sub, f"{where}.{key}")
    elif isinstance(value, bool) or not isinstance(value, spec):
        yield f"{where} is {kind(value)}, not {' or '.join(dict.fromkeys(_NAMES[t] for t in spec))}"


def shape_problems(item: Any) -> dict[str, list[str]]:
    """Where an interaction departs from what vcrpy replays, by part: interaction, request, response."""
    if not isinstance(item, dict):
        return {"interaction": [f"the interaction is {kind(item)}, not a mapping"]}
    found: dict[str, list[str]] = {}
    for part, spec in SHAPE.items():
        if part not in item:
            found[part] = [f"the interaction has no {part!r}"]
        else:
            found[part] = list(_shape(item[part], spec, part))
    return found


def _where(parent: str, key: Any) -> str:
    """The dotted place of a value: ``request.headers``, ``tape.get_memory_info[0]``."""
    if key is None:
        return parent
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def leaks(value: Any, paths: dict[str, str], name: str = "") -> list[str]:
    """Every key or absolute path in a value's text, as ``<where> holds <what>``, once per place.

    Args:
        value: Any value read from a cassette.
        paths: This machine's folders (``machine_paths()``).
        name: What to call the value itself in ``<where>`` (``metadata``).
    """
    find = leak_finder(paths)
    found: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[str, Any, Any]] = [(name, None, value)]
    while stack:
        parent, key, item = stack.pop()
        kind_ = type(item)
        if kind_ is str or kind_ is bytes:
            if len(item) < 6:
                continue  # too short for "/tmp/x" or a key
            text = item if kind_ is str else item.decode("utf-8", "replace")
            found += [f"{_where(parent, key) or 'the value'} holds {what}" for what in find(text)]
        elif (kind_ is dict or kind_ is list) and id(item) not in seen:
            seen.add(id(item))  # an alias met again has been read already
            where = _where(parent, key)
            pairs = item.items() if kind_ is dict else enumerate(item)
            stack += reversed([(where, k, v) for k, v in pairs])
    return found


def _headers_problems(where: str, headers: dict[Any, Any]) -> list[str]:
    problems = []
    for name in headers:
        low = str(name).lower()
        if low in FORBIDDEN_HEADERS or (low.startswith("x-stainless") and low not in KEPT_REQUEST_HEADERS):
            problems.append(f"{where} keeps the header {name!r}")
    return problems


def _header(headers: dict[Any, Any], name: str) -> str:
    """A header's value as text, whether stored as a list or not."""
    value = next((v for k, v in headers.items() if str(k).lower() == name), "")
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _text(body: Any) -> str | None:
    """A body as text; None when it is binary data that is not UTF-8."""
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body or ""


def _json(text: str) -> Any:
    """Parsed JSON; raises ValueError for what is not JSON, however deep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


@cache
def _adapters() -> dict[str, Any]:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
    from openai.types.responses import (
        InputTokenCountParams,
        InputTokenCountResponse,
        Response,
        ResponseStreamEvent,
    )
    from openai.types.responses.response_create_params import ResponseCreateParamsNonStreaming

    return {
        "chat_request": TypeAdapter(CompletionCreateParamsNonStreaming),
        "chat": TypeAdapter(ChatCompletion),
        "chat_chunk": TypeAdapter(ChatCompletionChunk),
        "responses_request": TypeAdapter(ResponseCreateParamsNonStreaming),
        "responses": TypeAdapter(Response),
        "responses_event": TypeAdapter(ResponseStreamEvent),
        "input_tokens_request": TypeAdapter(InputTokenCountParams),
        "input_tokens": TypeAdapter(InputTokenCountResponse),
    }


def endpoint(uri: str) -> str:
    """Which API a request went to, by its path: ``chat``, ``responses`` or ``input_tokens``."""
    path = urlsplit(uri).path
    if path.endswith("/responses/input_tokens"):
        return "input_tokens"
    return "responses" if path.endswith("/responses") else "chat"


_PLAIN = (str, int, float, bool, type(None), bytes)


def _consume(value: Any) -> None:
    # pydantic checks Iterable[...] fields lazily: iterate them to check them all.
    if type(value) in _PLAIN:
        return
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, Iterable):
        return
    for item in value:
        _consume(item)


def _validate(kind_: str, data: Any) -> str | None:
    try:
        checked = _adapters()[kind_].validate_python(data)
        if isinstance(checked, dict):  # a request's TypedDict; responses are models, checked at once
            _consume(checked)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{err.error_count()} error(s), first at {where}: {first['msg']}"
    except RecursionError:
        return "nested too deeply to check"
    return None


def _uri_problems(uri: str) -> list[str]:
    try:
        parts = urlsplit(uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return ["request uri is not a URL"]
    problems = ["request uri holds a user name or password"] if "@" in parts.netloc else []
    problems += [f"request uri has {k!r} in its query string" for k, _ in query if _SECRET_QUERY.search(k)]
    return problems


def request_problems(request: dict[str, Any]) -> tuple[list[str], Any]:
    """A well-shaped request's problems, and the model it asks for (None if unknown)."""
    problems = _headers_problems("request", request["headers"]) + _uri_problems(request["uri"])
    text = _text(request["body"])
    if text is None:
        return [*problems, "request body is binary data, not UTF-8 text"], None
    try:
        body = _json(text) if text else None
    except ValueError:
        return [*problems, "request body is not JSON"], None
    if not isinstance(body, dict):
        return problems, None
    kind_ = f"{endpoint(request['uri'])}_request"
    found = None if body.get("stream") else _validate(kind_, body)
    if found:
        problems.append(f"request is not a valid request: {found}")
    if "messages" in body:
        try:
            check_conversation(body["messages"])
        except ConversationError as err:
            problems.append(f"request breaks the conversation rules: {err}")
    return problems, body.get("model")


def _sse_events(text: str) -> Iterator[Any]:
    for block in text.split("\n\n"):
        data = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
        if data and data[0] != "[DONE]":
            yield _json("\n".join(data))


def response_problems(response: dict[str, Any], uri: str) -> list[str]:
    """A well-shaped response's problems: headers kept, and a body the SDK can use."""
    problems = _headers_problems("response", response["headers"])
    if response["status"]["code"] != 200:
        return problems
    text = _text(response["body"]["string"])
    if text is None:
        return [*problems, "response body is binary data, not UTF-8 text"]
    base = endpoint(uri)
    stream = "event-stream" in _header(response["headers"], "content-type")
    try:
        kind_ = f"{base}_{'event' if base == 'responses' else 'chunk'}" if stream else base
        items = [(kind_, e) for e in _sse_events(text)] if stream else [(base, _json(text))]
    except ValueError:
        return [*problems, "response body is not JSON"]
    if not items:
        problems.append("response is a stream with no events")
    for name, data in items:
        found = _validate(name, data)
        if found:
            problems.append(f"response does not parse as {name}: {found}")
        elif name == "chat" and not data["choices"]:
            problems.append("response has no choices: a lesson reading choices[0] would fail")
    return problems
