"""The HTTP side of ``python -m helpers serve``: a loopback server that answers from a ``Replay``.

Any method on any path is handed to the replay, which decides. JSON goes back
with its recorded status and content type; a recorded ``text/event-stream``
body goes back as a stream, event by event. Request headers are read for the
content type only: an ``Authorization`` header is accepted and never looked at,
kept or logged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .serve_replay import Replay

# How often the server checks for shutdown(): stopping takes at most this long.
POLL_SECONDS = 0.05

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
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
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
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: ``ReplayServer.log`` gets one line per request instead."""

        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = server.replay.answer(self.command, self.path, self.headers.get("content-type", ""), body)
            server.log(f"{self.command} {self.path.split('?')[0]} -> {answer.log}")
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.is_stream:
                self._stream(answer.body)
            else:
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
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

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any  # noqa: N815

    return Handler
