"""fetch_text is bounded in total time and in bytes, against loopback servers that trickle or never end."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from helpers.tools import connect, web
from helpers.tools.web import PageError, fetch_text

LOOPBACK = ["127.0.0.1/32"]
TRICKLE = 0.1  # seconds between two bytes of a trickled answer
GIVE_UP = 5.0  # a handler stops sending after this, whatever the client does
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n"


def _answer(attack: str) -> Iterator[bytes]:
    """What the server sends, piece by piece."""
    if attack == "headers":  # a header that never ends, one byte a tick
        for byte in b"HTTP/1.1 200 OK\r\nx-slow: " + b"a" * 1000:
            yield bytes([byte])
            time.sleep(TRICKLE)
    elif attack == "body":  # headers at once, then one byte a tick
        yield HEAD
        for _ in range(1000):
            yield b"a"
            time.sleep(TRICKLE)
    elif attack == "endless-headers":  # headers as fast as the client takes them, up to 64 MB
        yield b"HTTP/1.1 200 OK\r\n"
        for _ in range(1024):
            yield b"x-more: " + b"a" * 65536 + b"\r\n"
    else:  # "endless": a body as fast as the client takes it, up to 64 MB
        yield HEAD
        for _ in range(1024):
            yield b"a" * 65536


def _serve(listener: socket.socket, attack: str, sent: list[int]) -> None:
    """Answer one request with ``attack``, until the client leaves or GIVE_UP passes."""
    connection, _ = listener.accept()
    stop = time.monotonic() + GIVE_UP
    with connection:
        connection.settimeout(GIVE_UP)
        connection.recv(65536)
        try:
            for piece in _answer(attack):
                connection.sendall(piece)
                sent[0] += len(piece)
                if time.monotonic() > stop:
                    return
        except OSError:
            return  # the client gave up: what the tests want


@contextmanager
def hostile(attack: str) -> Iterator[tuple[str, list[int]]]:
    """A one-request server on 127.0.0.1 that answers with ``attack``; yields its URL and bytes sent."""
    sent = [0]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(GIVE_UP)
        thread = threading.Thread(target=_serve, args=(listener, attack, sent), daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", sent
        thread.join(GIVE_UP + 1)


@pytest.mark.parametrize("attack", ["headers", "body"])
def test_a_trickling_server_is_refused_at_the_deadline(attack: str) -> None:
    with hostile(attack) as (url, sent):
        started = time.monotonic()
        with pytest.raises(PageError, match="^the page did not arrive within 1 s$"):
            fetch_text(url, timeout=1.0, allowed_networks=LOOPBACK)
        elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 1.5
    assert sent[0] < 60 + len(HEAD)  # about ten bytes a second, not the whole answer


def test_an_endless_body_is_cut_at_max_bytes() -> None:
    with hostile("endless") as (url, sent):
        started = time.monotonic()
        text = fetch_text(url, max_bytes=1000, allowed_networks=LOOPBACK)
        elapsed = time.monotonic() - started
    assert text == "a" * 1000 + "\n[cut: the page is longer than 1,000 bytes]"
    assert elapsed < 2
    assert sent[0] < 10 * 1024 * 1024  # the reader stopped reading; the server gave up long before 64 MB


def test_endless_headers_are_refused_after_100_kb() -> None:
    refused = pytest.raises(PageError, match="^the page could not be read: RemoteProtocolError$")
    with hostile("endless-headers") as (url, sent), refused:
        fetch_text(url, allowed_networks=LOOPBACK)
    assert sent[0] < 10 * 1024 * 1024


def test_a_resolver_that_hangs_is_given_up_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging(*args: object, **kwargs: object) -> list[object]:
        release.wait(GIVE_UP)
        return []

    monkeypatch.setattr(connect.socket, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        with pytest.raises(PageError, match="^the name pages.test could not be resolved in time$"):
            fetch_text("https://pages.test/", timeout=0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 1.0


def test_a_name_that_does_not_resolve_is_a_page_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(connect.socket, "getaddrinfo", unknown)
    with pytest.raises(PageError, match="^the name pages.test could not be resolved: gaierror$"):
        fetch_text("https://pages.test/")


def test_the_module_default_allows_no_private_network() -> None:
    assert web.ALLOWED_NETWORKS == ()
