"""A loopback HTTP server that answers slowly or without end, for the tests of ``helpers.limits``."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

TRICKLE = 0.1  # seconds between two bytes of a trickled answer
GIVE_UP = 10.0  # seconds after which a handler stops sending, whatever the client does
ENDLESS = 64 * 1024 * 1024  # bytes after which an "endless" answer stops: a client that took them all failed
BLOCK = 64 * 1024
SSE_CHUNK = {
    "id": "chatcmpl-endless",
    "object": "chat.completion.chunk",
    "created": 1758770581,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}],
}


def _head(content_type: str = "application/json", length: int | None = None) -> bytes:
    sized = f"content-length: {length}\r\n" if length is not None else "connection: close\r\n"
    return f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{sized}\r\n".encode()


def _answers(attack: str) -> Iterator[bytes]:
    """What the server sends for each attack, piece by piece (each piece is sent at once)."""
    if attack == "headers":  # a status line and headers that never end
        for byte in b"HTTP/1.1 200 OK\r\n" + b"x-slow: " + b"a" * 10_000:
            yield bytes([byte])
            time.sleep(TRICKLE)
    elif attack == "body":  # headers at once, then a JSON body of spaces, one a tick
        yield _head()
        for _ in range(10_000):
            yield b" "
            time.sleep(TRICKLE)
    elif attack == "endless":  # a body as fast as the client takes it
        yield _head()
        for _ in range(ENDLESS // BLOCK):
            yield b" " * BLOCK
    elif attack == "sse":  # a stream of valid chunks that never finishes
        yield _head("text/event-stream")
        event = f"data: {json.dumps(SSE_CHUNK)}\n\n".encode()
        for _ in range(ENDLESS // BLOCK):
            yield event * (BLOCK // len(event))
    elif attack == "huge-length":  # announces a terabyte
        yield _head(length=10**12) + b"{"
    elif attack == "gzip-bomb":  # ~64 KiB on the wire: gzip, unasked for, of 64 MiB of spaces
        yield _head().replace(b"\r\n\r\n", b"\r\ncontent-encoding: gzip\r\n\r\n")
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
        for _ in range(ENDLESS // BLOCK):
            yield packer.compress(b" " * BLOCK)
        yield packer.flush()
    else:
        raise ValueError(f"unknown attack {attack!r}")


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.settimeout(GIVE_UP)
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 1_000_000:
            piece = connection.recv(BLOCK)
            if not piece:
                return
            request += piece
        self.server.requests += 1  # type: ignore[attr-defined]
        stop = time.monotonic() + GIVE_UP
        try:
            for piece in _answers(self.server.attack):  # type: ignore[attr-defined]
                connection.sendall(piece)
                self.server.sent += len(piece)  # type: ignore[attr-defined]
                if time.monotonic() > stop:
                    return
        except OSError:
            return  # the client gave up: what the tests want


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def hostile_server(attack: str) -> Iterator[_Server]:
    """A server on 127.0.0.1 that answers every request with ``attack``; ``.url`` is its base URL.

    ``.requests`` counts the requests it read, ``.sent`` the bytes it sent.
    """
    server = _Server(("127.0.0.1", 0), _Handler)
    server.attack, server.requests, server.sent = attack, 0, 0  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
