"""Tests of ``helpers.limits``: every exchange ends within its deadline and its byte cap.

Each attack comes from a real server on 127.0.0.1 (``hostile.py``): a status
line trickled a byte every 0.1 s (which no per-read timeout stops), a body
trickled the same way, a body or an event stream that never ends, and a
terabyte announced. Whatever the client, each must give up within the deadline
and a little slack, having held at most about the cap in memory.
"""

from __future__ import annotations

import gzip
import json
import math
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import openai
import pytest
from hostile import hostile_server
from hypothesis import given
from hypothesis import strategies as st

from helpers.calling.loop import run_conversation
from helpers.calling.responses import run_responses
from helpers.limits import (
    AnswerTooLarge,
    AnswerTooSlow,
    BoundedTransport,
    LimitExceeded,
    Limits,
    bounded,
    bounded_http_client,
)
from helpers.providers.probe import probe
from helpers.recording.client import current_session, setup
from tests.test_loop import MODEL, USER, Tools

SECONDS = 1.0  # each test's deadline
SLACK = 0.75  # the tests' own work around the deadline, on a loaded machine (typically under 0.15 s)
CAP = 1_000_000  # bytes
HELD = 4 * CAP  # the most memory an exchange may hold at its peak: the cap, a chunk, the SDK's copies
LIMITS = Limits(SECONDS, CAP)
SLOW = ("headers", "body")
LARGE = ("endless", "huge-length", "gzip-bomb")


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """Import what the SDK imports on its first request of each kind, before anything is measured."""
    refuse = httpx2.MockTransport(lambda request: httpx2.Response(400, json={"error": {"message": "no"}}))
    client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=httpx2.Client(transport=refuse))
    for send in (
        lambda: client.chat.completions.create(model=MODEL, messages=[USER]),
        lambda: client.chat.completions.create(model=MODEL, messages=[USER], stream=True),
        lambda: client.responses.create(model=MODEL, input="hi"),
    ):
        with pytest.raises(openai.BadRequestError):
            send()


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    """How long the block took and the most memory Python held in it."""
    figures: dict[str, float] = {}
    tracemalloc.start()
    start = time.monotonic()
    try:
        yield figures
    finally:
        figures["seconds"] = time.monotonic() - start
        figures["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def plain_client(url: str) -> openai.OpenAI:
    """A client the helpers did not make, with the SDK's two retries."""
    return openai.OpenAI(base_url=url, api_key="sk-test")


def expected(attack: str) -> type[LimitExceeded]:
    return AnswerTooSlow if attack in SLOW else AnswerTooLarge


def attacked(attack: str, run: Callable[[str], Any]) -> tuple[LimitExceeded, dict[str, float], int]:
    """Run ``run(base_url)`` against ``attack``; the error, the figures and the requests the server read."""
    with hostile_server(attack) as server, measured() as figures, pytest.raises(LimitExceeded) as raised:
        run(server.url)
    assert figures["seconds"] < SECONDS + SLACK
    assert figures["peak"] < HELD
    return raised.value, figures, server.requests


@pytest.mark.parametrize("attack", [*SLOW, *LARGE])
def test_an_httpx2_client_gives_up_within_the_limits(attack: str) -> None:
    def get(url: str) -> None:
        with httpx2.Client(transport=BoundedTransport(LIMITS)) as http:
            http.get(url)

    error, _, requests = attacked(
        attack, lambda url: get(url.replace("http://", "http://me:secret@") + "?key=k")
    )
    assert type(error) is expected(attack)
    where = f"http://{error.request.url.netloc.decode()}/v1"  # no user, password or query
    if attack in SLOW:
        assert str(error) == f"no complete answer within 1 s from {where}"
    elif attack == "gzip-bomb":
        assert str(error) == (
            "answer compressed (gzip) though asked for uncompressed, so its size cannot be bounded, "
            f"from {where}"
        )
    else:
        assert str(error) == f"answer larger than 1,000,000 bytes from {where}"
    assert requests == 1


@pytest.mark.parametrize("attack", [*SLOW, *LARGE])
def test_the_loop_with_a_plain_client_gives_up_once_without_retrying(attack: str) -> None:
    tools = Tools()

    def loop(url: str) -> None:
        run_conversation(plain_client(url), MODEL, [USER], tools.definitions, tools.functions, limits=LIMITS)

    error, _, requests = attacked(attack, loop)
    assert type(error) is expected(attack)
    assert isinstance(error, openai.APIConnectionError)  # what a caller of the SDK already catches
    assert error.conversation.messages == [USER]  # type: ignore[attr-defined]
    assert requests == 1  # the SDK raises an OpenAIError as it is: no retry


@pytest.mark.parametrize("attack", ["headers", "body", "sse", *LARGE])
def test_the_streamed_loop_gives_up_within_the_limits(attack: str) -> None:
    tools = Tools()

    def loop(url: str) -> None:
        client = plain_client(url)
        run_conversation(
            client, MODEL, [USER], tools.definitions, tools.functions, limits=LIMITS, stream=True
        )

    attacked(attack, loop)


@pytest.mark.parametrize("attack", [*SLOW, *LARGE])
def test_the_responses_loop_gives_up_within_the_limits(attack: str) -> None:
    error, _, _ = attacked(
        attack, lambda url: run_responses(plain_client(url), MODEL, "hi", [], [], limits=LIMITS)
    )
    assert type(error) is expected(attack)


def test_run_conversation_on_the_responses_api_passes_its_limits_on() -> None:
    def loop(url: str) -> None:
        run_conversation(plain_client(url), MODEL, "hi", [], [], api="responses", limits=LIMITS)

    error, _, _ = attacked("headers", loop)
    assert type(error) is AnswerTooSlow and error.request.url.path == "/v1/responses"


def test_a_client_with_its_own_http_client_keeps_it_and_has_its_body_bounded() -> None:
    seen: list[str] = []
    own = httpx2.Client(event_hooks={"request": [lambda request: seen.append(request.url.path)]})
    tools = Tools()

    def loop(url: str) -> None:
        client = openai.OpenAI(base_url=url, api_key="sk-test", http_client=own)
        run_conversation(client, MODEL, [USER], tools.definitions, tools.functions, limits=LIMITS)

    error, _, _ = attacked("endless", loop)
    assert type(error) is AnswerTooLarge
    assert seen == ["/v1/chat/completions"]
    assert not own.is_closed  # the caller's, not the loop's, to close
    own.close()


def test_the_lessons_client_gives_up_on_trickled_headers_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LESSONS_TIMEOUT=0.3: each read may wait 0.3 s, longer than the trickle's 0.1 s,
    # so only the deadline stops it: 3 attempts × (0.3 + 0.3) + 1.5 s of back-off = 3.3 s.
    with hostile_server("headers") as server:
        monkeypatch.setenv("LESSONS_MODE", "live")
        monkeypatch.setenv("LESSONS_PROVIDER", "vllm")
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("LESSONS_TIMEOUT", "0.3")
        client, model = setup("hostile")
        try:
            with (
                measured() as figures,
                pytest.raises(AnswerTooSlow, match=r"^no complete answer within 3\.3 s "),
            ):
                client.chat.completions.create(model=model, messages=[USER])
        finally:
            current_session().close()  # type: ignore[union-attr]
    assert 3.3 <= figures["seconds"] < 3.3 + SLACK
    assert server.requests == 1


def test_recording_an_endless_answer_stops_at_the_cap(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # vcrpy reads a whole body to record it, below the transport's own count: the sockets count too.
    with hostile_server("endless") as server:
        for name, value in {
            "LESSONS_MODE": "record",
            "LESSONS_PROVIDER": "vllm",
            "OPENAI_BASE_URL": server.url,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path))
        monkeypatch.setattr("helpers.recording.patience.DEFAULT_MAX_BYTES", CAP)
        client, model = setup("hostile")
        try:
            with (
                measured() as figures,
                pytest.raises(AnswerTooLarge, match=r"^answer larger than 1,000,000 bytes "),
            ):
                client.chat.completions.create(model=model, messages=[USER])
        finally:
            current_session().close()  # type: ignore[union-attr]
    assert figures["peak"] < HELD
    assert server.requests == 1


def test_the_probe_gives_up_within_its_timeout_and_skips_the_rest() -> None:
    with hostile_server("headers") as server, measured() as figures:
        row = probe(server.url, MODEL, timeout=SECONDS)
    assert figures["seconds"] < SECONDS + SLACK
    assert row.tools == "error (timed out)"
    assert {row.parallel, row.required, row.stream, row.responses} == {"skipped (server timed out)"}


def scripted(*answers: Callable[[], httpx2.Response]) -> tuple[openai.OpenAI, list[float]]:
    """A client bounded by ``LIMITS`` whose attempts ``answers`` answer in turn; and when each came."""
    times: list[float] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        times.append(time.monotonic())
        return answers[len(times) - 1]()

    http = bounded_http_client(LIMITS, httpx2.MockTransport(handler))
    return openai.OpenAI(
        base_url="http://test.invalid/v1", api_key="sk-test", http_client=http, max_retries=5
    ), times


def test_the_attempts_of_one_call_share_its_deadline() -> None:
    def late_failure() -> httpx2.Response:
        time.sleep(0.8)
        return httpx2.Response(500, json={"error": {"message": "try again"}})

    client, times = scripted(late_failure, late_failure)
    start = time.monotonic()
    with pytest.raises(AnswerTooSlow):
        client.chat.completions.create(model=MODEL, messages=[USER])
    # The retry came after the SDK's back-off, past the deadline, and was never sent.
    assert len(times) == 1
    assert time.monotonic() - start < SECONDS + SLACK


def test_a_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    def busy() -> httpx2.Response:
        return httpx2.Response(429, headers={"retry-after": "30"}, json={"error": {"message": "busy"}})

    client, times = scripted(busy, busy)
    start = time.monotonic()
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=[USER])
    assert len(times) == 1 and time.monotonic() - start < SECONDS


