"""The reader's connections: only to addresses already checked, and all within one deadline.

Checking a host name and then letting the HTTP library resolve it again leaves
a gap: a name can resolve to a public address for the check and to
``127.0.0.1`` a moment later for the connection ("DNS rebinding"). So the name
is resolved once, here, every address is checked, and ``PinnedBackend`` (an
httpcore2 network backend) connects only to those addresses. The URL keeps
the host name, so the ``Host`` header and TLS (SNI and the certificate check)
still use the name.

A timeout per socket operation does not bound a fetch: a server that sends one
byte every 0.1 s never lets a read wait long. So every connect, read, write
and TLS handshake gets only what is left of one deadline, and fails once it
has passed. Name resolution has no timeout of its own, so it runs in a
thread that is waited for only until the deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpcore2

from .address import IPAddress, PageError


class DeadlinePassed(httpcore2.TimeoutException):
    """The fetch's deadline passed during a network operation."""


def remaining(deadline: float, timeout: float | None = None) -> float:
    """Seconds left before ``deadline`` (at most ``timeout``); DeadlinePassed if none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("the deadline passed")
    return left if timeout is None else min(left, timeout)


def resolve(host: str, port: int, deadline: float) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, waiting until ``deadline`` at most.

    Raises:
        PageError: The name does not resolve, or not before the deadline.
    """
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as err:
            found.append(err)

    # A daemon thread: a resolver that hangs is left behind, and cannot keep Python from exiting.
    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(max(deadline - time.monotonic(), 0))
    if not found:
        raise PageError(f"the name {host} could not be resolved in time")
    if isinstance(found[0], Exception):
        raise PageError(f"the name {host} could not be resolved: {type(found[0]).__name__}")
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found[0]]
    return list(dict.fromkeys(addresses))  # once each, in order


class _DeadlineStream(httpcore2.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, stream: httpcore2.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, remaining(self._deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, remaining(self._deadline, timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: Any = None) -> Any:
        tls = self._stream.start_tls(ssl_context, server_hostname, remaining(self._deadline, timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore2.NetworkBackend):
    """Connects to a host only at the addresses checked for it, within the deadline.

    Args:
        addresses: Each host name and the checked addresses it may be reached at.
        deadline: ``time.monotonic()`` value after which nothing more is sent or read.
    """

    def __init__(self, addresses: Mapping[str, list[IPAddress]], deadline: float) -> None:
        self.addresses = addresses
        self.deadline = deadline
        self._backend = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        """A stream to the first of ``host``'s checked addresses that answers."""
        error: Exception = httpcore2.ConnectError(f"no checked address for {host}")
        for ip in self.addresses.get(host, []):
            try:
                stream = self._backend.connect_tcp(
                    str(ip), port, remaining(self.deadline, timeout), local_address, socket_options
                )
            except httpcore2.ConnectError as err:
                error = err
                continue
            return _DeadlineStream(stream, self.deadline)
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        """Refused: the reader only reads over TCP."""
        raise httpcore2.ConnectError("the reader does not connect to Unix sockets")
