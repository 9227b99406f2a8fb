"""When a request matches a recorded one: vcrpy's matchers for the project's ``MATCH_ON``, without vcrpy.

Replay answers a lesson's requests without importing vcrpy (0.25 s in every
lesson), yet must accept and refuse exactly what vcrpy accepts and refuses,
since vcrpy records the cassettes and ``serve`` still matches with it. This is
vcrpy 9.4's ``vcr/matchers.py`` for ``method``, ``path`` and ``body``, with the
same failure messages (a miss quotes them). A body whose content type is not
JSON (a form, XML-RPC, a chunked upload) is handed to vcrpy's own ``body``
matcher: the lessons send none, and vcrpy is imported only then.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

# vcrpy's _body_diff keeps a miss message short with these.
MAX_DIFF_LINES = 20
MAX_DIFF_LINE_LENGTH = 200


@dataclass
class Request:
    """A request as vcrpy's ``vcr.request.Request`` holds it: what the matchers and hooks read.

    Headers are kept by lower-case name with one value each, as vcrpy's
    ``HeadersDict`` keeps them (a recorded list gives its first value).
    """

    method: str
    uri: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.body = _as_bytes(self.body)
        self.headers = _one_value_each(self.headers)

    def __setattr__(self, name: str, value: Any) -> None:
        # The recording hook (cassettes.rewrite_host) assigns headers and body, as on vcrpy's Request.
        if name == "headers":
            value = _one_value_each(value)
        elif name == "body":
            value = _as_bytes(value)
        super().__setattr__(name, value)

    @property
    def host(self) -> str:
        return urlparse(self.uri).hostname or ""

    @property
    def path(self) -> str:
        return urlparse(self.uri).path


def _as_bytes(body: Any) -> bytes | None:
    """A body as vcrpy's Request and ``read_body`` give it: text as UTF-8, a file or chunks joined."""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "getvalue"):  # a recorded BytesIO body
        return body.getvalue()
    if isinstance(body, list | tuple):
        return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)
    return body


def _one_value_each(headers: Any) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    kept: dict[str, str] = {}
    for name, value in items:
        kept[name.lower()] = value[0] if isinstance(value, list | tuple) else value
    return kept


def _kinds(request: Request) -> tuple[str, ...]:
    """The body transformers vcrpy's ``_get_transformers`` picks, by name, in its order."""

    def has(value: str, header: str) -> bool:
        found = request.headers.get(header, "")
        found = found.decode("utf-8") if isinstance(found, bytes) else found
        return value in found.lower()

    pairs = (
        ("chunked", has("chunked", "transfer-encoding")),
        ("form", has("application/x-www-form-urlencoded", "content-type")),
        ("json", has("application/json", "content-type")),
        ("xmlrpc", has("text/xml", "content-type") and has("xmlrpc", "user-agent")),
    )
    return tuple(name for name, applies in pairs if applies)


def match_method(sent: Request, recorded: Request) -> None:
    """vcrpy's ``method`` matcher."""
    if sent.method != recorded.method:
        raise AssertionError(f"{sent.method} != {recorded.method}")


def match_path(sent: Request, recorded: Request) -> None:
    """vcrpy's ``path`` matcher: an empty path is ``/`` (RFC 3986 6.2.3)."""
    if (sent.path or "/") != (recorded.path or "/"):
        raise AssertionError(f"{sent.path} != {recorded.path}")


def match_body(sent: Request, recorded: Request) -> None:
    """vcrpy's ``body`` matcher: JSON bodies compared as JSON when both say they are JSON."""
    kinds = _kinds(sent)
    if kinds != _kinds(recorded):
        kinds = ()
    if kinds not in ((), ("json",)):
        _vcrpy_body(sent, recorded)
        return
    one, two = sent.body, recorded.body
    if kinds:
        try:
            one, two = (json.loads(b) if b else None for b in (one, two))
        except ValueError:  # not JSON after all: compared as bytes, as vcrpy does
            one, two = sent.body, recorded.body
    if one != two:
        raise AssertionError(body_diff(one, two))


def _vcrpy_body(sent: Request, recorded: Request) -> None:
    """A form, XML-RPC or chunked body: vcrpy's own matcher decides."""
    from vcr import matchers
    from vcr.request import Request as VcrRequest

    matchers.body(*(VcrRequest(r.method, r.uri, r.body, r.headers) for r in (sent, recorded)))


MATCHERS = {"method": match_method, "path": match_path, "body": match_body}


def results(sent: Request, recorded: Request) -> tuple[list[str], list[tuple[str, str]]]:
    """The matchers that pass and those that fail with their message, as vcrpy's ``get_matchers_results``."""
    passed, failed = [], []
    for name, matcher in MATCHERS.items():
        try:
            matcher(sent, recorded)
        except AssertionError as err:
            failed.append((name, str(err)))
        else:
            passed.append(name)
    return passed, failed


def _text(body: Any) -> str | None:
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, sort_keys=True, default=str)


def _size(body: Any) -> str:
    try:
        return f"{len(body)} bytes"
    except TypeError:
        return "no body" if body is None else type(body).__name__


def body_diff(new: Any, recorded: Any) -> str:
    """How two bodies differ, as vcrpy's ``_body_diff`` says it in a failed match."""
    new_text, recorded_text = _text(new), _text(recorded)
    if new_text is None or recorded_text is None or new_text == recorded_text:
        return f"the bodies differ ({_size(new)} in this request, {_size(recorded)} recorded)"
    diff = list(
        difflib.unified_diff(
            recorded_text.splitlines(), new_text.splitlines(), "recorded", "this request", n=1, lineterm=""
        )
    )
    lines = [
        line if len(line) <= MAX_DIFF_LINE_LENGTH else line[:MAX_DIFF_LINE_LENGTH] + "…"
        for line in diff[:MAX_DIFF_LINES]
    ]
    if len(diff) > MAX_DIFF_LINES:
        lines.append(f"… ({len(diff) - MAX_DIFF_LINES} more lines)")
    return "\n".join(lines)
