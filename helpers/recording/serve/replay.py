"""What ``python -m helpers serve`` answers: a cassette's recorded responses, found as replay finds them.

A request is matched exactly as a lesson's replay matches it (the same vcrpy
configuration, ``make_vcr``: method, path and JSON body, after the same
scrubbing hook), so a client that sends what the lesson sent gets what the
lesson got. In order, one conversation's recorded responses are served one
after another whatever the bodies say, for a client whose tool results differ
from the recording; a request to another method or path is still refused.
Every refusal is an error in the OpenAI API's format, with its status.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vcr.request import Request

from ...settings import PROVIDERS
from ..cassettes import _closest, make_vcr
from .answer import Answer, openai_error, read_body
from .cassette import CassetteError, Recorded, load
from .sessions import Session, sessions

LOCAL_BASE = "http://127.0.0.1"
# The headers a response is sent with come from the cassette; these describe
# the recorded transfer, not the body served now, so they are never copied.
NOT_COPIED = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})


class SessionError(CassetteError):
    """No such session, or ``--in-order`` on several with none picked; ``sessions`` lists them."""

    def __init__(self, message: str, sessions: list[Session]) -> None:
        super().__init__(message)
        self.sessions = sessions


def _common_prefix(paths: list[str]) -> str:
    """The longest folder path every recorded path starts with, without a trailing slash."""
    folders = [p.rsplit("/", 1)[0].split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common).rstrip("/")


class Replay:
    """A cassette's interactions (all, or one conversation's), served as a lesson's replay serves them.

    Args:
        path: The cassette file.
        in_order: Serve the recorded responses in order, whatever the bodies.
        session: The conversation to serve (from 1, as ``sessions`` lists them); None for all.

    Raises:
        CassetteError: The cassette cannot be read, is malformed, or holds no
            interaction; ``SessionError`` when ``session`` is not one of
            them, or ``in_order`` has several to choose from and none was picked.
    """

    def __init__(self, path: Path, *, in_order: bool = False, session: int | None = None) -> None:
        self.path = path
        self.in_order = in_order
        self.metadata, recorded = load(path)
        self.sessions: list[Session] = sessions(recorded)
        if not recorded:
            raise CassetteError("holds no interaction")
        self.session = self._pick(session)
        chosen = self.session.indexes if self.session else range(len(recorded))
        provider = PROVIDERS.get(str(self.metadata.get("provider")), PROVIDERS["openai"])
        public = urlsplit(provider.base_url)
        self.public_path = public.path.rstrip("/")
        # The request's path is kept whole: only the host becomes the provider's.
        config = make_vcr(sent_base=LOCAL_BASE, public_base=f"{public.scheme}://{public.netloc}")
        merged = config.get_merged_config(path=str(path), record_mode="none")
        self._scrub = merged["before_record_request"]
        self._matchers = merged["match_on"]  # the replay's own: method, path, body
        self._where = [m for m in self._matchers if m.__name__ != "body"]
        self.recorded: list[Recorded] = [recorded[i] for i in chosen]
        self.requests = [
            self._scrub(Request(r.method, r.uri, r.body, r.request_headers)) for r in self.recorded
        ]
        if any(r is None for r in self.requests):
            raise CassetteError("holds a request to a .invalid host, which a cassette never records")
        self.served = 0
        self._lock = threading.Lock()

    def _pick(self, number: int | None) -> Session | None:
        """The conversation asked for; with ``in_order`` and none asked, the only one there is."""
        if number is not None:
            if not 1 <= number <= len(self.sessions):
                raise SessionError(
                    f"has no session {number}; it holds 1 to {len(self.sessions)}", self.sessions
                )
            return self.sessions[number - 1]
        if self.in_order and len(self.sessions) > 1:
            raise SessionError(
                f"holds {len(self.sessions)} sessions; --in-order plays one: pick it with --session N",
                self.sessions,
            )
        return self.sessions[0] if self.in_order else None

    @property
    def count(self) -> int:
        """How many interactions are served."""
        return len(self.recorded)

    @property
    def base_path(self) -> str:
        """The path a client's base URL ends in: the provider's (``/v1``) when every request is under it."""
        paths = [urlsplit(r.uri).path for r in self.recorded]
        if all(p.startswith(self.public_path + "/") for p in paths):
            return self.public_path
        return _common_prefix(paths)

    def answer(self, method: str, target: str, content_type: str, body: bytes) -> Answer:
        """The response to one request: the recorded one, or an OpenAI-style error saying why not.

        Args:
            method: The HTTP method.
            target: The request target (path and query).
            content_type: The request's content type (the body matcher reads JSON by it).
            body: The request's body.
        """
        value, refused = read_body(body)
        if refused:
            return refused
        headers = {"content-type": content_type} if content_type else {}
        request = Request(method, LOCAL_BASE + target, body, headers)
        wants_stream = isinstance(value, dict) and value.get("stream") is True
        with self._lock:
            return (
                self._in_order(request, wants_stream)
                if self.in_order
                else self._matched(request, wants_stream)
            )

    def _matched(self, request: Request, wants_stream: bool) -> Answer:
        """The recorded response replay would play, or the closest recorded request."""
        scrubbed = self._scrub(request)
        for index, recorded in enumerate(self.requests):
            if all(_passes(m, scrubbed, recorded) for m in self._matchers):
                return self._mismatch(index, wants_stream) or self._recorded(index)
        return self._miss(scrubbed)

    def _in_order(self, request: Request, wants_stream: bool) -> Answer:
        """The next recorded response, if the request goes where the recorded one went."""
        if self.served >= self.count:
            message = (
                f"serve --in-order: all {self.count} recorded responses of {self._name} were "
                "served; restart serve to replay the session again"
            )
            return openai_error(400, message, "cassette_exhausted")
        recorded = self.requests[self.served]
        if not all(_passes(m, request, recorded) for m in self._where):
            message = (
                f"serve --in-order: request {self.served + 1} of {self._name} was "
                f"{recorded.method} {recorded.path}, not {request.method} {request.path}"
            )
            return openai_error(404, message, "cassette_miss")
        refused = self._mismatch(self.served, wants_stream)
        if refused:
            return refused
        self.served += 1
        answer = self._recorded(self.served - 1)
        if not all(_passes(m, self._scrub(request), recorded) for m in self._matchers):
            answer.log += " (in order: the body differs from the recorded one)"
        return answer

    @property
    def _name(self) -> str:
        """The cassette's name, and the session's when one was picked."""
        if self.session and len(self.sessions) > 1:
            return f"session {self.session.number} of {self.path.name}"
        return self.path.name

    def _mismatch(self, index: int, wants_stream: bool) -> Answer | None:
        """A 400 when a streamed request would get a recorded JSON reply, or a plain one a recorded stream."""
        recorded = self.recorded[index]
        if recorded.status >= 400 or recorded.is_stream == wants_stream:
            return None  # an error is JSON whether or not a stream was asked for
        held, asked = (
            ("a stream", "did not ask for one")
            if recorded.is_stream
            else ("a JSON reply", "asked for a stream")
        )
        message = (
            f"serve: recorded response {index + 1} of {self._name} is {held}, and this request {asked} "
            '("stream": true); send what the recording sent, or pick another session (serve --sessions)'
        )
        return openai_error(400, message, "stream_mismatch")

    def _recorded(self, index: int) -> Answer:
        """Interaction ``index``'s response, with headers saying which recorded request it answers."""
        recorded = self.recorded[index]
        headers = [(name, value) for name, value in recorded.headers if name not in NOT_COPIED]
        headers += [
            ("x-lessons-replayed", f"{index + 1}/{self.count}"),
            ("x-lessons-replayed-request", f"{recorded.method} {urlsplit(recorded.uri).path}"),
        ]
        status = recorded.status
        return Answer(status, recorded.response, headers, f"{status}, recorded {index + 1}/{self.count}")

    def _miss(self, scrubbed: Request) -> Answer:
        """A 404 when no recorded request goes there; else a 400 naming the closest and how it differs."""
        same_place = [
            (i, r) for i, r in enumerate(self.requests) if all(_passes(m, scrubbed, r) for m in self._where)
        ]
        if not same_place:
            held = sorted({f"{r.method} {r.path}" for r in self.requests})
            message = (
                f"serve: {self._name} holds no request to {scrubbed.method} {scrubbed.path}; "
                f"it holds {', '.join(held)}"
            )
            return openai_error(404, message, "cassette_miss")
        sent = _canonical(scrubbed.body)
        index, recorded = min(same_place, key=lambda pair: _distance(sent, _canonical(pair[1].body)))
        # Method and path matched, so the body is what vcrpy refused: _closest says how.
        difference = _closest(scrubbed, [(recorded, ["method", "path"], [("body", "")])])
        # Equal as JSON yet refused: vcrpy read one body as JSON and the other as bytes.
        difference = difference or "the body equals it as JSON but was not sent as application/json"
        message = (
            f"serve: {self._name} holds no response for this {scrubbed.method} {scrubbed.path}. "
            f"Closest recorded request: {index + 1} of {self.count}; in this one, {difference}. "
            "(serve --in-order answers in recorded order whatever the body.)"
        )
        return openai_error(400, message, "cassette_miss")


def _passes(matcher: Any, request: Request, recorded: Request) -> bool:
    """Whether one of the cassette's vcrpy matchers accepts the pair."""
    try:
        return matcher(request, recorded) in (None, True)
    except AssertionError:
        return False


def _canonical(body: Any) -> str:
    """A body as JSON with sorted keys (as sent, if it is not JSON), to compare bodies by."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")


def _distance(sent: str, recorded: str) -> tuple[int, int]:
    """How far apart two bodies are: the longer their common start, then the nearer their lengths, the closer.

    A conversation's requests grow turn by turn, so the recorded request that
    shares the longest start with the one sent is the turn it was meant to be.
    """
    common = len(os.path.commonprefix([sent, recorded]))
    return -common, abs(len(sent) - len(recorded))
