"""check compares an authored cassette with its provider's profile, and names each departure."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import Any

import openai
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support import completion

from helpers.recording.authored import USAGE_NOTE, chat_usage, dump, finish_chat_stream
from helpers.recording.check import check_cassette
from helpers.recording.loopback import LoopbackServer, Reply, Script
from helpers.recording.profiles import profile_for

WRITTEN = "2026-11-27"
NOON = calendar.timegm(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc).timetuple())
META = {
    "provenance": "authored",
    "provider": "openai",
    "model": "gpt-5-mini",
    "recorded": "2026-12-04",
    "written": WRITTEN,
    "usage": USAGE_NOTE,
    "sdk": "openai 3.54.0",
    "note": "written for a test",
}
REQUEST = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "hi"}]}
STREAM_REQUEST = {**REQUEST, "stream": True}
JSON_HEADERS = {"content-type": ["application/json"]}
SSE_HEADERS = {"content-type": ["text/event-stream"]}


def _body(created: int = NOON, usage: bool = True) -> dict[str, Any]:
    body = {**completion({"content": "hello", "annotations": []}), "created": created}
    if usage:
        body["usage"] = chat_usage(REQUEST, "hello")
    return body


def _interaction(request: dict[str, Any], text: str, headers: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "uri": "https://api.openai.com/v1/chat/completions",
            "body": json.dumps(request),
            "headers": {"content-type": ["application/json"]},
        },
        "response": {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": text}},
    }


def _check(tmp_path, interactions: list[dict[str, Any]], **meta: Any) -> list[str]:
    path = tmp_path / "demo.yaml"
    data = {"interactions": interactions, "metadata": {**META, **meta}, "version": 1}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return check_cassette(path)


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return _interaction(REQUEST, dump(body, "openai", "chat"), JSON_HEADERS)


def _sse(chunks: list[dict[str, Any]], compact: bool = True) -> dict[str, Any]:
    separators = (",", ":") if compact else (", ", ": ")
    text = "".join(f"data: {json.dumps(c, separators=separators)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return _interaction(STREAM_REQUEST, text, SSE_HEADERS)


def _chunks() -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-authored-1",
        "object": "chat.completion.chunk",
        "created": NOON,
        "model": "gpt-5-mini",
    }
    deltas = [({"role": "assistant", "content": "hel"}, None), ({"content": "lo"}, None), ({}, "stop")]
    chunks = [
        {**base, "choices": [{"index": 0, "delta": d, "logprobs": None, "finish_reason": f}]}
        for d, f in deltas
    ]
    return finish_chat_stream(chunks, STREAM_REQUEST, "openai")


def test_a_conforming_authored_cassette_passes(tmp_path):
    second = {**_body(NOON + 7), "id": "chatcmpl-test-2"}
    assert _check(tmp_path, [_json(_body()), _json(second), _sse(_chunks())]) == []


def test_a_missing_usage_is_named(tmp_path):
    assert _check(tmp_path, [_json(_body(usage=False))]) == [
        "demo.yaml: interaction 1: departs from openai chat: "
        "the body has no usage, which a real server always sends"
    ]


def test_a_non_compact_sse_chunk_is_named(tmp_path):
    assert _check(tmp_path, [_sse(_chunks(), compact=False)]) == [
        "demo.yaml: interaction 1: departs from openai chat_stream: 3 of 3 event(s) are not compact JSON"
    ]


def test_usage_null_on_chunks_of_a_stream_not_asked_for_it_is_named(tmp_path):
    chunks = [{**c, "usage": None} for c in _chunks()]
    assert _check(tmp_path, [_sse(chunks)]) == [
        "demo.yaml: interaction 1: departs from openai chat_stream: 3 chunk(s) carry 'usage', "
        "which a stream not asked include_usage never sends"
    ]


def test_a_created_before_the_model_existed_is_named(tmp_path):
    before = calendar.timegm(dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc).timetuple())
    assert _check(tmp_path, [_json(_body(before))], written="2025-08-01") == [
        "demo.yaml: departs from real traffic: created 2025-08-01 is before gpt-5-mini existed "
        "(2025-08-07, https://openai.com/index/introducing-gpt-5/)"
    ]


@settings(max_examples=25, deadline=None)
@given(days=st.integers(min_value=-300, max_value=300))
def test_a_created_far_from_the_written_day_is_named_exactly_when_it_is(tmp_path_factory, days):
    tmp_path = tmp_path_factory.mktemp("far")
    found = _check(tmp_path, [_json(_body(NOON + days * 86400))])
    day = dt.date(2026, 11, 27) + dt.timedelta(days=days)
    far = f"demo.yaml: departs from real traffic: created {day} is far from the day the cassette was written"
    far += f" ({WRITTEN})"
    assert found == ([far] if abs(days) > 1 else [])


def test_a_field_the_profile_requires_is_named(tmp_path):
    body = _body()
    del body["choices"][0]["logprobs"]
    assert _check(tmp_path, [_json(body)]) == [
        "demo.yaml: interaction 1: departs from openai chat: the body choice has no 'logprobs', "
        "which a real server always sends"
    ]


def test_vllm_reasoning_content_is_named(tmp_path):
    body = _body()
    body["choices"][0]["message"] = {"role": "assistant", "content": "hello", "reasoning_content": None}
    body["usage"] = chat_usage(REQUEST, "hello", "vllm")
    interaction = _interaction({**REQUEST, "model": "Qwen/Qwen3-8B"}, json.dumps(body), JSON_HEADERS)
    interaction["request"]["uri"] = "http://localhost:8000/v1/chat/completions"
    found = _check(tmp_path, [interaction], provider="vllm", model="Qwen/Qwen3-8B")
    assert found == [
        "demo.yaml: interaction 1: departs from vllm chat: the body message has 'reasoning_content', "
        "which a current server no longer sends"
    ]


def test_one_created_for_every_response_and_unmarked_usage_are_named(tmp_path):
    meta = {k: v for k, v in META.items() if k != "usage"}
    path = tmp_path / "demo.yaml"
    data = {"interactions": [_json(_body()), _json(_body())], "metadata": meta, "version": 1}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert check_cassette(path) == [
        "demo.yaml: departs from real traffic: every response was created in the same second",
        "demo.yaml: departs from real traffic: usage was authored, and the metadata does not say how",
    ]


def test_published_cassettes_keep_their_bytes_and_are_not_compared(tmp_path):
    assert (
        _check(
            tmp_path,
            [_interaction(REQUEST, json.dumps(_body(usage=False)), JSON_HEADERS)],
            provenance="published",
        )
        == []
    )


def test_the_loopback_finishes_authored_replies_as_the_profile_says():
    script = Script([Reply(body=completion({"content": "hello"})), Reply(sse=_chunks())], written=WRITTEN)
    with LoopbackServer(script) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=10)
        raw = client.chat.completions.with_raw_response.create(**REQUEST)
        text = raw.http_response.text
        stream = client.chat.completions.create(
            **REQUEST, stream=True, stream_options={"include_usage": True}
        )
        chunks = list(stream)
    server.check()
    assert text == dump(json.loads(text), "openai", "chat") and text.startswith('{\n  "id"')
    assert json.loads(text)["usage"] == chat_usage(REQUEST, "hello")
    assert [c.usage for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == chat_usage(REQUEST, "hello")["completion_tokens"]


def test_usage_shaped_for_another_provider_is_named(tmp_path):
    body = {**_body(), "usage": chat_usage(REQUEST, "hello", "ollama")}
    assert _check(tmp_path, [_json(body)]) == [
        "demo.yaml: interaction 1: departs from openai chat: usage has the keys "
        "['completion_tokens', 'prompt_tokens', 'total_tokens']; a real server sends ['completion_tokens', "
        "'completion_tokens_details', 'prompt_tokens', 'prompt_tokens_details', 'total_tokens']"
    ]


@pytest.mark.parametrize("provider", ["openai", "deepseek", "dashscope", "ollama", "vllm"])
def test_computed_usage_has_the_keys_each_provider_sends(provider):
    usage = chat_usage(REQUEST, "hello", provider, "thinking")
    assert set(usage) == set(profile_for(provider, "chat").usage_keys)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_a_header_no_real_answer_carried_is_named(tmp_path):
    interaction = _json(_body())
    interaction["response"]["headers"] = {
        **JSON_HEADERS,
        "x-authored-by": ["hand"],
        "openai-version": ["2020-10-01"],
    }
    assert _check(tmp_path, [interaction]) == [
        "demo.yaml: interaction 1: departs from openai: "
        "no real answer was seen with the header 'x-authored-by'"
    ]
