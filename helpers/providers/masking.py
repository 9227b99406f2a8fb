"""Secrets kept out of what the probe prints: the key, pieces of it, and a URL's credentials.

A server may echo the key whole, or only part of it ("invalid key sk-pr...890"),
so every run of 4 or more characters of a secret is replaced with ``***``. A
base URL with ``user:password@`` in it is refused outright: the probe sends its
key as a bearer token, and a password in a URL ends up in logs and tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
MIN_PIECE = 4  # shorter runs match ordinary words too often to mean anything
_BOUND = 4000  # characters of a server's text looked at; far more than is ever shown


def mask(text: str, secrets: Iterable[str]) -> str:
    """The text with every run of 4+ characters of a secret (a shorter secret: whole) as ``***``.

    Args:
        text: Text from a server or an exception, clipped to its first 4000 characters.
        secrets: The key, and any credentials of the base URL.
    """
    text = str(text)[:_BOUND]
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK) if len(secret) < MIN_PIECE else _mask_pieces(text, secret)
    return text


def _mask_pieces(text: str, secret: str) -> str:
    """Replace, left to right, each longest run of ``text`` that is a piece of ``secret``."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = start
        while end < len(text) and text[start : end + 1] in secret:
            end += 1
        if end - start >= MIN_PIECE:
            out.append(MASK)
            start = end
        else:
            out.append(text[start])
            start += 1
    return "".join(out)


def url_secrets(url: str) -> list[str]:
    """A URL's user, password and query values of 4+ characters: what must never be shown.

    Shorter ones (``?api-version=1``) are left out: masking them would blank every
    ``1`` in the row, and the URL itself is only ever shown with them replaced.
    """
    try:
        parts = urlsplit(url)
        found = [parts.username or "", parts.password or ""]
        found += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    except ValueError:
        return [url]
    return [value for value in found if len(value) >= MIN_PIECE]


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be probed (not http(s), no host, credentials in it), or None.

    The reason never quotes the URL, which may hold a password.

    Example:
        >>> base_url_problem("http://user:pw@localhost:8000/v1")
        'must not carry credentials (user:password@): give the key with --key-env instead'
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return "is not a URL (expected e.g. http://localhost:8000/v1)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1"
    if "@" in parts.netloc:
        return "must not carry credentials (user:password@): give the key with --key-env instead"
    return None
