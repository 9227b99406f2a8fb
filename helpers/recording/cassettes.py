"""Cassettes: how a lesson's HTTP exchanges are recorded, scrubbed and replayed.

One YAML cassette per notebook, ``cassettes/<notebook stem>.yaml``, written by
vcrpy. Requests are matched on method, path and JSON body, so a lesson whose
prompt or tools changed fails loudly instead of replaying a stale answer.
Headers are kept only when they are on a short list of harmless ones, and the
host is rewritten to the provider's public host, so a cassette recorded against
a local endpoint with a fake key holds neither; in bodies, this machine's
workspace, project, home and temp folders become placeholders
(``helpers.recording.redact``). Lesson 00 explains replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from .redact import machine_paths, redact
from .yamlstream import Unreadable, check_depth

# vcrpy is imported where it is used, not here: importing it takes 0.2-0.3 s (it
# patches requests, urllib3, httpx and more). Recording and serve use it; replay
# does without it (``helpers.recording.replay``).
if TYPE_CHECKING:
    import vcr
    from vcr.request import Request

MATCH_ON = ("method", "path", "body")
# The largest cassette read; the project's biggest is well under 1 MB.
MAX_CASSETTE_BYTES = 64 * 1024 * 1024
# Everything else is dropped when recording: keys, cookies, organisation and
# project ids, request ids, and the recording machine's OS, arch and runtime.
KEPT_REQUEST_HEADERS = frozenset(
    {"accept", "content-type", "user-agent", "x-stainless-lang", "x-stainless-package-version"}
)
# Rate-limit headers are kept: the SDK reads retry-after to decide how long to wait (lesson 10).
KEPT_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "openai-processing-ms",
        "openai-version",
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-limit-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
    }
)
# What the check command refuses to find in a cassette, whatever the lists above say.
FORBIDDEN_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "x-stainless-os",
        "x-stainless-arch",
        "x-stainless-runtime-version",
        "x-request-id",
        "x-client-request-id",
        "request-id",
    }
)
METADATA_KEYS = ("provenance", "provider", "model", "recorded", "sdk")
# A host under .invalid cannot exist (RFC 2606): the lessons use such hosts for
# what runs on the learner's machine only (the practice model, a server that is
# not there), which a cassette neither records nor replays.
NEVER_RECORDED_SUFFIX = ".invalid"


class ReplayMiss(RuntimeError):
    """A request that the lesson's cassette does not hold, in replay mode."""


def record_command(lesson: str) -> str:
    """The command that re-records a lesson's cassette (it needs a key)."""
    return f"python -m helpers record notebooks/{lesson}.ipynb"


