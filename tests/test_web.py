"""fetch_page and its checks, against a page server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers.tools.tape import Tape, use_tape
from helpers.tools.web import PageError, check_url, fetch_allowed_page, fetch_page, fetch_text

PAGES = {
    "/tips": (200, "text/html; charset=utf-8", "<p>Close tabs. Ünïcode kept.</p>".encode()),
    "/big": (200, "text/plain", b"x" * 50),
    "/image": (200, "image/png", b"\x89PNG"),
    "/missing": (404, "text/plain", b"no"),
}
REDIRECTS = {"/moved": "/tips", "/away": "http://elsewhere.invalid/tips", "/loop": "/loop"}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("location", REDIRECTS[self.path])
            self.send_header("content-length", "0")
            self.end_headers()
            return
        status, kind, body = PAGES[self.path]
        self.send_response(status)
        self.send_header("content-type", kind)
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
    assert fetch_text(f"{site}/tips") == "<p>Close tabs. Ünïcode kept.</p>"


def test_a_redirect_is_followed(site: str) -> None:
    assert fetch_text(f"{site}/moved", allowed_hosts={"127.0.0.1"}) == "<p>Close tabs. Ünïcode kept.</p>"


def test_a_redirect_out_of_the_allow_list_is_refused(site: str) -> None:
    with pytest.raises(
        PageError, match=r"elsewhere.invalid is not a site this tool may read \(allowed: 127.0.0.1\)"
    ):
        fetch_text(f"{site}/away", allowed_hosts={"127.0.0.1"})


def test_endless_redirects_stop(site: str) -> None:
    with pytest.raises(PageError, match="more than 5 redirects"):
        fetch_text(f"{site}/loop")


def test_a_long_page_is_cut_with_a_note(site: str) -> None:
    assert fetch_text(f"{site}/big", max_bytes=10) == "x" * 10 + "\n[cut: the page is longer than 10 bytes]"
    assert fetch_text(f"{site}/big", max_bytes=50) == "x" * 50


@pytest.mark.parametrize(
    ("path", "message"),
    [("/image", "the page is image/png, not text"), ("/missing", "the site answered 404 Not Found")],
)
def test_what_is_not_a_text_page_is_refused(site: str, path: str, message: str) -> None:
    with pytest.raises(PageError, match=message):
        fetch_text(site + path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http:// and https:// addresses can be read"),
        ("ftp://example.com/x", "only http:// and https:// addresses can be read"),
        ("memory-tips.example/page", "only http:// and https:// addresses can be read"),
        ("http:///no-host", "names no host"),
        ("https://collect.example/?used=9539262464", "collect.example is not a site this tool may read"),
    ],
)
def test_refused_addresses(url: str, message: str) -> None:
    with pytest.raises(PageError, match=message):
        check_url(url, allowed_hosts={"memory-tips.example"})


def test_an_allowed_host_is_returned_in_lower_case() -> None:
    assert check_url("HTTPS://Memory-Tips.Example/page", {"memory-tips.example"}) == "memory-tips.example"


def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(PageError, match="could not be read: ReadTimeout"):
            fetch_text(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.3)


def test_a_closed_port_is_a_page_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(PageError, match="could not be read: ConnectError"):
        fetch_text(f"http://127.0.0.1:{port}/")


def test_fetch_page_replays_from_the_tape_without_fetching() -> None:
    use_tape(Tape("replay", {"fetch_page": ["<p>from the tape</p>"]}))
    try:
        assert fetch_page("https://memory-tips.example/") == "<p>from the tape</p>"
    finally:
        use_tape(None)


def test_fetch_allowed_page_checks_redirects_live(site: str) -> None:
    assert fetch_allowed_page(f"{site}/moved", ["127.0.0.1"]) == "<p>Close tabs. Ünïcode kept.</p>"
    with pytest.raises(PageError, match="elsewhere.invalid is not a site"):
        fetch_allowed_page(f"{site}/away", ["127.0.0.1"])
