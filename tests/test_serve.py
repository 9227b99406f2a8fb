"""``python -m helpers serve``: any client replays a cassette from a loopback endpoint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest
import yaml
from support import ROOT

from helpers.recording.serve import find_cassette, main
from helpers.recording.serve.replay import Replay
from helpers.recording.serve.server import ReplayServer

LOOP = ROOT / "cassettes" / "06_the_loop.yaml"
STREAMED = ROOT / "cassettes" / "08_streaming_tool_calls.yaml"
ARTICLE_SCRIPT = ROOT / "examples" / "article_script.py"
ARTICLE_BASE_URL = 'base_url="http://127.0.0.1:8765/v1"'


def recorded(path) -> list[tuple[dict[str, Any], str]]:
    """A cassette's request bodies and response bodies, as stored."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(json.loads(i["request"]["body"]), i["response"]["body"]["string"]) for i in data["interactions"]]


def final_answer() -> str:
    """Run B's published final answer, the last response of lesson 06's cassette."""
    return json.loads(recorded(LOOP)[-1][1])["choices"][0]["message"]["content"]


@pytest.fixture
def serve():
    """Start a server on a cassette in a thread; its log lines are collected."""
    started: list[ReplayServer] = []

    def start(
        path=LOOP, in_order: bool = False, session: int | None = None
    ) -> tuple[ReplayServer, list[str]]:
        log: list[str] = []
        replay = Replay(path, in_order=in_order, session=session)
        started.append(ReplayServer(replay, log=log.append).__enter__())
        return started[-1], log

    yield start
    for server in started:
        server.shutdown()


def client(server: ReplayServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="any", max_retries=0)


def post(url: str, body: bytes, content_type: str = "application/json", **headers: str):
    """A raw POST, as curl would send it: (status, headers, body)."""
    request = urllib.request.Request(url, body, {"content-type": content_type, **headers}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_the_sdk_replays_lesson_06_by_sending_the_recorded_requests(serve):
    server, log = serve()
    assert server.base_url.endswith("/v1")
    answers = []
    for body, _ in recorded(LOOP):
        raw = client(server).chat.completions.with_raw_response.create(**body)
        answers.append((raw.headers["x-lessons-replayed"], raw.parse()))
    assert [seen for seen, _ in answers] == ["1/3", "2/3", "3/3"]
    assert answers[0][1].choices[0].message.tool_calls[0].function.name == "get_memory_info"
    assert answers[1][1].choices[0].message.tool_calls[0].function.name == "write_file"
    assert answers[2][1].choices[0].message.content == final_answer()
    assert answers[2][1].usage.completion_tokens == 608  # run B's published usage, served as recorded
    assert log == [f"POST /v1/chat/completions -> 200, recorded {n}/3" for n in (1, 2, 3)]


def test_a_streamed_cassette_replays_as_a_stream_the_sdk_assembles(serve):
    server, _ = serve(STREAMED)
    requests = [body for body, _ in recorded(STREAMED)]
    first = {k: v for k, v in requests[0].items() if k != "stream"}
    with client(server).chat.completions.stream(**first) as stream:
        message = stream.get_final_completion().choices[0].message
    assert [(c.id, c.function.name) for c in message.tool_calls] == [
        ("call_vxeBJnnY6W4iFKdbuGlzCgix", "get_memory_info")
    ]
    status, headers, body = post(server.base_url + "/chat/completions", json.dumps(requests[-1]).encode())
    assert (status, headers["content-type"]) == (200, "text/event-stream")
    assert body.startswith(b"data: {") and body.endswith(b"data: [DONE]\n\n")
    last = {k: v for k, v in requests[-1].items() if k != "stream"}
    with client(server).chat.completions.stream(**last) as stream:
        assert stream.get_final_completion().choices[0].message.content == final_answer()


def test_a_miss_is_a_400_naming_the_closest_request_and_the_first_difference(serve):
    server, log = serve()
    body = recorded(LOOP)[2][0]
    body["messages"][2]["content"] = '{"total": 1}'
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).chat.completions.create(**body)
    assert caught.value.code == "cassette_miss"
    assert (
        "Closest recorded request: 3 of 3; in this one, body.messages[2].content differs at character 10"
        in (caught.value.message)
    )
    assert log == ["POST /v1/chat/completions -> 400 cassette_miss"]


def test_a_path_the_cassette_never_saw_is_a_404_listing_what_it_holds(serve):
    server, _ = serve()
    with pytest.raises(openai.NotFoundError, match="holds no request to POST /v1/responses; it holds POST"):
        client(server).responses.create(model="gpt-5-mini", input="hi")