def _base_parts(url: str) -> tuple[str, str, int | None, str] | None:
    """Scheme, host (lower case, no trailing dot), port (the scheme's default filled in), path."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    return parts.scheme.lower(), (parts.hostname or "").rstrip("."), port, parts.path.rstrip("/")


def under_base(uri: str, base: str) -> str | None:
    """What follows ``base`` in ``uri`` (path and query), or None when ``uri`` is not under it.

    Hosts are compared as the HTTP client sends them: ``http://LOCALHOST:80/v1``
    and ``http://localhost./v1`` are the same base.

    Example:
        >>> under_base("http://localhost:8000/v1/chat/completions?x=1", "http://LOCALHOST:8000/v1/")
        '/chat/completions?x=1'
    """
    ours, theirs = _base_parts(uri), _base_parts(base)
    if ours is None or theirs is None or ours[:3] != theirs[:3]:
        return None
    path, prefix = urlsplit(uri).path, theirs[3]
    if path != prefix and not path.startswith(prefix + "/"):
        return None
    query = urlsplit(uri).query
    return path[len(prefix) :] + (f"?{query}" if query else "")


def rewrite_host(
    sent_base: str, public_base: str, paths: dict[str, str] | None = None
) -> Callable[[Request], Request]:
    """A ``before_record_request`` hook: public host, harmless headers, no machine paths.

    Requests to a host under ``.invalid`` are left out of the cassette. vcrpy
    also applies it to a request before matching it in replay, so a body that
    names this machine's folders matches the placeholders recorded.

    Args:
        sent_base: The base URL the client really sent to (a loopback server,
            say).
        public_base: The provider's public base URL, stored instead.
        paths: This machine's folders and their placeholders (``machine_paths()``).
    """
    public_base = public_base.rstrip("/")
    paths = machine_paths() if paths is None else paths

    def hook(request: Request) -> Request | None:
        if request.host.endswith(NEVER_RECORDED_SUFFIX):
            return None  # passed through to its own transport, never recorded
        rest = under_base(request.uri, sent_base)
        if rest is not None:
            request.uri = public_base + rest
        request.headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_REQUEST_HEADERS}
        if isinstance(request.body, bytes):
            request.body = redact(request.body, paths)
        return request

    return hook


def scrub_response(response: dict[str, Any], paths: dict[str, str] | None = None) -> dict[str, Any]:
    """A ``before_record_response`` hook: harmless headers only, no machine paths in the body."""
    response["headers"] = {
        k: v for k, v in response.get("headers", {}).items() if k.lower() in KEPT_RESPONSE_HEADERS
    }
    body = response.get("body", {})
    text = body.get("string") if isinstance(body, dict) else None
    if isinstance(text, bytes | str):
        data = redact(text.encode("utf-8") if isinstance(text, str) else text, paths)
        body["string"] = data.decode("utf-8") if isinstance(text, str) else data
    return response


def make_vcr(*, sent_base: str, public_base: str) -> vcr.VCR:
    """The vcrpy configuration every lesson uses.

    Args:
        sent_base: The base URL requests are sent to.
        public_base: The provider's public base URL, which the cassette stores.
    """
    import vcr

    paths = machine_paths()
    return vcr.VCR(
        serializer="yaml",
        match_on=MATCH_ON,
        decode_compressed_response=True,
        before_record_request=rewrite_host(sent_base, public_base, paths),
        before_record_response=lambda response: scrub_response(response, paths),
    )


def read_cassette(path: Path) -> dict[str, Any]:
    """A cassette file as plain data (``interactions`` and ``metadata``).

    Read with libyaml's safe loader, the one vcrpy's cassette loader extends; a
    cassette that uses one of the few Python tags vcrpy also accepts (a tuple, a
    ``BytesIO`` body) is read again with vcrpy's own loader. A lesson's setup reads
    the metadata this way, before vcrpy is imported.
    """
    with path.open("rb") as stream:
        raw = stream.read(MAX_CASSETTE_BYTES + 1)
    if len(raw) > MAX_CASSETTE_BYTES:
        raise ValueError(f"{path} is over {MAX_CASSETTE_BYTES:,} bytes, more than any cassette")
    text = raw.decode("utf-8")
    try:
        check_depth(text)
    except Unreadable as err:
        raise ValueError(f"{path} is {err}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.constructor.ConstructorError:
        from vcr.serializers.yamlserializer import deserialize

        data = deserialize(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a vcrpy cassette")
    data.setdefault("interactions", [])
    data.setdefault("metadata", {})
    return data


def _window(text: str, at: int) -> str:
    start = max(0, at - 30)
    shown = json.dumps(text[start : at + 50], ensure_ascii=False)
    return ("…" if start else "") + shown + ("…" if at + 50 < len(text) else "")


def first_difference(expected: Any, got: Any, where: str = "body", label: str = "expected") -> str | None:
    """Where two JSON values first differ, as a readable line; None when equal.

    Args:
        expected: The value wanted (or recorded).
        got: The value found.
        where: The path of these values, for the message.
        label: What to call the wanted value in the message.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in list(expected) + [k for k in got if k not in expected]:
            if key not in got:
                return f"{where}.{key} is missing"
            if key not in expected:
                return f"{where}.{key} is not expected"
            found = first_difference(expected[key], got[key], f"{where}.{key}", label)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{where} has {len(got)} items, expected {len(expected)}"
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            found = first_difference(a, b, f"{where}[{i}]", label)
            if found:
                return found
        return None
    if expected == got:
        return None
    if isinstance(expected, str) and isinstance(got, str):
        at = next(
            (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
            min(map(len, (expected, got))),
        )
        return f"{where} differs at character {at}: {_window(got, at)}, {label} {_window(expected, at)}"
    shown, wanted = (json.dumps(v, ensure_ascii=False)[:200] for v in (got, expected))
    return f"{where} is {shown}, {label} {wanted}"


def _json(body: Any) -> Any:
    try:
        return json.loads(body) if body else None
    except (TypeError, ValueError):
        return body


def _closest(request: Request, similar: Iterable[tuple[Any, Any, list[tuple[str, str]]]]) -> str:
    # The recorded request whose body differs least, said as its first difference.
    found = []
    for recorded, _ok, failed in similar:
        if [name for name, _ in failed] == ["body"]:
            diff = first_difference(_json(recorded.body), _json(request.body), label="recorded")
            found.append(diff or "")
        else:
            found.append("; ".join(f"{name}: {message}" for name, message in failed))
    return min((f for f in found if f), key=len, default="")


def explain_miss(
    request: Any, path: Path, similar: Iterable[tuple[Any, Any, list[tuple[str, str]]]], lesson: str
) -> str:
    """Say which cassette missed, how the request differs, and how to re-record.

    ``similar`` holds the closest recorded requests, each with the matchers it
    passed and those it failed with their message (``replay.Player.similar``).
    """
    lines = [f"Replay: {path.name} holds no response for {request.method} {request.path}."]
    if not path.exists():
        lines.append("This lesson has no cassette yet, so in replay it cannot send requests.")
    else:
        closest = _closest(request, similar)
        if closest:
            lines += ["Compared with the closest recorded request, in this one:", f"  {closest}"]
        lines.append(
            "A prompt, tool or model changed since the cassette was recorded; undo the "
            "change, or re-record the lesson."
        )
    lines.append(f"To re-record it (needs a key): {record_command(lesson)}")
    return "\n".join(lines)
