"""Every socket wait cut to the time left, every byte read counted: how ``limits`` stops a hostile server.

httpcore2 gives each socket read, write, connect and TLS handshake its own
timeout, which starts again at every byte, and reads as long as a server
sends. ``DeadlineBackend`` wraps its network backend (it has the methods of
``httpcore2.NetworkBackend``, whose import this module puts off, as httpx2
does) so that, inside ``with within(exchange):``, each of those waits at most
the time left before ``exchange.deadline``, and the bytes read count against
``exchange.max_bytes``, whoever reads them (vcrpy reads a whole body to
record it before the transport above sees any). This module imports nothing
else from ``helpers``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_local = threading.local()  # the exchanges this thread is in, innermost last


@dataclass
class Exchange:
    """One request and its answer: when it must be over, and how many bytes it may read."""

    deadline: float
    max_bytes: int
    received: int = 0

    @property
    def too_large(self) -> bool:
        """More bytes were read than allowed."""
        return self.received > self.max_bytes


def left(deadline: float) -> float:
    """The seconds from now to ``deadline`` (negative once it has passed)."""
    return deadline - time.monotonic()


@contextmanager
def within(exchange: Exchange) -> Iterator[None]:
    """Socket operations in this thread keep to ``exchange`` (and any exchange around it) in the block."""
    active = getattr(_local, "exchanges", [])
    _local.exchanges = [*active, exchange]
    try:
        yield
    finally:
        _local.exchanges = active


def _clamped(timeout: float | None) -> float | None:
    """The wait a socket operation may take: its own timeout, cut to the time left."""
    exchanges = getattr(_local, "exchanges", [])
    if not exchanges:
        return timeout
    remaining = min(left(exchange.deadline) for exchange in exchanges)
    if remaining <= 0:
        import httpcore2  # here: httpx2 itself imports it only once a connection pool is made

        raise httpcore2.ReadTimeout("the deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


def _counted(data: bytes) -> bytes:
    """``data``, counted against each exchange; refused once one has read too much."""
    exchanges = getattr(_local, "exchanges", [])
    for exchange in exchanges:
        exchange.received += len(data)
    if any(exchange.too_large for exchange in exchanges):
        import httpcore2

        raise httpcore2.ReadError("the answer is larger than allowed")
    return data


class _DeadlineStream:
    """A connection whose every read and write waits at most the time left, its reads counted."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _counted(self._stream.read(max_bytes, _clamped(timeout)))

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
    """httpcore2's own backend, with connections that keep to the exchange they are used in."""

    def __init__(self, backend: Any) -> None:
        """Wrap ``backend`` (a connection pool's ``_network_backend``)."""
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **options: Any) -> Any:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _clamped(timeout), **options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, **options: Any) -> Any:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _clamped(timeout), **options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
