"""Bounds on an HTTP exchange, in total time and in bytes, for every client the helpers use.

``bounds.py`` has ``Limits``, the errors and the transport that keeps to them,
``clients.py`` the OpenAI clients that use it, ``deadline.py`` the socket waits
cut to the time left; other modules import them from here. This group
imports nothing else from ``helpers``: the tools, the loop, the lessons'
client and the probe all build on it.
"""

from __future__ import annotations

from .bounds import (
    DEFAULT_MAX_BYTES,
    DEFAULT_SECONDS,
    AnswerTooLarge,
    AnswerTooSlow,
    BoundedTransport,
    LimitExceeded,
    Limits,
)
from .clients import bounded, bounded_http_client

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_SECONDS",
    "AnswerTooLarge",
    "AnswerTooSlow",
    "BoundedTransport",
    "LimitExceeded",
    "Limits",
    "bounded",
    "bounded_http_client",
]
