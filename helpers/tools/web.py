"""Reading a web page for a model: lesson 11's ``fetch_page`` and the checks behind it.

A page is text written by strangers, and the address comes from the model, so
the reader refuses what it should never do: any scheme but http and https
(no ``file://``), a host outside an allow-list when one is given (redirects
included), a body that is not text, more than ``MAX_BYTES``, and more than
``TIMEOUT`` seconds. ``fetch_page`` is an ``@observation`` tool: in replay its
results come from the cassette's tape and no request leaves the machine.
Lesson 11 uses it to show prompt injection through a web page.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from urllib.parse import urlsplit

import httpx2

from .tape import observation

MAX_BYTES = 100_000
TIMEOUT = 10.0
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml")


class PageError(ValueError):
    """A page that the reader may not read, or could not read."""


def check_url(url: str, allowed_hosts: Collection[str] | None = None) -> str:
    """Refuse an address the reader must not fetch.

    Args:
        url: The address, as the model wrote it.
        allowed_hosts: The only host names that may be read; None allows any.

    Returns:
        The address's host name.

    Raises:
        PageError: Not http(s), no host, or a host that is not allowed.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise PageError(f"only http:// and https:// addresses can be read, not {url[:80]!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise PageError(f"the address {url[:80]!r} names no host")
    if allowed_hosts is not None and host not in {h.lower() for h in allowed_hosts}:
        allowed = ", ".join(sorted(allowed_hosts)) or "none"
        raise PageError(f"{host} is not a site this tool may read (allowed: {allowed})")
    return host


def _read_capped(response: httpx2.Response, max_bytes: int, deadline: float) -> str:
    """The body as text, cut after ``max_bytes`` bytes; PageError past the deadline."""
    kind = response.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if not kind.startswith(TEXT_TYPES):
        raise PageError(f"the page is {kind}, not text")
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            break
        if time.monotonic() > deadline:
            raise PageError("the page took too long to arrive")
    text = bytes(body[:max_bytes]).decode(response.encoding or "utf-8", errors="replace")
    return text + (f"\n[cut: the page is longer than {max_bytes:,} bytes]" if len(body) > max_bytes else "")


def fetch_text(
    url: str,
    *,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    allowed_hosts: Collection[str] | None = None,
) -> str:
    """Fetch a page's text, checking every address on the way (redirects included).

    Args:
        url: An http:// or https:// address.
        timeout: Seconds for the whole fetch.
        max_bytes: Bytes kept from the body; a longer page is cut, with a note saying so.
        allowed_hosts: The only host names that may be read; None allows any.

    Returns:
        The page's text.

    Raises:
        PageError: A refused address, a redirect to one, an error status, a body
            that is not text, a timeout, or a network error.
    """
    deadline = time.monotonic() + timeout
    with httpx2.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, allowed_hosts)
            try:
                with client.stream("GET", url, headers={"accept": "text/html, text/plain;q=0.9"}) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers.get("location", "")))
                        continue
                    if response.status_code >= 400:
                        raise PageError(f"the site answered {response.status_code} {response.reason_phrase}")
                    return _read_capped(response, max_bytes, deadline)
            except httpx2.HTTPError as err:
                raise PageError(f"the page could not be read: {type(err).__name__}") from err
    raise PageError(f"more than {MAX_REDIRECTS} redirects")


@observation
def fetch_page(url: str) -> str:
    """Fetch a web page and return its text (at most 100,000 bytes).

    Args:
        url: The page's address, starting with http:// or https://.
    """
    return fetch_text(url)


@observation
def fetch_allowed_page(url: str, allowed_hosts: Collection[str]) -> str:
    """``fetch_page`` within an allow-list of hosts, redirects included (lesson 11's defended reader).

    Call ``check_url(url, allowed_hosts)`` first: in replay this function
    returns its taped result without checking anything.
    """
    return fetch_text(url, allowed_hosts=allowed_hosts)
