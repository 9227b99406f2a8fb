"""setup() and the cassette wiring: banner, replay, misses, scrubbing hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx2
import openai
import pytest
import yaml
from support import META, ROOT, completion
from vcr.request import Request

from helpers.recording.cassettes import ReplayMiss, rewrite_host, scrub_response
from helpers.recording.client import current_session, exchanges, setup, start_session
from helpers.recording.patience import CONNECT_SECONDS, LIVE_RETRIES, client_options
from helpers.settings import load_settings

USER = [{"role": "user", "content": "hello"}]


def write_cassette(folder: Path, stem: str, body: dict, response: dict, metadata: dict) -> Path:
    """A one-interaction cassette in vcrpy's format."""
    import json

    path = folder / f"{stem}.yaml"
    interaction = {
        "request": {
            "method": "POST",
            "uri": "https://api.openai.com/v1/chat/completions",
            "body": json.dumps(body),
            "headers": {"content-type": ["application/json"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": json.dumps(response)},
        },
    }
    data = {"version": 1, "interactions": [interaction], "metadata": metadata}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def cassette_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path))
    monkeypatch.setenv("LESSONS_MODE", "replay")
    yield tmp_path
    session = current_session()
    if session:
        session.close()


def test_replay_plays_the_cassette_without_network(cassette_dir, no_network, capsys):
    write_cassette(
        cassette_dir,
        "demo",
        {"model": "gpt-5-mini", "messages": USER},
        completion({"content": "hi there"}),
        META,
    )
    client, model = setup("demo")
    banner = capsys.readouterr().out
    assert banner == "replay · openai · gpt-5-mini · cassette demo.yaml (recorded)\n"
    reply = client.chat.completions.create(model=model, messages=USER)
    assert reply.choices[0].message.content == "hi there"
    again = client.chat.completions.create(model=model, messages=USER)  # re-running a cell
    assert again.choices[0].message.content == "hi there"
    log = exchanges()
    assert [e.request for e in log] == [{"model": "gpt-5-mini", "messages": USER}] * 2
    assert log[0].response["choices"][0]["message"]["content"] == "hi there"


def test_replay_takes_provider_and_model_from_the_cassette(cassette_dir, monkeypatch):
    monkeypatch.setenv("LESSONS_PROVIDER", "deepseek")
    write_cassette(cassette_dir, "demo", {"model": "gpt-5-mini"}, completion({}), META)
    session = start_session("demo")
    assert (session.provider, session.model) == ("openai", "gpt-5-mini")
    assert str(session.client.base_url) == "https://api.openai.com/v1/"


def test_a_miss_names_cassette_difference_and_command(cassette_dir, no_network):
    write_cassette(cassette_dir, "demo", {"model": "gpt-5-mini", "messages": USER}, completion({}), META)
    client, model = setup("demo")
    changed = [{"role": "user", "content": "goodbye"}]
    with pytest.raises(ReplayMiss) as caught:
        client.chat.completions.create(model=model, messages=changed)
    text = str(caught.value)
    assert "demo.yaml holds no response for POST /v1/chat/completions" in text
    assert 'body.messages[0].content differs at character 0: "goodbye", recorded "hello"' in text
    assert "python -m helpers record notebooks/demo.ipynb" in text


def test_no_cassette_means_no_requests(cassette_dir, no_network, capsys):
    client, model = setup("nothing")
    assert "no cassette" in capsys.readouterr().out
    with pytest.raises(ReplayMiss, match="has no cassette yet"):
        client.chat.completions.create(model=model, messages=USER)


def test_live_mode_uses_the_provider(monkeypatch, capsys):
    monkeypatch.setenv("LESSONS_MODE", "live")
    monkeypatch.setenv("LESSONS_PROVIDER", "dashscope")
    monkeypatch.setenv("DASHSCOPE_API_KEY", "test-key-not-real")
    client, model = setup("demo")
    assert model == "qwen-plus"
    assert str(client.base_url) == "https://dashscope.aliyuncs.com/compatible-mode/v1/"
    assert client.api_key == "test-key-not-real"
    assert capsys.readouterr().out == (
        "live · dashscope · qwen-plus · https://dashscope.aliyuncs.com/compatible-mode/v1\n"
    )
    current_session().close()


def test_rewrite_host_keeps_only_harmless_headers():
    hook = rewrite_host("http://127.0.0.1:5555/v1", "https://api.openai.com/v1")
    request = Request(
        "POST",
        "http://127.0.0.1:5555/v1/chat/completions",
        b"{}",
        {
            "Authorization": "Bearer secret-value",
            "Content-Type": "application/json",
            "X-Stainless-OS": "Linux",
            "X-Stainless-Arch": "x64",
            "X-Stainless-Runtime-Version": "3.11.7",
            "X-Stainless-Package-Version": "3.54.0",
            "Cookie": "a=b",
            "OpenAI-Organization": "org-x",
        },
    )
    out = hook(request)
    assert out.uri == "https://api.openai.com/v1/chat/completions"
    assert sorted(out.headers) == ["Content-Type", "X-Stainless-Package-Version"]


