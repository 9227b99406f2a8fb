"""Tests of ``async_twin``: an AsyncOpenAI that sends through a sync client, bounded as it is."""

from __future__ import annotations

import asyncio
import json
import time

import httpx2
import openai
import pytest
from hostile import hostile_server
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.limits import AnswerTooLarge, AnswerTooSlow, Limits, bounded_http_client
from helpers.limits.twin import RequestTooLarge, async_twin

SECONDS, SLACK, CAP = 1.0, 0.75, 100_000
REPLY = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1,
    "status": "completed",
    "model": "m",
    "output": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}


def _recording_client(seen: list[httpx2.Request], max_retries: int = 0) -> openai.OpenAI:
    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=REPLY)

    http = bounded_http_client(Limits(SECONDS, CAP), httpx2.MockTransport(answer))
    return openai.OpenAI(
        api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=max_retries, http_client=http
    )


def test_the_twin_sends_through_the_sync_client_and_copies_its_settings() -> None:
    seen: list[httpx2.Request] = []
    client = _recording_client(seen, max_retries=0)
    twin = async_twin(client)
    response = asyncio.run(twin.responses.create(model="m", input="hi"))
    assert response.id == "resp_1"
    assert [str(r.url) for r in seen] == ["http://127.0.0.1:9/v1/responses"]
    assert json.loads(seen[0].read()) == {"model": "m", "input": "hi"}
    assert seen[0].headers["authorization"] == "Bearer sk-test"
    assert (twin.max_retries, twin.base_url, twin.timeout) == (0, client.base_url, client.timeout)


@settings(max_examples=20, deadline=None)
@given(text=st.text(max_size=200))
def test_any_request_text_arrives_byte_for_byte(text: str) -> None:
    seen: list[httpx2.Request] = []
    twin = async_twin(_recording_client(seen))
    asyncio.run(twin.responses.create(model="m", input=text))
    assert json.loads(seen[-1].read())["input"] == text


def test_a_request_over_the_cap_is_refused_before_it_is_sent() -> None:
    seen: list[httpx2.Request] = []
    twin = async_twin(_recording_client(seen), Limits(SECONDS, 1000))
    with pytest.raises(
        RequestTooLarge, match="^request body over 1000 bytes: http://127.0.0.1:9/v1/responses$"
    ):
        asyncio.run(twin.responses.create(model="m", input="a" * 2000))
    assert seen == []


@pytest.mark.parametrize("attack, error", [("body", AnswerTooSlow), ("endless", AnswerTooLarge)])
def test_a_hostile_server_is_given_up_on_within_the_limits(attack: str, error: type) -> None:
    with hostile_server(attack) as server:
        plain = openai.OpenAI(api_key="sk-test", base_url=server.url, max_retries=0)
        twin = async_twin(plain, Limits(SECONDS, CAP))
        start = time.monotonic()
        with pytest.raises(error):
            asyncio.run(twin.responses.create(model="m", input="hi"))
        assert time.monotonic() - start < SECONDS + SLACK
        plain.close()


def test_only_a_sync_openai_client_and_limits_are_accepted() -> None:
    with pytest.raises(TypeError, match="needs an openai.OpenAI client, not AsyncOpenAI"):
        async_twin(openai.AsyncOpenAI(api_key="sk-test"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limits must be a Limits"):
        async_twin(openai.OpenAI(api_key="sk-test"), 60)  # type: ignore[arg-type]
