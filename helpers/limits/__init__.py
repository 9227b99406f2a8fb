"""Bounds on an HTTP exchange, in total time and in bytes, for every client the helpers use.

``bounds.py`` has what other modules use (``Limits``, ``bounded_http_client``,
``bounded``, the errors); ``deadline.py`` cuts every socket wait to the time
left. This group imports nothing else from ``helpers``: the tools, the loop,
the lessons' client and the probe all build on it.
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
    bounded,
    bounded_http_client,
)

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
