"""Bounds on an HTTP exchange: at most so many seconds in all, at most so many bytes.

httpx2's timeouts bound each wait, not the whole: a server that sends one byte
every 0.1 s never lets a read time out, and nothing limits how much it sends.
``BoundedTransport`` bounds a whole exchange instead, from connecting to the
last byte of the body, headers included, and every retry the OpenAI SDK makes
of one call: past ``Limits.seconds`` it raises ``AnswerTooSlow``, past
``Limits.max_bytes`` of body ``AnswerTooLarge``. Both are OpenAI errors, which
the SDK raises as they are, without retrying (it retries a timeout).

How: every socket wait of its own connection pool is cut to the time left,
and every byte it reads is counted (``deadline.py``), so a trickled status
line is cut off at the deadline; and the body is counted and timed as it is
handed on (which also bounds a transport it wraps, a ``MockTransport`` say).

``clients.py`` makes OpenAI clients with it. This module imports nothing else
from ``helpers`` but ``deadline.py`` beside it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from .deadline import DeadlineBackend, Exchange, left, within

# The longest reply gpt-5-mini writes, 128,000 output tokens, streamed a token a
# chunk at ~330 bytes (the median in public recordings of OpenAI and DeepSeek
# streams) is ~42 MB; a reply read whole is several times smaller.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_SECONDS = 600.0  # the OpenAI SDK's own timeout, here for a whole call
SLICE = 4096  # bytes of body handed on between two looks at the clock
RETRY_HEADER = "x-stainless-retry-count"  # the SDK numbers the attempts of one call


class LimitExceeded(openai.APIConnectionError):
    """An exchange took longer or sent more than its ``Limits`` allow."""

    def __init__(self, message: str, request: httpx2.Request) -> None:
        openai.APIConnectionError.__init__(self, message=message, request=request)


class AnswerTooSlow(LimitExceeded, openai.APITimeoutError):
    """No complete answer within ``Limits.seconds``."""


class AnswerTooLarge(LimitExceeded):
    """An answer larger than ``Limits.max_bytes``."""


@dataclass(frozen=True)
class Limits:
    """How long one call may take in all, retries included, and how large its answer may be.

    Attributes:
        seconds: From sending the first attempt to the answer's last byte.
        max_bytes: The most bytes of one response body, as sent on the wire.
    """

    seconds: float
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        seconds, size = self.seconds, self.max_bytes
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < math.inf:
            raise ValueError(f"seconds must be a finite number above 0, not {seconds!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"max_bytes must be a whole number of bytes above 0, not {size!r}")


class _BoundedStream(httpx2.SyncByteStream):
    """A response body that stops at the deadline or past ``max_bytes``."""

    def __init__(
        self, response: httpx2.Response, request: httpx2.Request, limits: Limits, exchange: Exchange
    ):
        self._response, self._request = response, request
        self._limits, self._exchange = limits, exchange
        self.received = 0

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._response.stream.__iter__()
        while True:
            with _translated(self._request, self._limits, self._exchange), within(self._exchange):
                chunk = next(chunks, None)
            if chunk is None:
                return
            self.received += len(chunk)
            if self.received > self._limits.max_bytes:
                self.close()
                raise _too_large(self._request, self._limits)
            # In slices: a reader that takes its time over each (the SDK parsing
            # hundreds of events in a chunk) is checked against the deadline often.
            for start in range(0, len(chunk), SLICE):
                if left(self._exchange.deadline) <= 0:
                    self.close()
                    raise _too_slow(self._request, self._limits)
                yield chunk[start : start + SLICE]

    def close(self) -> None:
        self._response.close()


def _where(request: httpx2.Request) -> str:
    """The request's URL without a user, password or query, which may hold secrets."""
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"


def _too_slow(request: httpx2.Request, limits: Limits) -> AnswerTooSlow:
    return AnswerTooSlow(f"no complete answer within {limits.seconds:g} s from {_where(request)}", request)


def _too_large(request: httpx2.Request, limits: Limits) -> AnswerTooLarge:
    return AnswerTooLarge(f"answer larger than {limits.max_bytes:,} bytes from {_where(request)}", request)


