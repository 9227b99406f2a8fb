"""The listening side of ``python -m helpers serve``: a cap on connections, and a deadline on each.

A thread answers each connection, and at most ``MAX_CLIENTS`` at once. When
all are taken, a newcomer takes the slot of the oldest connection that has not
sent a request line yet (a client that connects and waits holds nobody up);
when every one is busy answering, it gets a 503 in the API's format straight
from the accepting loop, with no thread. Every connection is cut
``CONNECTION_SECONDS`` after it was accepted, so a client that trickles a byte
at a time (and so never waits long enough for the handler's idle timeout)
cannot hold its thread either.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .answer import openai_error

MAX_CLIENTS = 64
CONNECTION_SECONDS = 30.0
# A refused connection is kept open this long at most, so that its 503 is read before the close.
LINGER_SECONDS = 1.0
MAX_REFUSED = 1024
# How long a newcomer waits for the slot of a silent connection it had dropped.
ROOM_SECONDS = 0.5
CHUNK_BYTES = 64 * 1024
LOGGED_CHARS = 200

Log = Callable[[str], None]


def printable(text: str, limit: int = LOGGED_CHARS) -> str:
    """Client text made safe for a terminal: control characters escaped, and cut to ``limit`` characters."""
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


class Listener(ThreadingHTTPServer):
    """A threading HTTP server with a cap on connections and a deadline on each."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], log: Log) -> None:
        """Listen on ``address`` (127.0.0.1 only, from ``ReplayServer``), logging each refusal to ``log``."""
        self.log = log
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._deadlines: dict[socket.socket, float] = {}
        self._guard = threading.Lock()
        self._refused: list[tuple[socket.socket, float]] = []  # answered, closed once the client is done
        self._silent: dict[socket.socket, None] = {}  # connections yet to send a request line, oldest first
        # Set first: a port that cannot be bound calls server_close() from inside __init__.
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a thread, or refuse it at once when every slot is taken."""
        if not self._slots.acquire(blocking=False) and not self._make_room():
            self._refuse(request)
            return
        with self._guard:
            self._deadlines[request] = time.monotonic() + CONNECTION_SECONDS
            self._silent[request] = None
        try:
            super().process_request(request, client_address)
        except Exception:  # no thread could be started: free its slot here
            self._release(request)
            raise
        # Not on KeyboardInterrupt: Ctrl-C can land while the started thread is already answering,
        # and that thread frees the slot itself.

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Answer one connection, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request: Any) -> None:
        """Forget a connection's deadline and free its slot."""
        with self._guard:
            self._deadlines.pop(request, None)
            self._silent.pop(request, None)
        self._slots.release()

    def spoke(self, request: Any) -> None:
        """Note that a connection sent its request line: it is no longer one to drop for a newcomer."""
        with self._guard:
            self._silent.pop(request, None)

    def _make_room(self) -> bool:
        """Drop the oldest connection that has sent nothing yet, and take its slot; False if none."""
        with self._guard:
            oldest = next(iter(self._silent), None)
            if oldest is None:
                return False
            del self._silent[oldest]
        with contextlib.suppress(OSError):  # its thread reads the end of the stream and frees its slot
            oldest.shutdown(socket.SHUT_RDWR)
        return self._slots.acquire(timeout=ROOM_SECONDS)

    def _refuse(self, request: socket.socket) -> None:
        """Answer a connection over the cap with a 503, without a thread; ``service_actions`` closes it."""
        answer = openai_error(503, f"serve answers {MAX_CLIENTS} clients at once; try again", "server_busy")
        head = "HTTP/1.0 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n"
        length = f"content-length: {len(answer.body)}\r\n\r\n"
        try:
            request.setblocking(False)
            request.sendall((head + length).encode("ascii") + answer.body)  # a few hundred bytes: never waits
            request.shutdown(socket.SHUT_WR)
        except OSError:
            request.close()
            return
        self.log(f"(a connection) -> {answer.log}")
        # Closed now, a socket with the request unread would be reset, and the client could lose the answer.
        self._refused.append((request, time.monotonic() + LINGER_SECONDS))

    def _close_refused(self, now: float) -> None:
        """Read and drop what refused clients send; close each once it is done, or at its deadline."""
        waiting = []
        for sock, deadline in self._refused:
            try:
                done = not sock.recv(CHUNK_BYTES)
            except BlockingIOError:
                done = False
            except OSError:
                done = True
            if done or now > deadline or len(self._refused) > MAX_REFUSED:
                sock.close()
            else:
                waiting.append((sock, deadline))
        self._refused = waiting

    def server_close(self) -> None:
        """Stop listening, and close the refused connections still open."""
        super().server_close()
        for sock, _ in self._refused:
            sock.close()
        self._refused = []

    def service_actions(self) -> None:
        """Cut connections past their deadline (a client that trickles bytes never hits the idle timeout)."""
        now = time.monotonic()
        self._close_refused(now)
        with self._guard:
            overdue = [sock for sock, deadline in self._deadlines.items() if deadline < now]
            for sock in overdue:
                del self._deadlines[sock]
        for sock in overdue:
            with contextlib.suppress(OSError):  # its thread's next read or write fails, and it ends
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed (reset, timed out, cut) costs one log line, never a traceback."""
        error = sys.exc_info()[1]
        self.log(f"serve: a connection ended early: {printable(type(error).__name__ + ': ' + str(error))}")
