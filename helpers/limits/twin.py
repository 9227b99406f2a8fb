"""An ``AsyncOpenAI`` that sends through a sync client's connection: ``async_twin``.

Agent frameworks (openai-agents, lesson 17) want an ``openai.AsyncOpenAI``. A
lesson has one ``openai.OpenAI``, wired to its cassette, its log of exchanges
and its limits. The twin hands every request to that client's httpx2 client in
a worker thread, so what the framework sends is replayed, recorded, logged and
bounded exactly as the lesson's own requests are.
"""

from __future__ import annotations

import asyncio

import httpx2
import openai

from .bounds import DEFAULT_MAX_BYTES, DEFAULT_SECONDS, BoundedTransport, Limits
from .clients import _BOUNDED, _ClientTransport

# The response headers that describe the wire encoding: the twin hands on the decoded body.
_WIRE_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


class RequestTooLarge(ValueError):
    """A request body larger than the twin hands on."""


class _ThreadTransport(httpx2.AsyncBaseTransport):
    """Sends each async request through a sync httpx2 client, in a worker thread."""

    def __init__(self, client: httpx2.Client, max_request_bytes: int) -> None:
        self._client = client
        self._max_request_bytes = max_request_bytes

    async def _body(self, request: httpx2.Request) -> bytes:
        """The request's body, refused past the byte cap."""
        chunks, size = [], 0
        async for chunk in request.stream:  # type: ignore[union-attr]
            size += len(chunk)
            if size > self._max_request_bytes:
                raise RequestTooLarge(f"request body over {self._max_request_bytes} bytes: {request.url}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        """One exchange on the sync client; its bounds read the whole body."""
        response = self._client.send(request)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _WIRE_HEADERS]
        return httpx2.Response(response.status_code, headers=headers, content=response.content)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await self._body(request)
        sync = httpx2.Request(request.method, request.url, headers=request.headers, content=body)
        return await asyncio.to_thread(self._send, sync)


def async_twin(client: openai.OpenAI, limits: Limits | None = None) -> openai.AsyncOpenAI:
    """An ``AsyncOpenAI`` with ``client``'s key, address, retries and timeout, sending through it.

    Every request goes through ``client``'s own httpx2 client: a lesson's
    cassette answers it in replay, records it in record mode, and its log
    (``exchanges()``) shows it. A streamed answer arrives whole, then is read
    as a stream.

    Args:
        client: The sync client to send through; it is not changed.
        limits: Time and size allowed per call, for a client not already
            bounded (the lessons' client is, and keeps its own); by default
            ``DEFAULT_SECONDS`` and 64 MiB. Request bodies are capped at the same size.

    Returns:
        The async twin; closing it leaves ``client`` open.

    Example:
        >>> agents.set_default_openai_client(async_twin(client))  # doctest: +SKIP
    """
    limits = limits or Limits(DEFAULT_SECONDS, DEFAULT_MAX_BYTES)
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, such as Limits(60), not {limits!r}")
    own = getattr(client, "_client", None)  # the SDK exposes its httpx2 client to subclasses only
    if not isinstance(own, httpx2.Client):
        raise TypeError(f"async_twin needs an openai.OpenAI client, not {type(client).__name__}")
    if own not in _BOUNDED:
        own = httpx2.Client(transport=BoundedTransport(limits, _ClientTransport(own)))
    transport = _ThreadTransport(own, limits.max_bytes)
    return openai.AsyncOpenAI(
        api_key=client.api_key,
        base_url=client.base_url,
        max_retries=client.max_retries,
        timeout=client.timeout,
        http_client=openai.DefaultAsyncHttpx2Client(transport=transport),
    )
