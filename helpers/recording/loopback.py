"""A scripted OpenAI-compatible endpoint on 127.0.0.1, for tests and for rebuilding cassettes.

It serves a script's responses in order, as JSON or as a server-sent-event
stream, and fails loudly on a surprise: a request beyond the script, or one that
differs from what the script expects, gets a 400 that names the difference, and
``check()`` raises afterwards. Published and authored cassettes are built by
recording a lesson against it, so that every request in them is exactly what
the SDK sends.

A script is JSON::

    {"provenance": "published", "provider": "openai", "model": "gpt-5-mini",
     "note": "which fields were rebuilt", "tape": {"get_memory_info": ["..."]},
     "responses": [{"file": "published/run-b.turn3.response.json",
                    "expect": {"path": "/v1/chat/completions",
                               "body_file": "published/run-b.turn3.request.json"}},
                   {"json": {...}}, {"sse": [{...chunk}, ...]},
                   {"status": 429, "headers": {"retry-after": "2"}, "json": {"error": {...}}}]}

A Responses stream names its events, ``{"event": ..., "data": {...}}``, and sets
``"sse_done": false``, since only Chat Completions streams end in ``[DONE]``.

``file`` and ``body_file`` are relative to the script.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import authored
from .cassettes import first_difference


class LoopbackSurprise(AssertionError):
    """The lesson sent what the script did not expect, or not all it expected."""


@dataclass
class Reply:
    """One scripted response, and optionally what its request must be."""

    body: Any = None
    sse: list[Any] | None = None
    sse_done: bool = True
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    expect_path: str | None = None
    expect_body: dict[str, Any] | None = None


@dataclass
class Script:
    """A loopback script: replies in order, plus the cassette's provenance fields."""

    replies: list[Reply]
    provenance: str = "authored"
    provider: str = "openai"
    model: str = "gpt-5-mini"
    note: str = ""
    tape: dict[str, list[Any]] = field(default_factory=dict)
    written: str = ""
    usage: str = ""


def _load_json(base: Path, name: str) -> Any:
    return json.loads((base / name).read_text(encoding="utf-8"))


def load_script(path: Path) -> Script:
    """Read a script file; ``file`` and ``body_file`` entries are read relative to it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    base = path.parent
    replies = []
    for entry in data["responses"]:
        expect = entry.get("expect", {})
        body = expect.get("body")
        if "body_file" in expect:
            body = _load_json(base, expect["body_file"])
        replies.append(
            Reply(
                body=_load_json(base, entry["file"]) if "file" in entry else entry.get("json"),
                sse=entry.get("sse"),
                sse_done=entry.get("sse_done", True),
                status=entry.get("status", 200),
                headers=entry.get("headers", {}),
                expect_path=expect.get("path"),
                expect_body=body,
            )
        )
    keys = ("provenance", "provider", "model", "note", "tape", "written", "usage")
    return Script(replies, **{k: data[k] for k in keys if k in data})


class LoopbackServer:
    """Serves a script on 127.0.0.1 in a background thread.

    Args:
        script: What to serve, in order.
        respond: Instead of the script, compute each reply from the request's
            path and JSON body (the provider emulations use it); the script's
            replies are then not served, and ``check`` only reports surprises.

    Example:
        >>> with LoopbackServer(Script([Reply(body={...})])) as server:  # doctest: +SKIP
        ...     client = OpenAI(base_url=server.base_url, api_key="fake")
    """

    def __init__(self, script: Script, respond: Callable[[str, Any], Reply] | None = None) -> None:
        self.script = script
        self.respond = respond
        self.requests: list[tuple[str, Any]] = []
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll, so that leaving the ``with`` block takes milliseconds, not half a second.
        serve = {"poll_interval": 0.05}
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs=serve, daemon=True)

    @property
    def base_url(self) -> str:
        """The base URL to give the client, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def check(self) -> None:
        """Raise LoopbackSurprise if a request surprised the script or a reply went unused."""
        problems = list(self.failures)
        unused = len(self.script.replies) - len(self.requests)
        if unused > 0 and self.respond is None:
            problems.append(f"{unused} scripted response(s) were never requested")
        if problems:
            raise LoopbackSurprise("; ".join(problems))

    def _answer(self, path: str, body: Any) -> tuple[Reply | None, str | None]:
        with self._lock:
            index = len(self.requests)
            self.requests.append((path, body))
            if self.respond is not None:
                return self.respond(path, body), None
            if index >= len(self.script.replies):
                return None, f"request {index + 1} ({path}) is beyond the script's {index} response(s)"
            reply = self.script.replies[index]
        if reply.expect_path and reply.expect_path != path:
            return None, f"request {index + 1} went to {path}, expected {reply.expect_path}"
        if reply.expect_body is not None:
            diff = first_difference(reply.expect_body, body)
            if diff:
                return None, f"request {index + 1} differs from the script: {diff}"
        return reply, None

    def _authored(self) -> bool:
        """True when replies are authored, and so finished as a real server would send them."""
        return self.respond is None and self.script.provenance == "authored"

    def _finish_body(self, path: str, reply: Reply, request: Any) -> Any:
        """An authored 200 body with its usage counted and laid out as its provider's are."""
        finished = path.endswith(("/chat/completions", "/responses"))  # not a token count, say
        if not self._authored() or reply.status != 200 or not finished:
            return reply.body
        responses = path.endswith("/responses")
        body = authored.finish_json(reply.body, request, responses, self.script.provider)
        api = "responses" if responses else "chat"
        return authored.Laid(authored.dump(body, self.script.provider, api))

    def _finish_stream(self, path: str, events: list[Any], request: Any) -> list[Any]:
        """Authored stream events with usage and padding where the provider puts them."""
        if not self._authored():
            return events
        if path.endswith("/responses"):
            return authored.finish_responses_stream(events, request)
        return authored.finish_chat_stream(events, request, self.script.provider)

    def _dump_event(self, data: Any) -> str:
        """One event's JSON: laid out as the provider's stream is, for an authored script."""
        if not self._authored():
            return json.dumps(data, ensure_ascii=False)
        api = "responses_stream" if isinstance(data, dict) and "type" in data else "chat_stream"
        return authored.dump(data, self.script.provider, api)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Stay quiet: the test or the record command reports."""

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", errors="replace")
                reply, problem = server._answer(self.path, body)
                if problem or reply is None:
                    server.failures.append(problem or "no reply")
                    self._send(
                        400,
                        {
                            "error": {
                                "message": f"loopback endpoint: {problem}",
                                "type": "invalid_request_error",
                            }
                        },
                    )
                elif reply.sse is not None:
                    events = server._finish_stream(self.path, reply.sse, body)
                    self._stream(events, reply.sse_done, reply.headers)
                else:
                    self._send(reply.status, server._finish_body(self.path, reply, body), reply.headers)

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                laid = isinstance(payload, authored.Laid)
                text = payload if laid else json.dumps(payload, ensure_ascii=False)
                data = text.encode("utf-8")
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, events: list[Any], done: bool, headers: dict[str, str]) -> None:
                # Chat Completions streams end in [DONE]; Responses streams name
                # each event instead ({"event": ..., "data": ...} in the script).
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for event in events:
                    named = isinstance(event, dict) and set(event) == {"event", "data"}
                    head = f"event: {event['event']}\n" if named else ""
                    data = server._dump_event(event["data"] if named else event)
                    self.wfile.write(f"{head}data: {data}\n\n".encode())
                if done:
                    self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler
