"""fetch_page and its checks, against a page server on 127.0.0.1 (no other network).

The reader refuses non-public addresses by default, so every fetch from the
local page server opts in with ``allowed_networks=LOOPBACK``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any

import httpcore2
import pytest

from helpers.tools import connect, web
from helpers.tools.tape import Tape, use_tape
from helpers.tools.web import PageError, check_url, fetch_allowed_page, fetch_page, fetch_text

LOOPBACK = ["127.0.0.0/8"]
PUBLIC_ONLY = "; this reader reads only public addresses"
SCHEMES = "only http:// and https:// addresses can be read, not"
CONTROL = "holds spaces or control characters"
TIPS = "<p>Close tabs. Ünïcode kept.</p>"
PAGES = {
    "/tips": (200, "text/html; charset=utf-8", TIPS.encode()),
    "/big": (200, "text/plain", b"x" * 50),
    "/image": (200, "image/png", b"\x89PNG"),
    "/missing": (404, "text/plain", b"no"),
    "/base64": (200, "text/plain; charset=base64", "plain ü".encode()),
    "/unknown": (200, "text/plain; charset=no-such-charset", "plain ü".encode()),
    "/latin1": (200, 'text/plain; charset="latin-1"', "café".encode("latin-1")),
}
REDIRECTS = {
    "/moved": "/tips",
    "/away": "http://elsewhere.invalid/tips",
    "/loop": "/loop",
    "/metadata": "http://169.254.169.254/latest/meta-data/",
    "/odd-metadata": "http://0xa9fea9fe/latest/meta-data/",
    "/nowhere": "",
}
HOSTS: list[str] = []  # the Host header of every request the page server received


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        HOSTS.append(self.headers["host"])
        if self.path in REDIRECTS:
            self.send_response(302)
            if REDIRECTS[self.path]:
                self.send_header("location", REDIRECTS[self.path])
            self.send_header("content-length", "0")
            self.end_headers()
            return
        status, kind, body = PAGES[self.path]
        self.send_response(status)
        self.send_header("content-type", kind)
        if self.path == "/tips" and self.headers["x-compress"]:
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # quick to shut down
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_is_read_as_text(site: str) -> None:
    assert fetch_text(f"{site}/tips", allowed_networks=LOOPBACK) == TIPS


def test_a_loopback_page_is_refused_by_default_and_nothing_is_sent(site: str) -> None:
    HOSTS.clear()
    with pytest.raises(PageError) as raised:
        fetch_text(f"{site}/tips")
    assert str(raised.value) == f"127.0.0.1 is a loopback address (this machine){PUBLIC_ONLY}"
    assert HOSTS == []


def test_a_redirect_is_followed(site: str) -> None:
    assert fetch_text(f"{site}/moved", allowed_hosts={"127.0.0.1"}, allowed_networks=LOOPBACK) == TIPS


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/away", "elsewhere.invalid is not a site this tool may read (allowed: 127.0.0.1, 169.254.169.254)"),
        ("/metadata", "169.254.169.254 is a link-local address (cloud metadata services live there); "),
        ("/odd-metadata", "169.254.169.254 is a link-local address (cloud metadata services live there); "),
    ],
)
def test_every_redirect_is_checked(site: str, path: str, message: str) -> None:
    with pytest.raises(PageError) as raised:
        fetch_text(site + path, allowed_hosts={"127.0.0.1", "169.254.169.254"}, allowed_networks=LOOPBACK)
    assert str(raised.value).startswith(message)


def test_a_redirect_to_nowhere_is_refused(site: str) -> None:
    with pytest.raises(PageError, match="^the site answered 302 without saying where to go$"):
        fetch_text(f"{site}/nowhere", allowed_networks=LOOPBACK)


def test_endless_redirects_stop(site: str) -> None:
    with pytest.raises(PageError, match="^more than 5 redirects$"):
        fetch_text(f"{site}/loop", allowed_networks=LOOPBACK)


def test_a_long_page_is_cut_with_a_note(site: str) -> None:
    cut = fetch_text(f"{site}/big", max_bytes=10, allowed_networks=LOOPBACK)
    assert cut == "x" * 10 + "\n[cut: the page is longer than 10 bytes]"
    assert fetch_text(f"{site}/big", max_bytes=50, allowed_networks=LOOPBACK) == "x" * 50


@pytest.mark.parametrize(
    ("path", "text"), [("/base64", "plain ü"), ("/unknown", "plain ü"), ("/latin1", "café")]
)
def test_a_charset_that_is_not_a_text_encoding_is_read_as_utf8(site: str, path: str, text: str) -> None:
    assert fetch_text(site + path, allowed_networks=LOOPBACK) == text


@pytest.mark.parametrize(
    ("path", "message"),
    [("/image", "the page is image/png, not text"), ("/missing", "the site answered 404 Not Found")],
)
def test_what_is_not_a_text_page_is_refused(site: str, path: str, message: str) -> None:
    with pytest.raises(PageError, match=f"^{message}$"):
        fetch_text(site + path, allowed_networks=LOOPBACK)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", f"{SCHEMES} 'file:///etc/passwd'"),
        ("ftp://example.com/x", f"{SCHEMES} 'ftp://example.com/x'"),
        ("memory-tips.example/page", f"{SCHEMES} 'memory-tips.example/page'"),
        ("http:///no-host", "the address 'http:///no-host' names no host"),
        ("https://collect.example/", "collect.example is not a site this tool may read (allowed: m.example)"),
        ("https://m.example\t/", f"the address 'https://m.example\\t/' {CONTROL}"),
        ("https://m.example/\n", f"the address 'https://m.example/\\n' {CONTROL}"),
        ("https://m.example/\u202e", f"the address 'https://m.example/\\u202e' {CONTROL}"),
        (
            "https://m.example@evil.example/",
            "the address 'https://m.example@evil.example/' holds a user name",
        ),
        (
            "https://m.example\\@evil.example/",
            "the address 'https://m.example\\\\@evil.example/' holds a user name",
        ),
        ("https://m.example:99999/", "the address 'https://m.example:99999/' has no valid port"),
        ("https://m.example:0/", "the address 'https://m.example:0/' has no valid port"),
        ("https://[::1/", "the address 'https://[::1/' is not a valid URL"),
        ("https://m..example/", "the host 'm..example' is not a valid host name"),
        ("https://1.2.3.4.5/", "the host '1.2.3.4.5' is neither a name nor an IPv4 address"),
        ("https://08.1/", "the host '08.1' is neither a name nor an IPv4 address"),
        ("https://" + "a" * 2100, "the address is 2,108 characters long; at most 2,048 are read"),
    ],
)
def test_refused_addresses(url: str, message: str) -> None:
    with pytest.raises(PageError) as raised:
        check_url(url, allowed_hosts={"m.example"})
    assert str(raised.value).startswith(message)


def test_a_malformed_address_fails_before_any_connection() -> None:
    with pytest.raises(PageError, match="holds spaces or control characters"):
        fetch_text("http://127.0.0.1:1/\tx", allowed_networks=LOOPBACK)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("HTTPS://Memory-Tips.Example./page", "memory-tips.example"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("http://93.184.215.14/", "93.184.215.14"),
        ("http://[2606:4700:4700::1111]:8080/", "2606:4700:4700::1111"),
        ("http://1.1.1.1./", "1.1.1.1"),
    ],
)
def test_public_hosts_pass_in_one_form(url: str, host: str) -> None:
    assert check_url(url) == host


def test_allowed_hosts_are_compared_in_one_form() -> None:
    assert check_url("https://xn--bcher-kva.example/", ["Bücher.Example."]) == "xn--bcher-kva.example"
    assert check_url("https://m.example/", (host for host in ["m.example"])) == "m.example"
    with pytest.raises(PageError, match="^m.example is not a site this tool may read \\(allowed: none\\)$"):
        check_url("https://m.example/", [])


def test_allowed_hosts_must_not_be_one_string() -> None:
    with pytest.raises(TypeError) as raised:
        check_url("https://m/", "memory-tips.example")
    assert str(raised.value) == (
        "allowed_hosts must be a collection of host names, such as ('memory-tips.example',), "
        "not 'memory-tips.example'"
    )
    with pytest.raises(TypeError, match="allowed_networks must be a collection"):
        fetch_text("https://m/", allowed_networks="127.0.0.1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout must be a number of seconds above 0, not 0"),
        ({"timeout": float("nan")}, "timeout must be a number of seconds above 0, not nan"),
        ({"max_bytes": -1}, "max_bytes must be a whole number above 0, not -1"),
        ({"max_bytes": 1.5}, "max_bytes must be a whole number above 0, not 1.5"),
    ],
)
def test_limits_that_bound_nothing_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        fetch_text("https://m.example/", **options)
    assert str(raised.value) == message and type(raised.value) is ValueError


def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(PageError, match="^the page did not arrive within 0.3 s$"):
            fetch_text(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.3, allowed_networks=LOOPBACK)


def test_a_closed_port_is_a_page_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(PageError, match="^the page could not be read: ConnectError$"):
        fetch_text(f"http://127.0.0.1:{port}/", allowed_networks=LOOPBACK)


def test_fetch_page_replays_from_the_tape_without_fetching() -> None:
    use_tape(Tape("replay", {"fetch_page": ["<p>from the tape</p>"]}))
    try:
        assert fetch_page("https://memory-tips.example/") == "<p>from the tape</p>"
    finally:
        use_tape(None)


def test_fetch_page_reads_loopback_only_when_the_module_allows_it(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PageError, match="loopback address"):
        fetch_page(f"{site}/tips")
    monkeypatch.setattr(web, "ALLOWED_NETWORKS", ("127.0.0.1/32",))
    assert fetch_page(f"{site}/tips") == TIPS


def test_fetch_allowed_page_checks_redirects_live(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "ALLOWED_NETWORKS", ("127.0.0.1/32",))
    assert fetch_allowed_page(f"{site}/moved", ["127.0.0.1"]) == TIPS
    with pytest.raises(PageError, match="elsewhere.invalid is not a site"):
        fetch_allowed_page(f"{site}/away", ["127.0.0.1"])


def _resolving_to(*addresses: str) -> tuple[list[str], Callable[..., list[Any]]]:
    """Make the reader's resolver answer ``addresses`` for any name; the list collects the names asked."""
    asked: list[str] = []

    def resolve(host: str, port: int, deadline: float) -> list[Any]:
        asked.append(host)
        return [ip_address(a) for a in addresses]

    return asked, resolve


