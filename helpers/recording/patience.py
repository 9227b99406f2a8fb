"""How long a lesson's client waits for an answer, and how often it tries: ``setup()``'s settings.

Replay makes one attempt (the cassette holds the answer or not). Live and
recording, a server gets the SDK's three attempts, each with ``LESSONS_TIMEOUT``,
and the whole call one deadline that holds even against a server that trickles
its answer (``helpers.limits``).
"""

from __future__ import annotations

from typing import Any

import httpx2

from ..limits import DEFAULT_MAX_BYTES, Limits
from ..settings import Settings

LIVE_RETRIES = 2  # the SDK's default: 3 attempts in all
CONNECT_SECONDS = 5.0  # the SDK's default time to connect
BACKOFF_SECONDS = 1.5  # the SDK's longest waits before its two retries, 0.5 s and 1 s


def client_options(settings: Settings) -> dict[str, Any]:
    """How long a request may take and how often it is tried, for the client's constructor.

    In replay a cassette holds the answer or it does not: one attempt, and the
    SDK's timeouts, since nothing goes over the network. Live and recording,
    a server that never answers is given up on after at most
    ``attempts × (connect + timeout) + back-off`` = 3 × (5 + 30) + 0.5 + 1.0
    ≈ 107 s with the default ``LESSONS_TIMEOUT`` of 30 s, within about two
    minutes, instead of the SDK's 3 × 600 s. A server that answers 429 or 5xx
    with ``Retry-After`` adds the wait it asks for (the SDK honours up to 120 s).
    """
    if settings.mode == "replay":
        return {"max_retries": 0}
    timeout = httpx2.Timeout(settings.timeout, connect=min(CONNECT_SECONDS, settings.timeout))
    return {"max_retries": LIVE_RETRIES, "timeout": timeout}


def call_limits(settings: Settings) -> Limits:
    """The ~107 s above as one deadline per call, which holds even if the server trickles its answer."""
    attempts, connect = LIVE_RETRIES + 1, min(CONNECT_SECONDS, settings.timeout)
    return Limits(attempts * (connect + settings.timeout) + BACKOFF_SECONDS, DEFAULT_MAX_BYTES)
