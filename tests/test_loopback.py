"""The scripted loopback endpoint: serves in order, fails loudly on surprises."""

from __future__ import annotations

import json

import openai
import pytest
from support import completion, tool_call

from helpers.recording.loopback import (
    LoopbackServer,
    LoopbackSurprise,
    Reply,
    Script,
    first_difference,
    load_script,
)


def client_for(server: LoopbackServer) -> openai.OpenAI:
    return openai.OpenAI(api_key="fake", base_url=server.base_url, max_retries=0)


def test_serves_replies_in_order_and_records_requests():
    first = completion({"tool_calls": [tool_call("call_1", "get_memory_info")]}, "tool_calls")
    second = completion({"content": "done"})
    with LoopbackServer(Script([Reply(body=first), Reply(body=second)])) as server:
        client = client_for(server)
        r1 = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
        r2 = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "b"}])
        server.check()
    assert r1.choices[0].message.tool_calls[0].id == "call_1"
    assert r2.choices[0].message.content == "done"
    assert [path for path, _ in server.requests] == ["/v1/chat/completions"] * 2
    assert server.requests[1][1]["messages"] == [{"role": "user", "content": "b"}]


def test_a_request_beyond_the_script_is_a_400_and_check_raises():
    with LoopbackServer(Script([])) as server:
        with pytest.raises(openai.BadRequestError, match="beyond the script"):
            client_for(server).chat.completions.create(model="m", messages=[])
        with pytest.raises(LoopbackSurprise, match="beyond the script"):
            server.check()


def test_an_unexpected_body_is_refused_with_its_first_difference():
    expected = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
    script = Script([Reply(body=completion({"content": "x"}), expect_body=expected)])
    with (
        LoopbackServer(script) as server,
        pytest.raises(openai.BadRequestError, match=r"body\.messages\[0\]\.content"),
    ):
        client_for(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "bye"}])


def test_a_reply_sends_its_headers_so_the_sdk_reads_retry_after():
    error = {"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": None}}
    script = Script([Reply(body=error, status=429, headers={"retry-after": "7", "x-request-id": "req_1"})])
    with LoopbackServer(script) as server, pytest.raises(openai.RateLimitError) as caught:
        client_for(server).chat.completions.create(model="m", messages=[])
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.request_id == "req_1"


def test_unused_replies_make_check_raise():
    with LoopbackServer(Script([Reply(body=completion({"content": "x"}))])) as server:
        pass
    with pytest.raises(LoopbackSurprise, match="1 scripted response"):
        server.check()


def test_streams_server_sent_events():
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}],
    }
    with LoopbackServer(Script([Reply(sse=[chunk])])) as server:
        stream = client_for(server).chat.completions.create(model="m", messages=[], stream=True)
        texts = [c.choices[0].delta.content for c in stream]
    assert texts == ["hi"]


def test_first_difference_names_the_path():
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "body.a[1].b is 3, expected 2"
    assert first_difference({"a": 1}, {"a": 1, "c": 2}) == "body.c is not expected"
    assert first_difference({"a": 1}, {}) == "body.a is missing"
    assert first_difference([1], [1, 2]) == "body has 2 items, expected 1"
    assert first_difference({"a": 1}, {"a": 1}) is None


def test_load_script_reads_files_relative_to_it(tmp_path):
    (tmp_path / "r.json").write_text(json.dumps({"x": 1}), encoding="utf-8")
    (tmp_path / "q.json").write_text(json.dumps({"y": 2}), encoding="utf-8")
    script = tmp_path / "s.json"
    script.write_text(
        json.dumps(
            {
                "provenance": "published",
                "note": "n",
                "tape": {"t": ["v"]},
                "responses": [{"file": "r.json", "expect": {"path": "/v1/x", "body_file": "q.json"}}],
            }
        ),
        encoding="utf-8",
    )
    loaded = load_script(script)
    assert loaded.provenance == "published"
    assert loaded.tape == {"t": ["v"]}
    assert loaded.replies == [Reply(body={"x": 1}, expect_path="/v1/x", expect_body={"y": 2})]
