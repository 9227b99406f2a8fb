"""The HTTP side of ``python -m helpers serve``: a loopback server that answers from a ``Replay``.

Any method on any path is handed to the replay, which decides; whatever is
refused, here or there, gets an error in the OpenAI API's format. JSON goes
back with its recorded status and content type; a recorded
``text/event-stream`` body goes back as a stream, event by event. Request
headers are read for the body's length and type only: an ``Authorization``
header is accepted and never looked at, kept or logged.

Clients cannot wear it out: a body is read up to ``MAX_BODY_BYTES`` (past that,
413, before a byte of it is read), a connection that sends nothing for
``IDLE_SECONDS`` is dropped, and ``listener`` caps how many are answered
at once and for how long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from .answer import Answer, openai_error
from .listener import Listener, printable
from .replay import Replay

# How often the server checks for shutdown() and overdue connections.
POLL_SECONDS = 0.05
MAX_BODY_BYTES = 8 * 1024 * 1024
IDLE_SECONDS = 5.0
CHUNK_BYTES = 64 * 1024

Log = Callable[[str], None]


class ReplayServer:
    """Serves a ``Replay`` on 127.0.0.1.

    Args:
        replay: The cassette to answer from.
        port: The port to listen on; 0 lets the system choose a free one.
        log: Called with one line per request (method, path, status); never headers.

    Example:
        >>> with ReplayServer(Replay(Path("cassettes/06_the_loop.yaml"))) as server:  # doctest: +SKIP
        ...     client = OpenAI(base_url=server.base_url, api_key="any")
    """

    def __init__(self, replay: Replay, port: int = 0, log: Log | None = None) -> None:
        self.replay = replay
        self.log = log or (lambda line: None)
        self.httpd = Listener(("127.0.0.1", port), _handler(self), self.log)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The base URL to give a client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.replay.base_path}"

    def serve_forever(self) -> None:
        """Answer requests until ``shutdown()`` or Ctrl-C."""
        self.httpd.serve_forever(POLL_SECONDS)

    def shutdown(self) -> None:
        """Stop answering (from another thread) and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    """A request handler bound to one server."""

    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_SECONDS  # each read and write on the socket waits at most this long
        default_request_version = "HTTP/1.0"  # so even a request line that makes no sense gets a status line

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: ``ReplayServer.log`` gets one line per request instead."""

        def __getattr__(self, name: str) -> Any:
            """Every method, known or not (``do_OPTIONS``, ``do_FOO``), goes to the replay."""
            if name.startswith("do_"):
                return self._any
            raise AttributeError(name)

        def parse_request(self) -> bool:
            """Read the request line and headers, once the listener knows this client spoke."""
            server.httpd.spoke(self.connection)
            return super().parse_request()

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The HTTP layer's own refusals (a bad request line, headers too long) in the API's format."""
            self.close_connection = True
            text = f"serve: {message or self.responses.get(code, ('error',))[0]}"
            self._send(openai_error(code, text, "bad_http_request"))

        def _any(self) -> None:
            body = self._body()
            if body is None:
                return  # the client went quiet or away mid-body: nobody to answer
            self._send(body if isinstance(body, Answer) else self._answer(body))

        def _answer(self, body: bytes) -> Answer:
            try:
                return server.replay.answer(
                    self.command, self.path, self.headers.get("content-type", ""), body
                )
            except Exception as error:  # a bug must cost one request, not the server
                message = f"serve could not answer: {type(error).__name__}: {error}"
                return openai_error(500, printable(message), "serve_error")

        def _body(self) -> bytes | Answer | None:
            """The request body, read up to the cap; an error to send instead; None if the client went."""
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                self.close_connection = True
                return openai_error(
                    411, "serve needs a content-length, not a chunked body", "length_required"
                )
            declared = self.headers.get("content-length", "0").strip() or "0"
            if not declared.isdigit() or not declared.isascii():
                self.close_connection = True
                return openai_error(
                    400, f"content-length {printable(declared, 40)!r} is not a number", "bad_length"
                )
            length = int(declared)
            if length > MAX_BODY_BYTES:
                self.close_connection = True  # its body is never read, so the connection cannot be reused
                message = f"the request body is {length:,} bytes; serve reads up to {MAX_BODY_BYTES:,}"
                return openai_error(413, message, "body_too_large")
            chunks, got = [], 0
            while got < length:
                try:
                    chunk = self.rfile.read1(min(CHUNK_BYTES, length - got))
                except OSError:
                    chunk = b""
                if not chunk:
                    server.log(f"{self._said()} -> client sent {got:,} of {length:,} bytes and stopped")
                    self.close_connection = True
                    return None
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        def _said(self) -> str:
            # A request line that could not be parsed leaves no method or path.
            method, path = self.__dict__.get("command") or "?", self.__dict__.get("path") or ""
            return printable(f"{method} {path.split('?')[0]}")

        def _send(self, answer: Answer) -> None:
            server.log(f"{self._said()} -> {answer.log}")
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            head_only = self.__dict__.get("command") == "HEAD"
            if answer.is_stream and not head_only:
                self._stream(answer.body)
                return
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(answer.body)

        def _stream(self, body: bytes) -> None:
            # Event by event, flushed, as the provider sent it; the end of the
            # stream is the end of the connection (HTTP/1.0, no length).
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            for event in body.split(b"\n\n"):
                if event.strip():
                    self.wfile.write(event + b"\n\n")
                    self.wfile.flush()
            self.close_connection = True

    return Handler
