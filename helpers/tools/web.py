"""Reading a web page for a model: lesson 11's ``fetch_page`` and the checks behind it.

A page is text written by strangers, and the address comes from the model, so
the reader refuses what it should never do: an address ``parse_url`` refuses
(anything but one line of http or https, so no ``file://``), a host outside an
allow-list when one is given, any address that is not public (the module
docstring of ``helpers/tools/address.py`` says why), a body that is not text
or comes compressed, more than ``MAX_BYTES``, and more than ``TIMEOUT``
seconds in all. Every redirect is checked as if the model had asked for it.
Every failure is a ``PageError`` with one line that says what was refused.

To read a server on your own machine or network on purpose (a test page on
``127.0.0.1``), pass ``allowed_networks=["127.0.0.1/32"]`` to ``fetch_text``,
or set this module's ``ALLOWED_NETWORKS``, which ``fetch_page`` uses. Both are
empty by default.

``fetch_page`` is an ``@observation`` tool: in replay its results come from the
cassette's tape and no request leaves the machine. Lesson 11 uses it to show
prompt injection through a web page.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Collection
from http import HTTPStatus
from urllib.parse import urljoin

import httpcore2
import httpx2

from .address import IPAddress, PageError, Target, check_address, host_form, networks, parse_url
from .connect import PinnedBackend, resolve
from .tape import observation

__all__ = ["PageError", "check_url", "fetch_allowed_page", "fetch_page", "fetch_text"]

MAX_BYTES = 100_000
TIMEOUT = 10.0
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml")
ALLOWED_NETWORKS: tuple[str, ...] = ()  # non-public networks fetch_page may read: none
_HEADERS = {"accept": "text/html, text/plain;q=0.9", "accept-encoding": "identity"}
_NETWORK_ERRORS = (httpcore2.TimeoutException, httpcore2.NetworkError, httpcore2.ProtocolError)


def _allowed(allowed_hosts: Collection[str] | None) -> set[str] | None:
    """The allow-list in lower case; TypeError for one string, which would be read letter by letter."""
    if allowed_hosts is None:
        return None
    hosts = None if isinstance(allowed_hosts, (str, bytes)) else tuple(allowed_hosts)
    if hosts is None or not all(isinstance(host, str) for host in hosts):
        raise TypeError(
            "allowed_hosts must be a collection of host names, such as ('memory-tips.example',), "
            f"not {allowed_hosts!r}"
        )
    return {host_form(host) for host in hosts}  # "Bücher.example." matches xn--bcher-kva.example


def _check(target: Target, allowed: set[str] | None, allowed_networks: Collection[str]) -> Target:
    """``target`` once its host passed the allow-list, and the address check if it is an IP or localhost."""
    if allowed is not None and target.host not in allowed:
        shown = ", ".join(sorted(allowed)) or "none"
        raise PageError(f"{target.host} is not a site this tool may read (allowed: {shown})")
    if target.host == "localhost" or target.host.endswith(".localhost"):
        check_address(target.host, ipaddress.ip_address("127.0.0.1"), allowed_networks)
    try:
        ip = ipaddress.ip_address(target.host)
    except ValueError:
        return target  # a name: checked once resolved
    check_address(target.host, ip, allowed_networks)
    return target


def check_url(
    url: str, allowed_hosts: Collection[str] | None = None, allowed_networks: Collection[str] = ()
) -> str:
    """Refuse an address the reader must not fetch, before anything is resolved or sent.

    A host written as an IP address, in any spelling, is checked here, and
    ``localhost`` by name; any other name is checked again by ``fetch_text``
    once resolved, since only then is its address known.

    Args:
        url: The address, as the model wrote it.
        allowed_hosts: The only host names that may be read (a tuple or set,
            never one string); None allows any public host.
        allowed_networks: Non-public networks that may be read all the same,
            such as ``["127.0.0.1/32"]`` for a test server.

    Returns:
        The host, in lower case (IDNA-encoded; an IP address as Python writes it).

    Raises:
        PageError: A malformed or non-http(s) address, a host outside the
            allow-list, or an address that is not public.
        TypeError: ``allowed_hosts`` or ``allowed_networks`` given as one string.
    """
    allowed = _allowed(allowed_hosts)
    networks(allowed_networks)
    return _check(parse_url(url), allowed, allowed_networks).host


def _addresses(target: Target, allowed_networks: Collection[str], deadline: float) -> list[IPAddress]:
    """The addresses to connect to for ``target``: all of them checked, or PageError."""
    try:
        found = [ipaddress.ip_address(target.host)]
    except ValueError:
        found = resolve(target.host, target.port, deadline)
    for ip in found:  # any non-public one refuses the name: the attacker may choose the order
        check_address(target.host, ip, allowed_networks)
    return found


def _header(response: httpcore2.Response, name: bytes) -> str:
    """A response header's value (the first, if repeated), or ""."""
    value = next((v for k, v in response.headers if k.lower() == name), b"")
    return value.decode("latin-1").strip()


