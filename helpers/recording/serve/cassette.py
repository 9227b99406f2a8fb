"""A cassette read for ``python -m helpers serve``: every field it sends, checked before any request.

``serve`` is handed any file, and a lesson's replay may be pointed at any
folder, so both check every interaction (``check_interaction``). The file is
read once, bounded in size, and each interaction's fields are checked for the
types and values the server sends (a status between 200 and 599, header names
that are tokens, header values with no control character, bodies that are text
or bytes). The first fault refuses
the whole cassette with one line naming the interaction and the field; ``python
-m helpers check`` lists them all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..cassettes import MAX_CASSETTE_BYTES, read_cassette
from ..yamlstream import MAX_DEPTH, Unreadable, check_depth

MAX_HEADER_BYTES = 8 * 1024
# Deeper than any API body; the matchers and the difference finder recurse into bodies.
MAX_JSON_DEPTH = 64
MAX_YAML_DEPTH = MAX_DEPTH  # a cassette's own structure is five levels deep
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A header value may hold tabs and visible characters, never CR, LF or another control character.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class CassetteError(ValueError):
    """A cassette ``serve`` cannot answer from, said in one line."""


@dataclass(frozen=True)
class Recorded:
    """One interaction, as ``serve`` matches and sends it."""

    method: str
    uri: str
    body: bytes | None
    request_headers: dict[str, str]
    status: int
    headers: tuple[tuple[str, str], ...]
    response: bytes

    @property
    def is_stream(self) -> bool:
        """True for a recorded server-sent-event stream."""
        return any(k == "content-type" and v.startswith("text/event-stream") for k, v in self.headers)

    @property
    def request_json(self) -> Any:
        """The request body as JSON, or None when it is not JSON."""
        return loads(self.body)


def loads(body: bytes | None) -> Any:
    """A body as JSON, or None when it is empty, not UTF-8, not JSON or nested too deep."""
    if not body:
        return None
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if depth(value) <= MAX_JSON_DEPTH else None


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:  # past the cap the answer is known to be too deep
                stack.extend(
                    (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def load(path: Path) -> tuple[dict[str, Any], list[Recorded]]:
    """A cassette's metadata and interactions, checked.

    Raises:
        CassetteError: The file is too big, not YAML, or an interaction is malformed (the first one said).
    """
    try:
        size = path.stat().st_size
    except OSError as err:
        raise CassetteError(f"cannot be read: {err.strerror or err}") from None
    if size > MAX_CASSETTE_BYTES:
        raise CassetteError(f"is {size:,} bytes; serve reads cassettes up to {MAX_CASSETTE_BYTES:,}")
    try:
        _check_nesting(path)
        data = read_cassette(path)
    except CassetteError:
        raise
    except yaml.YAMLError as err:
        raise CassetteError(f"is not YAML: {' '.join(str(err).split())}") from None
    except (OSError, ValueError, RecursionError) as err:
        raise CassetteError(
            f"is not a cassette: {' '.join(str(err).split()) or type(err).__name__}"
        ) from None
    metadata, interactions = data.get("metadata"), data.get("interactions")
    if not isinstance(metadata, dict):
        raise CassetteError("its metadata is not a mapping")
    if not isinstance(interactions, list):
        raise CassetteError("its interactions are not a list")
    return metadata, [check_interaction(i + 1, item) for i, item in enumerate(interactions)]


def _check_nesting(path: Path) -> None:
    """Refuse a file that is not UTF-8, or YAML nested past ``MAX_YAML_DEPTH``, before it is built.

    libyaml builds a document's nodes recursively, and a deep enough file
    overflows the C stack: the process dies, with no exception to catch. Its
    events come without recursion, so the depth is counted from them.
    """
    with path.open("rb") as stream:
        data = stream.read(MAX_CASSETTE_BYTES + 1)
    if len(data) > MAX_CASSETTE_BYTES:  # it grew since its size was read
        raise CassetteError(f"is over {MAX_CASSETTE_BYTES:,} bytes, the most serve reads")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CassetteError(f"is not UTF-8 text (byte {err.start})") from None
    try:
        check_depth(text)
    except Unreadable:
        raise CassetteError(f"nests deeper than {MAX_YAML_DEPTH} levels; no cassette does") from None


def check_interaction(number: int, item: Any) -> Recorded:
    """One interaction checked, or a ``CassetteError`` naming it and its first bad field.

    The reason phrase, which a response may carry beside its status code, must be ASCII text.
    """
    try:
        request, response = _field(item, "request", dict), _field(item, "response", dict)
        status = _field(_field(response, "response.status", dict), "response.status.code", int)
        if isinstance(status, bool) or not 200 <= status <= 599:  # 1xx is never an API's final answer
            raise CassetteError(f"response.status.code is {status!r}, not an HTTP status (200-599)")
        reason = response["status"].get("message")
        if reason is not None and not (isinstance(reason, str) and reason.isascii()):
            raise CassetteError(f"response.status.message is {str(reason)[:40]!r}, not ASCII text")
        method = _field(request, "request.method", str)
        uri = _field(request, "request.uri", str)
        if not TOKEN.fullmatch(method) or not re.fullmatch(r"https?://[!-~]{1,8000}", uri):
            raise CassetteError(f"request {method[:20]!r} {uri[:80]!r} is not a method and an http(s) URL")
        body = _body(request.get("body"), "request.body")
        if body is not None and loads(body) is None and _nested(body):
            raise CassetteError(f"request.body nests deeper than {MAX_JSON_DEPTH} levels")
        recorded = Recorded(
            method=method,
            uri=uri,
            body=body,
            request_headers=dict(_headers(request.get("headers"), "request.headers")),
            status=status,
            headers=tuple(_headers(response.get("headers"), "response.headers")),
            response=_body(_field(response, "response.body", dict).get("string"), "response.body.string")
            or b"",
        )
    except CassetteError as err:
        raise CassetteError(f"interaction {number}: {err}") from None
    return recorded


def _field(mapping: Any, where: str, kind: type) -> Any:
    """The value at ``where``, a dotted path whose last key is in ``mapping``; it must be a ``kind``."""
    if not isinstance(mapping, dict):
        raise CassetteError(f"is {type(mapping).__name__}, not a mapping")
    value = mapping.get(where.rsplit(".", 1)[-1])
    if not isinstance(value, kind):
        raise CassetteError(f"{where} is {type(value).__name__}, not {kind.__name__}")
    return value


def _body(value: Any, where: str) -> bytes | None:
    """A recorded body as bytes: text is sent as UTF-8, bytes as they are."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from an escaped YAML string
            raise CassetteError(f"{where} is not valid Unicode text") from None
    raise CassetteError(f"{where} is {type(value).__name__}, not text or bytes")


def _nested(body: bytes) -> bool:
    """Whether a body that did not load as JSON failed for nesting, not for being something else."""
    try:
        json.loads(body.decode("utf-8"))
    except RecursionError:
        return True
    except ValueError:
        return False
    return True  # it loaded: ``loads`` refused it for its depth


def _headers(value: Any, where: str) -> list[tuple[str, str]]:
    """Recorded headers as (lower-case name, value) pairs, each name a token and each value safe to send."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise CassetteError(f"{where} is {type(value).__name__}, not a mapping")
    pairs = []
    for name, values in value.items():
        if not isinstance(name, str) or not TOKEN.fullmatch(name):
            raise CassetteError(f"{where} has a name {str(name)[:40]!r} that is not a header name")
        for item in values if isinstance(values, list) else [values]:
            if not isinstance(item, str):
                raise CassetteError(f"{where}[{name!r}] holds {type(item).__name__}, not text")
            bad = CONTROL.search(item)
            if bad:
                raise CassetteError(f"{where}[{name!r}] holds the control character {bad.group()!r}")
            if len(item) > MAX_HEADER_BYTES or not item.isascii():
                raise CassetteError(f"{where}[{name!r}] is not short ASCII text")
            pairs.append((name.lower(), item))
    return pairs
