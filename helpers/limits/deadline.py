"""Every socket wait cut to the time left before a deadline: how ``limits`` stops a trickling server.

httpcore2 gives each socket read, write, connect and TLS handshake its own
timeout, which starts again at every byte. ``DeadlineBackend`` wraps its
network backend (it has the methods of ``httpcore2.NetworkBackend``, whose
import this module puts off, as httpx2 does) so that, inside ``with until(deadline):``, each of those waits
at most the time left, and none starts after the deadline. This module
imports nothing else from ``helpers``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_local = threading.local()  # the deadline of the exchange this thread is in, if any


def left(deadline: float) -> float:
    """The seconds from now to ``deadline`` (negative once it has passed)."""
    return deadline - time.monotonic()


def _clamped(timeout: float | None) -> float | None:
    """The wait a socket operation may take: its own timeout, cut to this thread's time left."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = left(deadline)
    if remaining <= 0:
        import httpcore2  # here: httpx2 itself imports it only once a connection pool is made

        raise httpcore2.ReadTimeout("the deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream:
    """A connection whose every read and write waits at most the time left."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamped(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamped(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _clamped(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend:
    """httpcore2's own backend, with connections that wait at most the time left."""

    def __init__(self, backend: Any) -> None:
        """Wrap ``backend`` (a connection pool's ``_network_backend``)."""
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **options: Any) -> Any:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _clamped(timeout), **options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, **options: Any) -> Any:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _clamped(timeout), **options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


@contextmanager
def until(deadline: float) -> Iterator[None]:
    """Socket operations in this thread wait at most until ``deadline`` inside the block."""
    outer = getattr(_local, "deadline", None)
    _local.deadline = deadline if outer is None else min(outer, deadline)
    try:
        yield
    finally:
        _local.deadline = outer
