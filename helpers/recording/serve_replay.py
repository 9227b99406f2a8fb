"""What ``python -m helpers serve`` answers: a cassette's recorded responses, found as replay finds them.

A request is matched exactly as a lesson's replay matches it (the same vcrpy
configuration, ``make_vcr``: method, path and JSON body, after the same
scrubbing hook), so a client that sends what the lesson sent gets what the
lesson got. In order, the recorded responses are served one after another
whatever the bodies say, for a client whose tool results differ from the
recording; a request to another method or path is still refused.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from vcr.cassette import Cassette
from vcr.request import Request

from ..settings import PROVIDERS
from .cassettes import _closest, make_vcr, read_cassette

LOCAL_BASE = "http://127.0.0.1"
# The headers a response is sent with come from the cassette; these describe
# the recorded transfer, not the body served now, so they are never copied.
NOT_COPIED = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})


@dataclass
class Answer:
    """What to send back: status, headers and body, and a line for the log."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    log: str = ""

    @property
    def is_stream(self) -> bool:
        """True for a recorded server-sent-event stream."""
        return any(k == "content-type" and v.startswith("text/event-stream") for k, v in self.headers)


def openai_error(status: int, message: str, code: str) -> Answer:
    """An error in the shape the OpenAI API uses, which every SDK turns into its own exception."""
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    body = json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")
    return Answer(status, body, [("content-type", "application/json")], f"{status} {code}")


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
    """A cassette's interactions, served as a lesson's replay serves them.

    Args:
        path: The cassette file.
        in_order: Serve the recorded responses in order, whatever the bodies.

    Raises:
        ValueError: The cassette cannot be read or holds no interaction.
    """

    def __init__(self, path: Path, *, in_order: bool = False) -> None:
        self.path = path
        self.in_order = in_order
        try:
            self.metadata = read_cassette(path)["metadata"]
        except yaml.YAMLError as err:
            raise ValueError(f"not a cassette YAML can read: {' '.join(str(err).split())}") from None
        provider = PROVIDERS.get(str(self.metadata.get("provider")), PROVIDERS["openai"])
        self.public_path = urlsplit(provider.base_url).path.rstrip("/")
        public = urlsplit(provider.base_url)
        # The request's path is kept whole: only the host becomes the provider's.
        origin = f"{public.scheme}://{public.netloc}"
        config = make_vcr(sent_base=LOCAL_BASE, public_base=origin).get_merged_config(
            path=str(path), record_mode="none", allow_playback_repeats=True
        )
        for key in ("path_transformer", "func_path_generator", "record_on_exception"):
            config.pop(key, None)  # the context manager's options, not the cassette's
        self.cassette = Cassette.load(**config)
        if not len(self.cassette):
            raise ValueError(f"{path.name} holds no interaction: `python -m helpers check {path}` says why")
        self.served = 0
        self._lock = threading.Lock()
        self._matchers = config["match_on"]  # the replay's own: method, path, body
        self._where = [m for m in self._matchers if m.__name__ != "body"]

    @property
    def count(self) -> int:
        """How many interactions the cassette holds."""
        return len(self.cassette)

    @property
    def base_path(self) -> str:
        """The path a client's base URL ends in: the provider's (``/v1``) when every request is under it."""
        paths = [urlsplit(r.uri).path for r in self.cassette.requests]
        if all(p.startswith(self.public_path + "/") for p in paths):
            return self.public_path
        return _common_prefix(paths)

    def answer(self, method: str, target: str, content_type: str, body: bytes) -> Answer:
        """The response to one request: the recorded one, or an OpenAI-style error naming the miss.

        Args:
            method: The HTTP method.
            target: The request target (path and query).
            content_type: The request's content type (the body matcher reads JSON by it).
            body: The request's body.
        """
        headers = {"content-type": content_type} if content_type else {}
        request = Request(method, LOCAL_BASE + target, body, headers)
        with self._lock:
            return self._in_order(request) if self.in_order else self._matched(request)

    def _matched(self, request: Request) -> Answer:
        """The recorded response replay would play, or the closest recorded request."""
        if self.cassette.can_play_response_for(request):
            response = self.cassette.play_response(request)
            index = next(i for i, r in enumerate(self.cassette.responses) if r is response)
            return self._recorded(index)
        return self._miss(request)

    def _in_order(self, request: Request) -> Answer:
        """The next recorded response, if the request goes where the recorded one went."""
        if self.served >= self.count:
            message = (
                f"serve --in-order: all {self.count} recorded responses of {self.path.name} were "
                "served; restart serve to replay the session again"
            )
            return openai_error(400, message, "cassette_exhausted")
        recorded = self.cassette.requests[self.served]
        if not all(_passes(m, request, recorded) for m in self._where):
            message = (
                f"serve --in-order: request {self.served + 1} of {self.path.name} was "
                f"{recorded.method} {recorded.path}, not {request.method} {request.path}"
            )
            return openai_error(404, message, "cassette_miss")
        self.served += 1
        answer = self._recorded(self.served - 1)
        if not all(_passes(m, self.cassette.filter_request(request), recorded) for m in self._matchers):
            answer.log += " (in order: the body differs from the recorded one)"
        return answer

    def _recorded(self, index: int) -> Answer:
        """Interaction ``index``'s response, with headers saying which recorded request it answers."""
        request, response = self.cassette.data[index]
        body = response["body"]["string"]
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        headers = [
            (name.lower(), value)
            for name, values in response.get("headers", {}).items()
            if name.lower() not in NOT_COPIED
            for value in (values if isinstance(values, list) else [values])
        ]
        headers += [
            ("x-lessons-replayed", f"{index + 1}/{self.count}"),
            ("x-lessons-replayed-request", f"{request.method} {request.path}"),
        ]
        status = int(response["status"]["code"])
        return Answer(status, data, headers, f"{status}, recorded {index + 1}/{self.count}")

    def _miss(self, request: Request) -> Answer:
        """A 404 when no recorded request goes there; else a 400 naming the closest and how it differs."""
        scrubbed = self.cassette.filter_request(request)
        same_place = [
            (i, r)
            for i, r in enumerate(self.cassette.requests)
            if all(_passes(m, scrubbed, r) for m in self._where)
        ]
        if not same_place:
            held = sorted({f"{r.method} {r.path}" for r in self.cassette.requests})
            message = (
                f"serve: {self.path.name} holds no request to {request.method} {request.path}; "
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
            f"serve: {self.path.name} holds no response for this {request.method} {request.path}. "
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