@contextmanager
def _translated(request: httpx2.Request, limits: Limits, exchange: Exchange) -> Iterator[None]:
    """A failure once too much was read, or once the deadline has passed, is the limits' doing: say so."""
    try:
        yield
    except httpx2.TransportError as error:
        if exchange.too_large:
            raise _too_large(request, limits) from error
        if left(exchange.deadline) <= 0:
            raise _too_slow(request, limits) from error
        raise


class BoundedTransport(httpx2.BaseTransport):
    """An httpx2 transport that bounds each call in total time and each answer in bytes.

    The attempts of one OpenAI SDK call (numbered by its ``x-stainless-retry-count``
    header) share one deadline; any other request has its own. A retry that
    would start after the deadline fails at once, and a ``Retry-After`` longer
    than the time left gets ``x-should-retry: false`` added, so the SDK does not
    wait for it. The SDK's own back-off between attempts (under 1 s with its
    two default retries, at most 8 s) can still end past the deadline.

    Bodies are asked for uncompressed (``Accept-Encoding: identity``), and a
    compressed one is refused all the same: a few compressed kilobytes can
    unpack to gigabytes after the count was made.
    """

    def __init__(self, limits: Limits, inner: httpx2.BaseTransport | None = None, **options: Any) -> None:
        """Bound ``inner``, or a new ``httpx2.HTTPTransport(**options)`` whose sockets obey the deadline.

        Args:
            limits: The time and size allowed.
            inner: A transport to bound; only its bodies are bounded (its sockets
                are its own). Closing this transport closes it.
            **options: For the ``httpx2.HTTPTransport`` made when ``inner`` is None.
        """
        self.limits = limits
        if inner is None:
            inner = httpx2.HTTPTransport(**options)
            pool = inner._pool  # httpx2 makes the pool; its backend is the one place every socket wait passes
            pool._network_backend = DeadlineBackend(pool._network_backend)
        self._inner = inner
        self._calls = threading.local()  # when each thread's current SDK call began

    def _deadline(self, request: httpx2.Request) -> float:
        """When this request's call must be over: the first attempt's start plus ``seconds``."""
        if request.headers.get(RETRY_HEADER, "0") == "0" or not hasattr(self._calls, "started"):
            self._calls.started = time.monotonic()
        return self._calls.started + self.limits.seconds

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send the request, and answer with a body that keeps to the limits."""
        exchange = Exchange(self._deadline(request), self.limits.max_bytes)
        if left(exchange.deadline) <= 0:
            raise _too_slow(request, self.limits)
        request.headers["accept-encoding"] = "identity"
        with _translated(request, self.limits, exchange), within(exchange):
            response = self._inner.handle_request(request)
        if _announced(response.headers) > self.limits.max_bytes:
            response.close()
            raise _too_large(request, self.limits)
        coding = response.headers.get("content-encoding", "").strip().lower()
        if coding not in ("", "identity"):  # unpacked above this count, a 200 KB gzip became 800 MB
            response.close()
            raise AnswerTooLarge(
                f"answer compressed ({coding[:40]}) though asked for uncompressed, "
                f"so its size cannot be bounded, from {_where(request)}",
                request,
            )
        headers = httpx2.Headers(response.headers)
        if _wait(headers) > left(exchange.deadline):
            headers["x-should-retry"] = "false"
        stream = _BoundedStream(response, request, self.limits, exchange)
        return httpx2.Response(
            response.status_code, headers=headers, stream=stream, extensions=response.extensions
        )

    def close(self) -> None:
        """Close the transport underneath."""
        self._inner.close()


def _announced(headers: httpx2.Headers) -> int:
    """The body's size as its ``Content-Length`` announces it; 0 if none (or nonsense: then it is counted)."""
    length = headers.get("content-length", "")
    return int(length) if length.isdigit() else 0


def _wait(headers: httpx2.Headers) -> float:
    """The seconds a ``Retry-After`` (or ``retry-after-ms``) asks the client to wait; 0 if none."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers.get(name, "")) * scale
        except ValueError:
            continue
    return 0.0
