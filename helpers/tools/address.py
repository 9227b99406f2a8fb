"""Which web addresses a model may make the reader fetch: the checks behind ``fetch_page``.

The address comes from the model, and the model reads strangers' text, so a
page can make it ask for anything. The main risk is **server-side request
forgery**: a request that leaves from your machine can reach what the internet
cannot, such as a server on ``127.0.0.1``, a router on ``192.168.0.1``, or a
cloud's metadata service on ``169.254.169.254`` (which hands out credentials).
So the reader reads only **public** addresses, unless the caller opts in to
named networks (``allowed_networks``, for a test server on loopback, say).

The URL is parsed here, once, and strictly: one line of printable text, http
or https, no ``user@`` part, a host name that IDNA accepts or an IP address.
IPv4 written the odd ways resolvers accept (``2130706433``, ``0x7f.1``,
``127.1``) is read the same way, so it is checked as the address it is.
A host name is resolved by the caller (``helpers.tools.web``), and every
address it resolves to is checked with ``check_address``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from typing import NamedTuple
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}
MAX_URL_CHARS = 2048
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", re.IGNORECASE)
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"  # kept as written; anything else is percent-encoded


class PageError(ValueError):
    """A page that the reader may not read, or could not read."""


class Target(NamedTuple):
    """A checked address: what to connect to, and what to ask for."""

    scheme: str
    host: str  # lower case, IDNA-encoded, no trailing dot; an IP address without brackets
    port: int
    path: str  # path and query, percent-encoded, starting with "/"


def _quoted(text: str, limit: int = 80) -> str:
    """Text as a quoted Python literal, cut to ``limit`` characters however its escapes grow."""
    shown = repr(text[:limit])
    return shown if len(shown) <= limit + 2 else shown[: limit + 1] + "…"


def _ipv4_number(text: str) -> int:
    """One part of an IPv4 address as resolvers read it: 0x hex, leading-zero octal, or decimal."""
    if text[:2].lower() == "0x":
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text.startswith("0"):
        return int(text, 8)
    return int(text)


def _ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written with numbers stands for, or None if its last label is a name."""
    labels = host.split(".")
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    try:
        numbers = [_ipv4_number(label) for label in labels]
    except ValueError:
        raise PageError(f"the host {_quoted(host)} is neither a name nor an IPv4 address") from None
    *first, last = numbers
    if len(numbers) > 4 or any(n > 255 for n in first) or last >= 256 ** (5 - len(numbers)):
        raise PageError(f"the host {_quoted(host)} is neither a name nor an IPv4 address")
    value = sum(n << (8 * (3 - i)) for i, n in enumerate(first)) + last
    return ipaddress.IPv4Address(value)


def host_form(raw: str) -> str:
    """A host in the one form that is checked and connected to: lower case, IDNA, no trailing dot."""
    host = raw.lower().removesuffix(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    ip = _ipv4(host)
    if ip is not None:
        return str(ip)
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise PageError(f"the host {_quoted(raw)} is not a valid host name") from None
    if not _HOST_NAME.fullmatch(host):
        raise PageError(f"the host {_quoted(raw)} is not a valid host name")
    return host


def parse_url(url: object) -> Target:
    """Read an address strictly into its parts.

    Args:
        url: The address, as the model wrote it.

    Returns:
        Its scheme, host, port and path.

    Raises:
        PageError: Not a string, too long, not one line of printable text, not
            http(s), a user name or password in it, or no valid host or port.
    """
    if not isinstance(url, str):
        raise PageError(f"the address must be a string, not {type(url).__name__}")
    if len(url) > MAX_URL_CHARS:
        raise PageError(f"the address is {len(url):,} characters long; at most {MAX_URL_CHARS:,} are read")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise PageError(f"the address {_quoted(url)} holds spaces or control characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # an unclosed "[" around an IPv6 address
        raise PageError(f"the address {_quoted(url)} is not a valid URL") from None
    if parts.scheme.lower() not in SCHEMES:
        raise PageError(f"only http:// and https:// addresses can be read, not {_quoted(url)}")
    if "@" in parts.netloc or "\\" in parts.netloc:
        raise PageError(f"the address {_quoted(url)} holds a user name or a backslash before its host")
    if not hostname:
        raise PageError(f"the address {_quoted(url)} names no host")
    try:
        port = parts.port if parts.port is not None else SCHEMES[parts.scheme.lower()]
    except ValueError:
        port = 0
    if not port:
        raise PageError(f"the address {_quoted(url)} has no valid port")
    query = f"?{parts.query}" if parts.query else ""
    path = quote((parts.path or "/") + query, safe=_PATH_SAFE)
    return Target(parts.scheme.lower(), host_form(hostname), port, path)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, or 6to4 2002::/16), if any."""
    if isinstance(ip, ipaddress.IPv6Address):
        return ip.ipv4_mapped or ip.sixtofour
    return None


# Ranges that are never the public internet (IANA's special-purpose registries), listed
# here because Python's ``is_global`` misses some of them, depending on its version.
_NOT_PUBLIC = [
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/8", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10",
        "fec0::/10", "ff00::/8",
    )
]  # fmt: skip


def is_public(ip: IPAddress) -> bool:
    """Whether an address is on the public internet: not loopback, private, link-local and the like.

    An IPv6 address that carries an IPv4 one (``::ffff:127.0.0.1``, or 6to4's
    ``2002::/16``) is judged by that IPv4 address too.
    """
    embedded = _embedded_ipv4(ip)
    if embedded is not None and not is_public(embedded):
        return False
    return ip.is_global and not any(ip in network for network in _NOT_PUBLIC)


def _kind(ip: IPAddress) -> str:
    """What a non-public address is, in words, for the error message."""
    ip = _embedded_ipv4(ip) or ip
    for test, word in [
        ("is_loopback", "a loopback address (this machine)"),
        ("is_link_local", "a link-local address (cloud metadata services live there)"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_private", "a private-network address"),
    ]:
        if getattr(ip, test):
            return word
    return "not a public address"


def networks(allowed: Collection[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``allowed_networks`` read as networks; TypeError or ValueError for a caller's mistake."""
    if isinstance(allowed, (str, bytes)):
        raise TypeError(f"allowed_networks must be a collection, such as ['127.0.0.1/32'], not {allowed!r}")
    return [ipaddress.ip_network(network) for network in allowed]


def check_address(host: str, ip: IPAddress, allowed_networks: Collection[str] = ()) -> None:
    """Refuse an address that is not public, unless it is in one of ``allowed_networks``.

    Raises:
        PageError: The address is loopback, private, link-local, multicast, reserved and so on.
    """
    if is_public(ip) or any(ip in network for network in networks(allowed_networks)):
        return
    shown = host if host == str(ip) else f"{host} ({ip})"
    raise PageError(f"{shown} is {_kind(ip)}; this reader reads only public addresses")