def test_a_new_call_has_a_new_deadline() -> None:
    def slowish() -> httpx2.Response:
        time.sleep(0.6)
        return httpx2.Response(200, json={"object": "list", "data": []})

    client, times = scripted(slowish, slowish)
    client.models.list()
    client.models.list()  # 1.2 s after the first began: its own deadline, not the first's
    assert len(times) == 2


def test_a_bounded_client_is_used_as_it_is_and_a_strict_one_stays_strict() -> None:
    mine = openai.OpenAI(api_key="sk-test", http_client=bounded_http_client(LIMITS))
    with bounded(mine, Limits(5)) as same:
        assert same is mine
    strict = openai.OpenAI(api_key="sk-test", _strict_response_validation=True)
    with bounded(strict, LIMITS) as copy:
        assert copy is not strict and copy._strict_response_validation
        http = copy._client
    assert http.is_closed and not strict._client.is_closed


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans()))
def test_limits_take_finite_positive_seconds_only(seconds: Any) -> None:
    ok = not isinstance(seconds, bool) and math.isfinite(seconds) and seconds > 0
    try:
        Limits(seconds)
    except ValueError as error:
        assert not ok and str(error) == f"seconds must be a finite number above 0, not {seconds!r}"
    else:
        assert ok


@pytest.mark.parametrize("size", [0, -1, 1.5, True, math.inf, "32"])
def test_limits_take_a_whole_positive_number_of_bytes(size: Any) -> None:
    with pytest.raises(ValueError, match=r"^max_bytes must be a whole number of bytes above 0, not "):
        Limits(1, size)


