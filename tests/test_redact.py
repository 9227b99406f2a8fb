"""Nothing of the recording machine reaches a cassette, and no secret reaches the terminal."""

from __future__ import annotations

import json

import pytest
from vcr.request import Request

from helpers.recording.cassettes import rewrite_host, scrub_response
from helpers.recording.redact import Scrubber, leak_finder, machine_paths, redact, redact_url

PATHS = {"/home/ann/lessons/notebooks/workspace": "<workspace>", "/home/ann": "~", "/tmp": "<tmp>"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"/home/ann/lessons/notebooks/workspace/x.txt", b"<workspace>/x.txt"),
        (b"/home/ann/.cache and /tmp/pytest-3/y", b"~/.cache and <tmp>/pytest-3/y"),
        (b'{"e": "\\/home\\/ann\\/z", "f": "\\n/tmp/q"}', b'{"e": "~\\/z", "f": "\\n<tmp>/q"}'),
        (
            b"https://host/home/ann/page, /home/anna, /tmp alone",
            b"https://host/home/ann/page, /home/anna, /tmp alone",
        ),
    ],
)
def test_redact_replaces_this_machines_folders_only(body, expected):
    assert redact(body, PATHS) == expected


def test_redact_finds_windows_and_non_ascii_folders_however_they_are_escaped():
    paths = {"C:\\Users\\Zoé": "~"}
    body = json.dumps({"a": "C:\\Users\\Zoé\\x", "b": "C:/Users/Zoé/y"}).encode()
    assert redact(body, paths) == b'{"a": "~\\\\x", "b": "~/y"}'


def test_machine_paths_name_the_workspace_home_tmp_and_project(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path / "ws"))
    placeholders = machine_paths()
    assert placeholders[str(tmp_path / "ws")] == "<workspace>"
    assert set(placeholders.values()) == {"<workspace>", "<project>", "~", "<tmp>"}


def test_the_cassette_hooks_redact_bodies_so_replay_matches_on_any_machine():
    hook = rewrite_host("http://127.0.0.1:9/v1", "https://api.openai.com/v1", PATHS)
    request = Request("POST", "http://127.0.0.1:9/v1/chat/completions", b'{"x": "/home/ann/notes"}', {})
    assert hook(request).body == b'{"x": "~/notes"}'
    response = {"headers": {"x-request-id": ["r"]}, "body": {"string": b"/tmp/abc/d"}}
    assert scrub_response(response, PATHS) == {"headers": {}, "body": {"string": b"<tmp>/abc/d"}}


def test_leak_finder_says_each_kind_once():
    find = leak_finder({})
    text = "sk-abcdefghijklmnop12 then /home/a/x and /Users/b/y and Bearer abcdefghijk"
    assert find(text) == ["something that looks like a key or bearer token", "an absolute path ('/home/a/…')"]
    assert find("GET /v1/chat/completions at https://api.openai.com/v1") == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:p@host:8000/v1?api-key=abc&x=1", "http://***@host:8000/v1?api-key=***&x=***"),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://[::1", "***"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_the_scrubber_removes_url_credentials_and_every_providers_key():
    url = "http://user:hunter22@host/v1?api-key=topsecret99"
    say = Scrubber(url, {"OPENAI_API_KEY": "sk-live-123456789", "DEEPSEEK_API_KEY": "ds-abcdefgh"})
    said = say(f"failed at {url}: hunter22, topsecret99, sk-live-123456789, ds-abcdefgh")
    assert said == "failed at http://***@host/v1?api-key=***: ***, ***, ***, ***"