def test_json_sent_as_a_form_is_told_so(serve):
    server, _ = serve()
    spaced = json.dumps(recorded(LOOP)[0][0], indent=1).encode()  # curl -d sends a form type
    status, _, body = post(server.base_url + "/chat/completions", spaced, "application/x-www-form-urlencoded")
    assert status == 400
    assert "equals it as JSON but was not sent as application/json" in json.loads(body)["error"]["message"]


def test_in_order_serves_turn_2_to_a_different_body_and_says_so(serve):
    server, log = serve(in_order=True)
    first, second = (body for body, _ in recorded(LOOP)[:2])
    client(server).chat.completions.create(**first)
    second["messages"][2]["content"] = '{"total": 17034395648, "available": 2812403712}'  # another machine
    raw = client(server).chat.completions.with_raw_response.create(**second)
    assert raw.headers["x-lessons-replayed"] == "2/3"
    assert raw.headers["x-lessons-replayed-request"] == "POST /v1/chat/completions"
    assert raw.parse().choices[0].message.tool_calls[0].function.name == "write_file"
    assert (
        log[-1]
        == "POST /v1/chat/completions -> 200, recorded 2/3 (in order: the body differs from the recorded one)"
    )


def test_in_order_still_refuses_another_path_and_stops_after_the_last(serve):
    server, _ = serve(in_order=True)
    with pytest.raises(
        openai.NotFoundError, match="request 1 of 06_the_loop.yaml was POST /v1/chat/completions"
    ):
        client(server).embeddings.create(model="x", input="hi")
    for _ in range(3):  # the refusal did not use up a response
        client(server).chat.completions.create(model="any", messages=[])
    with pytest.raises(
        openai.BadRequestError, match="all 3 recorded responses of 06_the_loop.yaml were served"
    ):
        client(server).chat.completions.create(model="any", messages=[])


def test_any_key_or_none_is_accepted_and_never_logged(serve):
    server, log = serve()
    body = json.dumps(recorded(LOOP)[0][0]).encode()
    assert post(server.base_url + "/chat/completions", body)[0] == 200
    assert post(server.base_url + "/chat/completions", body, authorization="Bearer sk-secret-123")[0] == 200
    assert len(log) == 2 and not any("sk-secret" in line or "Bearer" in line for line in log)


def test_a_cassette_is_named_by_path_or_stem_and_a_missing_one_is_exit_2(capsys):
    assert find_cassette("06_the_loop") == LOOP
    assert find_cassette(str(LOOP)) == LOOP
    assert main(["no_such_lesson"]) == 2
    assert capsys.readouterr().err == (
        "python -m helpers serve: error: no cassette at no_such_lesson (see python -m helpers serve --help)\n"
    )