class Once(httpx2.SyncByteStream):
    """A body that can be read once, as off a socket."""

    def __init__(self, data: bytes) -> None:
        self._left = [data]

    def __iter__(self) -> Iterator[bytes]:
        while self._left:
            yield self._left.pop()


def test_a_body_a_callers_hook_already_read_is_handed_on_once_decoded() -> None:
    body = {"object": "list", "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "me"}]}

    def gzipped(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx2.Response(200, headers=headers, stream=Once(gzip.compress(json.dumps(body).encode())))

    read: list[bytes] = []
    own = httpx2.Client(
        transport=httpx2.MockTransport(gzipped), event_hooks={"response": [lambda r: read.append(r.read())]}
    )
    client = openai.OpenAI(base_url="http://test.invalid/v1", api_key="sk-test", http_client=own)
    with bounded(client, LIMITS) as sending:
        assert [model.id for model in sending.models.list()] == ["m"]
    assert json.loads(read[0]) == body


def test_the_environments_proxy_is_kept_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx2 ignores HTTP_PROXY once given a transport: the bounded client must not lose it.
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with hostile_server("headers") as proxy, measured() as figures:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.removesuffix("/v1"))
        with bounded_http_client(LIMITS) as http, pytest.raises(AnswerTooSlow):
            http.get("http://127.0.0.2:9/v1/models")  # nothing listens there: only the proxy answers
    assert proxy.requests == 1
    assert figures["seconds"] < SECONDS + SLACK


def test_limits_that_are_not_limits_are_refused_before_any_request() -> None:
    tools = Tools()
    client = openai.OpenAI(base_url="http://127.0.0.2:9/v1", api_key="sk-test")
    with pytest.raises(TypeError, match=r"^limits must be a Limits, such as Limits\(60\), not 60$"):
        run_conversation(client, MODEL, [USER], tools.definitions, tools.functions, limits=60)  # type: ignore[arg-type]


class Chunked(httpx2.SyncByteStream):
    """A body sent in the given pieces, as a server might cut it."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces


@given(
    st.lists(st.integers(min_value=0, max_value=3000), max_size=8),
    st.integers(min_value=1, max_value=12_000),
    st.booleans(),
)
def test_a_body_is_handed_on_whole_exactly_when_it_fits_the_cap(
    sizes: list[int], cap: int, announced: bool
) -> None:
    pieces = [bytes([65 + i % 26]) * size for i, size in enumerate(sizes)]
    body = b"".join(pieces)
    headers = {"content-length": str(len(body))} if announced else {}
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(200, headers=headers, stream=Chunked(pieces))
    )
    with httpx2.Client(transport=BoundedTransport(Limits(5, cap), transport)) as http:
        if len(body) <= cap:
            assert http.get("http://test.invalid/").content == body
        else:
            with pytest.raises(
                AnswerTooLarge, match=rf"^answer larger than {cap:,} bytes from http://test\.invalid/$"
            ):
                http.get("http://test.invalid/")