def test_a_name_is_connected_to_at_the_address_that_was_checked(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked, resolve = _resolving_to("127.0.0.1")
    monkeypatch.setattr(web, "resolve", resolve)
    port = site.rsplit(":", 1)[1]
    HOSTS.clear()
    # pages.test exists in no DNS: the page arrives only if the checked address is the one connected to.
    assert fetch_text(f"http://pages.test:{port}/moved", allowed_networks=LOOPBACK) == TIPS
    assert asked == ["pages.test", "pages.test"]  # once per hop
    assert [f"pages.test:{port}"] * 2 == HOSTS


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        (["127.0.0.1"], "pages.test (127.0.0.1) is a loopback address (this machine); "),
        (["93.184.215.14", "10.0.0.7"], "pages.test (10.0.0.7) is a private-network address; "),
        (["::ffff:169.254.169.254"], "pages.test (::ffff:a9fe:a9fe) is a link-local address"),
    ],
)
def test_a_name_that_resolves_to_any_non_public_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, addresses: list[str], message: str
) -> None:
    monkeypatch.setattr(web, "resolve", _resolving_to(*addresses)[1])
    with pytest.raises(PageError) as raised:
        fetch_text("https://pages.test/")
    assert str(raised.value).startswith(message)


def test_tls_is_started_for_the_name_not_the_address(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "resolve", _resolving_to("127.0.0.1")[1])
    names: list[str | None] = []

    def start_tls(self: object, **options: Any) -> None:  # httpcore2 passes them by name
        names.append(options["server_hostname"])
        raise httpcore2.ConnectError("stopped before the handshake")

    monkeypatch.setattr(connect._DeadlineStream, "start_tls", start_tls)
    port = site.rsplit(":", 1)[1]
    with pytest.raises(PageError, match="^the page could not be read: ConnectError$"):
        fetch_text(f"https://pages.test:{port}/tips", allowed_networks=LOOPBACK)
    assert names == ["pages.test"]  # SNI and the certificate check use the name; the socket, the address