def test_the_command_starts_answers_and_stops_on_ctrl_c_without_a_traceback():
    command = [sys.executable, "-m", "helpers.recording.serve", "06_the_loop"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        head = [process.stdout.readline() for _ in range(3)]
        assert head[0] == "Serving 06_the_loop.yaml (3 recorded responses, published; matched as in replay)\n"
        base_url = head[1].strip()
        status, headers, _ = post(base_url + "/chat/completions", json.dumps(recorded(LOOP)[0][0]).encode())
        assert (status, headers["x-lessons-replayed"]) == (200, "1/3")
        assert process.stdout.readline() == "POST /v1/chat/completions -> 200, recorded 1/3\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (0, "serve: stopped\n", "")


def test_the_articles_own_script_runs_to_its_final_answer_against_serve_in_order(serve, tmp_path):
    server, log = serve(in_order=True)
    text = ARTICLE_SCRIPT.read_text(encoding="utf-8")
    assert text.count(ARTICLE_BASE_URL) == 1  # its one changed line, pointed at this server's port
    script = tmp_path / "article_script.py"
    script.write_text(text.replace(ARTICLE_BASE_URL, f'base_url="{server.base_url}"'), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == final_answer() + "\n"
    written = json.loads(recorded(LOOP)[1][1])["choices"][0]["message"]["tool_calls"][0]["function"][
        "arguments"
    ]
    assert (tmp_path / "mem_ok.txt").read_text(encoding="utf-8") == json.loads(written)["text"]
    assert [line.split(" -> ")[1][:17] for line in log] == [f"200, recorded {n}/3" for n in (1, 2, 3)]


RESPONSES = ROOT / "cassettes" / "09_the_responses_api.yaml"
PROMPT_SHOWN = '"需要帮我计算电脑的内存使用率和具体的使用情况,如果内存使用率超过80%,则将内存相关信息写到m…"'


def test_a_cassette_is_split_into_its_conversations():
    assert [s.indexes for s in Replay(STREAMED).sessions] == [(0, 1, 3), (2,)]
    assert [s.describe() for s in Replay(RESPONSES).sessions] == [
        f"  1  Responses, 3 requests, ends in an answer: {PROMPT_SHOWN}",
        f"  2  Responses, 1 request, starts mid-conversation, ends in a 400 error: {PROMPT_SHOWN}",
        f"  3  Responses, 1 request, starts mid-conversation, ends in a 400 error: {PROMPT_SHOWN}",
        f"  4  Responses, chained by previous_response_id, 3 requests, ends in an answer: {PROMPT_SHOWN}",
        f"  5  Responses, streamed, 1 request, starts mid-conversation, ends in tool calls: {PROMPT_SHOWN}",
    ]
    assert [s.indexes for s in Replay(RESPONSES).sessions] == [(0, 1, 2), (3,), (4,), (5, 6, 7), (8,)]


def test_sessions_are_listed_on_request_and_in_order_without_one_is_refused(capsys):
    listing = (
        "08_streaming_tool_calls.yaml holds 2 sessions:\n"
        f"  1  Chat, streamed, 3 requests, ends in an answer: {PROMPT_SHOWN}\n"
        f"  2  Chat, streamed, 1 request, ends in tool calls: {PROMPT_SHOWN}\n"
    )
    assert main(["08_streaming_tool_calls", "--sessions"]) == 0
    assert capsys.readouterr() == (listing, "")
    assert main(["08_streaming_tool_calls", "--in-order"]) == 2
    refused = (
        "python -m helpers serve: error: 08_streaming_tool_calls.yaml holds 2 sessions; --in-order plays one:"
        " pick it with --session N (see python -m helpers serve --help)"
    )
    assert capsys.readouterr() == (listing, refused + "\n")
    assert main(["08_streaming_tool_calls", "--session", "3"]) == 2
    assert capsys.readouterr().err == (
        "python -m helpers serve: error: 08_streaming_tool_calls.yaml has no session 3; it holds 1 to 2"
        " (see python -m helpers serve --help)\n"
    )


def test_in_order_on_one_session_plays_its_turns_once_each(serve):
    server, log = serve(STREAMED, in_order=True, session=1)
    messages = [{"role": "user", "content": "any question"}]
    replies = []
    for _ in range(3):
        with client(server).chat.completions.stream(model="any", messages=messages) as stream:
            message = stream.get_final_completion().choices[0].message
        replies.append([c.function.name for c in message.tool_calls or []] or message.content)
    assert replies == [["get_memory_info"], ["write_file"], final_answer()]
    assert [line.split(" -> ")[1][:17] for line in log] == [f"200, recorded {n}/3" for n in (1, 2, 3)]


def test_in_order_refuses_a_plain_request_a_stream_was_recorded_for_and_keeps_the_turn(serve):
    server, log = serve(STREAMED, in_order=True, session=1)
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).chat.completions.create(model="any", messages=[])
    assert caught.value.code == "stream_mismatch"
    assert caught.value.body["message"] == (
        "serve: recorded response 1 of session 1 of 08_streaming_tool_calls.yaml is a stream, and this "
        'request did not ask for one ("stream": true); send what the recording sent, or pick another session '
        "(serve --sessions)"
    )
    with client(server).chat.completions.stream(model="any", messages=[]) as stream:
        assert (
            stream.get_final_completion().choices[0].message.tool_calls[0].function.name == "get_memory_info"
        )
    assert log[0] == "POST /v1/chat/completions -> 400 stream_mismatch"


def test_a_stream_asked_of_a_json_recording_is_refused_in_the_apis_format(serve):
    server, _ = serve(in_order=True)
    with pytest.raises(
        openai.BadRequestError, match=r"response 1 of 06_the_loop.yaml is a JSON reply, and this re"
    ):
        client(server).chat.completions.create(model="any", messages=[], stream=True)


def test_a_port_out_of_range_or_taken_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["06_the_loop", "--port", "99999"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == (
        "python -m helpers serve: error: argument --port: '99999' is not a port (0 to 65535)"
        " (see python -m helpers serve --help)\n"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["06_the_loop", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"python -m helpers serve: error: cannot listen on 127.0.0.1:{port}: Address already in use"
        " (see python -m helpers serve --help)\n"
    )


def test_the_readmes_session_listing_is_what_the_command_prints(capsys):
    assert main(["08_streaming_tool_calls", "--sessions"]) == 0
    shown = "$ python -m helpers serve 08_streaming_tool_calls --sessions\n" + capsys.readouterr().out
    assert shown in (ROOT / "README.md").read_text(encoding="utf-8")
