"""OpenAI clients whose every call keeps to ``Limits``: ``bounded_http_client`` and ``bounded``.

Use ``bounded_http_client(limits)`` as a client's ``http_client``, or
``with bounded(client, limits) as client:`` to bound any OpenAI client for a
while (the loops do).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import openai

from .bounds import BoundedTransport, Limits

_BOUNDED: weakref.WeakSet[httpx2.Client] = weakref.WeakSet()  # the clients bounded_http_client made


def bounded_http_client(
    limits: Limits, transport: httpx2.BaseTransport | None = None, **options: Any
) -> httpx2.Client:
    """An ``http_client`` for ``openai.OpenAI`` whose every call keeps to ``limits``.

    Args:
        limits: The time and size allowed per call.
        transport: A transport to bound instead of the network's (a replay's, say).
        **options: For ``openai.DefaultHttpx2Client`` (``event_hooks``, say).

    Returns:
        The SDK's default client (its timeouts, connection limits and redirects), bounded.

    Example:
        >>> client = openai.OpenAI(http_client=bounded_http_client(Limits(60)))  # doctest: +SKIP
    """
    mounts = _proxies(limits) if transport is None else {}
    client = openai.DefaultHttpx2Client(
        transport=BoundedTransport(limits, transport), mounts=mounts, **options
    )
    _BOUNDED.add(client)
    return client


def _proxies(limits: Limits) -> dict[str, httpx2.BaseTransport | None]:
    """The proxies ``HTTPS_PROXY``, ``NO_PROXY``... name, bounded (httpx2 drops them given a transport)."""
    from httpx2._utils import get_environment_proxies  # httpx2's own reading of them, not exported

    found = get_environment_proxies()
    return {
        pattern: None if url is None else BoundedTransport(limits, proxy=url)
        for pattern, url in found.items()
    }


class _ClientTransport(httpx2.BaseTransport):
    """Sends through a caller's own httpx2 client (its transport, proxies and hooks), never closing it."""

    def __init__(self, client: httpx2.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._client.send(request, stream=True)
        if not response.is_stream_consumed:
            return response
        # One of the client's hooks read the body: hand on what it read, decoded.
        headers = [
            (k, v) for k, v in response.headers.items() if k not in ("content-encoding", "content-length")
        ]
        return httpx2.Response(response.status_code, headers=headers, content=response.content)


@contextmanager
def bounded(client: openai.OpenAI, limits: Limits) -> Iterator[openai.OpenAI]:
    """A copy of ``client`` whose every call keeps to ``limits``, for the duration of the block.

    A client made without ``http_client`` gets ``bounded_http_client(limits)``,
    which bounds everything, headers included. A client with its own
    ``http_client`` keeps it, and its answers' bodies are bounded; its headers
    are bounded only by its own timeouts. A client whose ``http_client`` is a
    ``bounded_http_client`` (the lessons' client is) is used as it is, with its own limits.

    Args:
        client: Any OpenAI client; it is not changed, and its connections are not closed.
        limits: The time and size allowed per call.

    Yields:
        The bounded copy.

    Raises:
        TypeError: ``limits`` is not a ``Limits``.
    """
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, such as Limits(60), not {limits!r}")
    own = getattr(client, "_client", None)  # the SDK exposes its httpx2 client to subclasses only
    if not isinstance(own, httpx2.Client) or own in _BOUNDED:  # a test's stand-in, or bounded already
        yield client
        return
    if type(own).__name__ == "SyncHttpxClientWrapper":  # the SDK made it: nothing of the caller's to keep
        http = bounded_http_client(limits)
    else:
        http = httpx2.Client(transport=BoundedTransport(limits, _ClientTransport(own)))
    try:
        # A copy forgets strict validation unless told (openai 3.54).
        strict = {"_strict_response_validation": client._strict_response_validation}
        yield client.with_options(http_client=http, _extra_kwargs=strict)
    finally:
        http.close()