def _encoding(content_type: str) -> str:
    """The charset named in a Content-Type if Python knows it as a text encoding, else UTF-8.

    Pages name charsets that do not exist, and ``charset=base64`` names a codec
    that is not text; a browser shows such a page anyway, so the reader does too.
    """
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            name = value.strip().strip("\"'")
            try:
                b"x".decode(name, "replace")  # LookupError for an unknown name or a codec that is not text
            except LookupError:
                return "utf-8"
            return name
    return "utf-8"


def _read_text(response: httpcore2.Response, max_bytes: int) -> str:
    """The body as text, cut after ``max_bytes`` bytes with a note saying so."""
    content_type = _header(response, b"content-type") or "text/plain"
    kind = content_type.split(";")[0].strip().lower()
    if not kind.startswith(TEXT_TYPES):
        raise PageError(f"the page is {kind[:80]}, not text")
    coding = _header(response, b"content-encoding").lower()
    if coding not in ("", "identity"):
        raise PageError(f"the page came compressed ({coding[:40]}), which this reader does not unpack")
    body = bytearray()
    for chunk in response.iter_stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            break
    text = bytes(body[:max_bytes]).decode(_encoding(content_type), errors="replace")
    return text + (f"\n[cut: the page is longer than {max_bytes:,} bytes]" if len(body) > max_bytes else "")


def _phrase(status: int) -> str:
    """The standard reason phrase of a status (the server's own is not shown: a stranger wrote it)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _get(pool: httpcore2.ConnectionPool, target: Target, max_bytes: int) -> tuple[str | None, str]:
    """One request: ``(location, "")`` for a redirect, else ``(None, text)``."""
    url = httpcore2.URL(scheme=target.scheme, host=target.host, port=target.port, target=target.path)
    with pool.stream("GET", url, headers=_HEADERS) as response:
        if response.status in (301, 302, 303, 307, 308):
            location = _header(response, b"location")
            if not location:
                raise PageError(f"the site answered {response.status} without saying where to go")
            return location, ""
        if response.status >= 400:
            raise PageError(f"the site answered {response.status} {_phrase(response.status)}".rstrip())
        return None, _read_text(response, max_bytes)


def _check_limits(timeout: float, max_bytes: int) -> None:
    """ValueError for a limit that would bound nothing (0, negative, NaN, infinite, not a number)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a number of seconds above 0, not {timeout!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a whole number above 0, not {max_bytes!r}")


def fetch_text(
    url: str,
    *,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    allowed_hosts: Collection[str] | None = None,
    allowed_networks: Collection[str] | None = None,
) -> str:
    """Fetch a page's text, checking every address on the way (redirects included).

    Args:
        url: An http:// or https:// address.
        timeout: Seconds for the whole fetch: resolving, connecting, every
            redirect, headers and body.
        max_bytes: Bytes kept from the body; a longer page is cut, with a note saying so.
        allowed_hosts: The only host names that may be read (never one string); None allows any.
        allowed_networks: Non-public networks that may be read all the same;
            None means the module's ``ALLOWED_NETWORKS`` (none).

    Returns:
        The page's text.

    Raises:
        PageError: A refused address, a redirect to one, an error status, a body
            that is not text, a timeout, or a network error.
        TypeError: ``allowed_hosts`` or ``allowed_networks`` given as one string.
        ValueError: ``timeout`` or ``max_bytes`` not above 0.
    """
    _check_limits(timeout, max_bytes)
    allowed = _allowed(allowed_hosts)
    allowed_networks = ALLOWED_NETWORKS if allowed_networks is None else allowed_networks
    networks(allowed_networks)
    deadline = time.monotonic() + timeout
    pinned: dict[str, list[IPAddress]] = {}
    backend = PinnedBackend(pinned, deadline)
    with httpcore2.ConnectionPool(ssl_context=httpx2.create_ssl_context(), network_backend=backend) as pool:
        for _ in range(MAX_REDIRECTS + 1):
            target = _check(parse_url(url), allowed, allowed_networks)
            pinned[target.host] = _addresses(target, allowed_networks, deadline)
            try:
                location, text = _get(pool, target, max_bytes)
            except httpcore2.TimeoutException:  # no operation has a timeout of its own: the deadline passed
                raise PageError(f"the page did not arrive within {timeout:g} s") from None
            except _NETWORK_ERRORS as err:
                raise PageError(f"the page could not be read: {type(err).__name__}") from err
            if location is None:
                return text
            url = urljoin(url, location)
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