def test_scrub_response_drops_cookies_and_ids():
    response = {
        "headers": {
            "content-type": ["application/json"],
            "set-cookie": ["__cf_bm=x"],
            "openai-organization": ["org-x"],
            "openai-project": ["proj_x"],
            "x-request-id": ["req_1"],
            "openai-processing-ms": ["812"],
            "retry-after": ["1"],
            "x-ratelimit-remaining-tokens": ["266"],
        }
    }
    assert scrub_response(response)["headers"] == {
        "content-type": ["application/json"],
        "openai-processing-ms": ["812"],
        "retry-after": ["1"],
        "x-ratelimit-remaining-tokens": ["266"],
    }


def test_settings_recording_path_is_scratch(tmp_path):
    settings = load_settings({"LESSONS_CASSETTE_DIR": str(tmp_path)})
    assert settings.recording_path("06_the_loop") == tmp_path / ".recording-06_the_loop" / "06_the_loop.yaml"


def test_the_client_is_a_real_openai_client(cassette_dir):
    client, _ = setup("demo")
    assert isinstance(client, openai.OpenAI)
    assert client.max_retries == 0  # a replay miss must fail at once, not retry


def test_hosts_under_invalid_are_never_recorded_nor_replayed(cassette_dir):
    hook = rewrite_host("http://127.0.0.1:5555/v1", "https://api.openai.com/v1")
    assert hook(Request("POST", "http://practice.invalid/v1/chat/completions", b"{}", {})) is None
    # In replay, the practice model answers even while a lesson's cassette is in use.
    from helpers import practice_client

    setup("demo")
    client, model = practice_client()
    reply = client.chat.completions.create(model=model, messages=USER)
    assert reply.choices[0].message.content.startswith("Practice model:")


def test_live_gives_up_within_two_minutes_and_replay_tries_once(cassette_dir, monkeypatch):
    from openai._constants import DEFAULT_TIMEOUT, INITIAL_RETRY_DELAY

    setup("demo")
    assert (current_session().client.max_retries, current_session().client.timeout) == (0, DEFAULT_TIMEOUT)
    monkeypatch.setenv("LESSONS_MODE", "live")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real")
    client, _ = setup("demo")
    assert (client.max_retries, client.timeout) == (2, httpx2.Timeout(30.0, connect=5.0))
    # Every attempt may connect, then wait; the SDK backs off 0.5 s, then 1 s.
    backoff = sum(INITIAL_RETRY_DELAY * 2**retry for retry in range(LIVE_RETRIES))
    assert (LIVE_RETRIES + 1) * (CONNECT_SECONDS + 30.0) + backoff == 106.5
    current_session().close()


def test_the_timeout_setting_reaches_live_and_record_clients():
    for mode in ("live", "record"):
        env = {"LESSONS_MODE": mode, "LESSONS_RECORD_PLAN": "plan.json", "LESSONS_TIMEOUT": "2"}
        assert client_options(load_settings(env)) == {"max_retries": 2, "timeout": httpx2.Timeout(2.0)}
    assert client_options(load_settings({"LESSONS_TIMEOUT": "2"})) == {"max_retries": 0}


def test_the_replay_transport_never_reaches_the_network_without_a_cassette():
    import httpx2

    from helpers.recording.client import _ReplayTransport

    request = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions", json={})
    with pytest.raises(ReplayMiss, match="replay sends no request to the network"):
        _ReplayTransport("06_the_loop").handle_request(request)


def test_a_closed_session_puts_no_cassette_in_use(cassette_dir, no_network):
    write_cassette(cassette_dir, "demo", {"model": "gpt-5-mini", "messages": USER}, completion({}), META)
    client, model = setup("demo")
    session = current_session()
    session.close()  # before any request: the closed client refuses it before the transport sees it
    with pytest.raises(RuntimeError, match="the client has been closed"):
        client.chat.completions.create(model=model, messages=USER)
    assert session._context is None  # and the cassette was never put in use


def test_setup_leaves_vcrpy_to_the_first_request():
    # vcrpy takes 0.2-0.3 s to import: the setup cell only reads the cassette's metadata,
    # and the first request puts the cassette in use.
    code = (
        "import sys\n"
        "from helpers import RUN_B_PROMPT, ARTICLE_TOOLS, setup\n"
        "client, model = setup('06_the_loop')\n"
        "print('vcr' in sys.modules)\n"
        "reply = client.chat.completions.create(\n"
        "    model=model, messages=[{'role': 'user', 'content': RUN_B_PROMPT}], tools=ARTICLE_TOOLS\n"
        ")\n"
        "print('vcr' in sys.modules, reply.choices[0].message.tool_calls[0].function.name)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONS_")}
    env["LESSONS_MODE"] = "replay"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.stdout.splitlines()[1:] == ["False", "False get_memory_info"], done.stderr
