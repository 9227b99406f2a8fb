"""``serve`` against clients that misbehave: every answer in the API's error format, and none can wear it out.

Every server here binds 127.0.0.1, and every socket has a timeout.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ROOT

from helpers.recording.serve import listener as serve_listener
from helpers.recording.serve import server as serve_http
from helpers.recording.serve.listener import printable
from helpers.recording.serve.replay import Replay
from helpers.recording.serve.server import ReplayServer

LOOP = ROOT / "cassettes" / "06_the_loop.yaml"
FIRST = yaml.safe_load(LOOP.read_text(encoding="utf-8"))["interactions"][0]["request"]["body"].encode()
QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ERROR_KEYS = {"message", "type", "param", "code"}


@pytest.fixture
def server():
    """A server on lesson 06's cassette, in a thread; its log lines are in ``server.lines``."""
    lines: list[str] = []
    running = ReplayServer(Replay(LOOP), log=lines.append).__enter__()
    running.lines = lines
    yield running
    running.shutdown()


def connect(server: ReplayServer, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.httpd.server_address[1]), timeout=timeout)


def exchange(server: ReplayServer, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes: (status, headers, body)."""
    with connect(server) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def post(server: ReplayServer, body: bytes, *extra: str) -> tuple[int, dict[str, str], bytes]:
    head = ["POST /v1/chat/completions HTTP/1.1", "content-type: application/json"]
    head += [f"content-length: {len(body)}", *extra]
    return exchange(server, "\r\n".join(head).encode() + b"\r\n\r\n" + body)


def api_error(status: int, body: bytes) -> dict[str, str]:
    """The error object of an API-format error body (asserting its shape)."""
    error = json.loads(body)["error"]
    assert set(error) == ERROR_KEYS
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    return error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{bad", "the request body is not JSON: Expecting property name enclosed in double quotes: "),
        (b'{"model": "\xff"}', "the request body is not UTF-8 (byte 11)"),
        (b"[" * 100_000 + b"]" * 100_000, "the request body nests deeper than 64 levels"),
        (b"[" * 65 + b"]" * 65, "the request body nests deeper than 64 levels"),
    ],
)
def test_a_body_that_is_not_json_gets_a_400_and_the_server_goes_on(server, body, message):
    status, headers, answer = post(server, body)
    assert (status, headers["content-type"]) == (400, "application/json")
    error = api_error(status, answer)
    assert (error["code"], error["message"][: len(message)]) == ("invalid_json", message)
    assert post(server, FIRST)[0] == 200


def test_64_levels_deep_is_still_json_and_gets_the_replays_own_answer(server):
    status, _, answer = post(server, b"[" * 64 + b"]" * 64)
    assert (status, api_error(status, answer)["code"]) == (400, "cassette_miss")


@QUICK
@given(body=st.binary(max_size=300))
def test_any_body_gets_an_answer_in_the_apis_format(server, body):
    status, _, answer = post(server, body)
    assert status in (400, 404)
    assert api_error(status, answer)["code"] in ("invalid_json", "cassette_miss")


@pytest.mark.parametrize("method", ["OPTIONS", "DELETE", "FOO", "PROPFIND"])
def test_any_method_gets_the_apis_error_format_not_an_html_page(server, method):
    status, headers, body = exchange(server, f"{method} /v1/chat/completions HTTP/1.1\r\n\r\n".encode())
    assert (status, headers["content-type"]) == (404, "application/json")
    expected = f"serve: 06_the_loop.yaml holds no request to {method} /v1/chat/completions; it holds POST "
    assert api_error(status, body)["message"].startswith(expected)


def test_head_gets_the_status_and_headers_without_a_body(server):
    status, headers, body = exchange(server, b"HEAD /v1/chat/completions HTTP/1.1\r\n\r\n")
    assert (status, headers["content-type"], body) == (404, "application/json", b"")
    assert int(headers["content-length"]) > 0  # the length of the body a GET would get


@pytest.mark.parametrize(
    ("request_line", "status"), [(b"garbage", 400), (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414)]
)
def test_a_broken_request_line_gets_the_apis_error_format(server, request_line, status):
    got, headers, body = exchange(server, request_line + b"\r\n\r\n")
    assert (got, headers["content-type"], api_error(got, body)["code"]) == (
        status,
        "application/json",
        "bad_http_request",
    )
    assert server.lines[-1].endswith(f"-> {status} bad_http_request")


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [
        ("content-length: 1000000000000", 413, "body_too_large"),
        (f"content-length: {serve_http.MAX_BODY_BYTES + 1}", 413, "body_too_large"),
        ("content-length: -5", 400, "bad_length"),
        ("content-length: 12abc", 400, "bad_length"),
        ("transfer-encoding: chunked", 411, "length_required"),
    ],
)
def test_a_lying_or_huge_length_is_refused_before_a_byte_of_the_body_is_read(server, header, status, code):
    started = time.monotonic()
    got, _, body = exchange(server, f"POST /v1/chat/completions HTTP/1.1\r\n{header}\r\n\r\n".encode())
    assert (got, api_error(got, body)["code"]) == (status, code)
    assert time.monotonic() - started < 1  # no body was waited for


def test_a_body_one_byte_over_the_cap_is_refused_and_one_at_the_cap_is_read(server, monkeypatch):
    monkeypatch.setattr(serve_http, "MAX_BODY_BYTES", len(FIRST))
    assert post(server, FIRST)[0] == 200
    status, _, body = post(server, FIRST + b" ")
    assert (status, api_error(status, body)["message"]) == (
        413,
        f"the request body is {len(FIRST) + 1:,} bytes; serve reads up to {len(FIRST):,}",
    )


def test_escape_codes_in_a_request_never_reach_the_log(server):
    exchange(server, b"GET /v1/\x1b[31mred\x07\x9b HTTP/1.1\r\n\r\n")
    assert server.lines == ["GET /v1/\\x1b[31mred\\x07\\x9b -> 404 cassette_miss"]


@QUICK
@given(path=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF), max_size=300))
def test_whatever_the_path_the_log_line_is_printable_and_short(server, path):
    server.lines.clear()
    exchange(server, b"GET /" + path.encode("latin-1") + b" HTTP/1.1\r\n\r\n")
    assert len(server.lines) == 1
    assert server.lines[0].isprintable()
    assert len(server.lines[0]) <= serve_listener.LOGGED_CHARS + len(" -> 404 cassette_miss")


def test_printable_escapes_control_characters_and_cuts_long_text():
    assert printable("a\x1b[2J\r\n\u202eb") == "a\\x1b[2J\\r\\n\\u202eb"
    assert printable("x" * 10, limit=5) == "xxxx…"


def test_a_client_that_stops_mid_body_costs_one_log_line(server, capfd):
    with connect(server) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 100\r\n\r\n{")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""  # no answer: the client said it had nothing more to send
    assert server.lines == ["POST /v1/chat/completions -> client sent 1 of 100 bytes and stopped"]
    assert "Traceback" not in capfd.readouterr().err


def test_a_bug_in_the_replay_is_a_500_in_the_apis_format_and_the_server_goes_on(server, monkeypatch):
    def broken(*args):
        raise KeyError("oops")

    monkeypatch.setattr(server.replay, "answer", broken)
    status, _, body = post(server, FIRST)
    assert (status, api_error(status, body)) == (
        500,
        {
            "message": "serve could not answer: KeyError: 'oops'",
            "type": "server_error",
            "param": None,
            "code": "serve_error",
        },
    )
    monkeypatch.undo()
    assert post(server, FIRST)[0] == 200


def test_50_clients_that_never_send_hold_no_one_up_and_threads_stay_bounded(server):
    before = threading.active_count()
    idle = [connect(server) for _ in range(50)]
    try:
        time.sleep(0.2)  # let the server accept them all
        started = time.monotonic()
        status, _, _ = post(server, FIRST)
        assert (status, time.monotonic() - started < 1) == (200, True)
        assert threading.active_count() <= before + 50 + 1
    finally:
        for sock in idle:
            sock.close()


def test_past_the_cap_a_newcomer_takes_the_slot_of_a_client_that_never_spoke(monkeypatch):
    monkeypatch.setattr(serve_listener, "MAX_CLIENTS", 4)
    with ReplayServer(Replay(LOOP)) as server:
        before = threading.active_count()
        idle = [connect(server) for _ in range(20)]
        try:
            time.sleep(0.3)
            assert threading.active_count() <= before + 4
            started = time.monotonic()
            assert post(server, FIRST)[0] == 200
            assert time.monotonic() - started < 1
        finally:
            for sock in idle:
                sock.close()


def test_when_every_slot_is_busy_a_newcomer_gets_a_503_at_once(monkeypatch):
    monkeypatch.setattr(serve_listener, "MAX_CLIENTS", 2)
    monkeypatch.setattr(serve_http, "IDLE_SECONDS", 0.5)
    with ReplayServer(Replay(LOOP)) as server:
        busy = [connect(server) for _ in range(2)]
        for sock in busy:  # each sends its head and then waits: it spoke, so it keeps its slot
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 100\r\n\r\n")
        time.sleep(0.2)
        started = time.monotonic()
        status, _, body = post(server, FIRST)
        assert (status, api_error(status, body)["message"]) == (
            503,
            "serve answers 2 clients at once; try again",
        )
        assert time.monotonic() - started < 1
        assert [sock.recv(10) for sock in busy] == [b""] * 2  # each dropped after its idle timeout
        assert post(server, FIRST)[0] == 200
        for sock in busy:
            sock.close()


def test_a_client_that_trickles_bytes_is_cut_at_the_connection_deadline(monkeypatch):
    monkeypatch.setattr(serve_listener, "CONNECTION_SECONDS", 0.5)
    with ReplayServer(Replay(LOOP)) as server, connect(server) as sock:
        started, cut = time.monotonic(), False
        for byte in b"POST /v1/chat/completions HTTP/1.1\r\n" * 10:  # bounded: 360 bytes
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                cut = True
                break
            time.sleep(0.05)
            if time.monotonic() - started > 3:
                break
        assert cut and time.monotonic() - started < 2
