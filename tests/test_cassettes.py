"""Every cassette passes the lint, and the lint catches what it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support import META, completion, published, tool_call

from helpers.__main__ import main
from helpers.recording.cassettes import read_cassette
from helpers.recording.check import check_cassette

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = sorted((ROOT / "cassettes").glob("*.yaml"))
NOTEBOOKS = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}


def interactions(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]


@pytest.mark.parametrize("path", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_cassette_passes_the_lint(path):
    assert check_cassette(path) == []


@pytest.mark.parametrize("path", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_each_cassette_belongs_to_a_notebook(path):
    # <stem>.yaml, or <stem>.<session>.yaml for a lesson's further sessions
    assert path.stem.split(".")[0] in NOTEBOOKS


def test_check_command_over_every_cassette(capsys):
    assert main(["check"]) == 0
    assert capsys.readouterr().out.endswith(f"{len(CASSETTES)} cassette(s) checked, 0 problem(s)\n")


# The lint itself, on small cassettes made to break one rule each.


def make(tmp_path: Path, body: dict, response: dict, meta: dict = META, **extra: dict) -> Path:
    request_headers = {"content-type": ["application/json"], **extra.get("request_headers", {})}
    response_headers = {"content-type": ["application/json"], **extra.get("response_headers", {})}
    data = {
        "version": 1,
        "metadata": meta,
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": extra.get("uri", "https://api.openai.com/v1/chat/completions"),
                    "body": json.dumps(body),
                    "headers": request_headers,
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": response_headers,
                    "body": {"string": json.dumps(response)},
                },
            }
        ],
    }
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


GOOD_BODY = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "hi"}]}
GOOD_RESPONSE = completion({"content": "hello"})


def test_a_clean_cassette_passes(tmp_path):
    assert check_cassette(make(tmp_path, GOOD_BODY, GOOD_RESPONSE)) == []


def test_the_published_turn_three_passes(tmp_path):
    body, response = published("run-b.turn3.request.json"), published("run-b.turn3.response.json")
    assert check_cassette(make(tmp_path, body, response)) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"request_headers": {"authorization": ["Bearer abcdefghijkl"]}}, "keeps the header 'authorization'"),
        ({"request_headers": {"X-Stainless-OS": ["Linux"]}}, "keeps the header 'X-Stainless-OS'"),
        ({"response_headers": {"set-cookie": ["a=b"]}}, "keeps the header 'set-cookie'"),
        ({"response_headers": {"openai-organization": ["org-1"]}}, "keeps the header 'openai-organization'"),
        ({"response_headers": {"x-request-id": ["req_1"]}}, "keeps the header 'x-request-id'"),
        ({"uri": "http://127.0.0.1:9999/v1/chat/completions"}, "not https://api.openai.com/v1"),
    ],
)
def test_headers_and_hosts_are_caught(tmp_path, extra, expected):
    problems = check_cassette(make(tmp_path, GOOD_BODY, GOOD_RESPONSE, **extra))
    assert any(expected in p for p in problems), problems


def test_a_key_anywhere_is_caught(tmp_path):
    body = {**GOOD_BODY, "messages": [{"role": "user", "content": "my key is sk-abcdefghijklmnop123"}]}
    assert check_cassette(make(tmp_path, body, GOOD_RESPONSE)) == [
        "demo.yaml: interaction 1: request.body holds something that looks like a key or bearer token"
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("File name too long: '/home/ann/lessons/notebooks/workspace/aaaa'", "'/home/ann/…'"),
        ("saved in /Users/ann/Desktop/x.txt", "'/Users/ann/…'"),
        ("cache at /root/.cache/x", "'/root/.cache/…'"),
        ("see /tmp/pytest-7/out.txt", "'/tmp/pytest-7/…'"),
        ("C:\\Users\\ann\\notes.txt", "'C:\\Users\\ann\\…'"),
    ],
)
def test_an_absolute_path_in_a_body_is_caught(tmp_path, text, shown):
    response = completion({"content": text})
    assert check_cassette(make(tmp_path, GOOD_BODY, response)) == [
        f"demo.yaml: interaction 1: response.body.string holds an absolute path ({shown})"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "see https://example.com/home/ann/page and /v1/chat/completions",
        "relative: notes/tmp/x, ../tmp/y, ~/tmp/z; just /tmp or /root",
        "Note:\\temp, e:\\Users and C:\\new are not paths to a home folder",
    ],
)
def test_paths_that_are_not_machine_paths_pass(tmp_path, text):
    assert check_cassette(make(tmp_path, GOOD_BODY, completion({"content": text}))) == []


def test_this_machines_own_folders_are_caught_whatever_they_are_called(tmp_path, monkeypatch):
    response = completion({"content": "wrote /work/lessons-x/workspace/a.txt"})
    assert check_cassette(make(tmp_path, GOOD_BODY, response)) == []  # not a usual kind of path
    monkeypatch.setenv("LESSONS_WORKDIR", "/work/lessons-x/workspace")  # but this machine's workspace
    assert check_cassette(make(tmp_path, GOOD_BODY, response)) == [
        "demo.yaml: interaction 1: response.body.string holds an absolute path ('/work/lessons-x/…')"
    ]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({k: v for k, v in META.items() if k != "provenance"}, "metadata has no 'provenance'"),
        ({**META, "provenance": "imagined"}, "is not one of"),
        ({**META, "provenance": "authored", "note": ""}, "needs a note"),
        ({**META, "provider": "nowhere"}, "provider 'nowhere' is unknown"),
        ({**META, "model": "gpt-4o"}, "metadata says 'gpt-4o'"),
        ({**META, "tape": {"get_memory_info": "not a list"}}, "tape must map"),
    ],
)
def test_metadata_is_checked(tmp_path, meta, expected):
    problems = check_cassette(make(tmp_path, GOOD_BODY, GOOD_RESPONSE, meta))
    assert any(expected in p for p in problems), problems


def test_a_broken_conversation_is_caught(tmp_path):
    body = {
        **GOOD_BODY,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "tool_calls": [tool_call("call_1", "get_memory_info")]},
            {"role": "user", "content": "and?"},
        ],
    }
    problems = check_cassette(make(tmp_path, body, GOOD_RESPONSE))
    assert any("breaks the conversation rules" in p and "call_1" in p for p in problems), problems


def test_an_invalid_request_is_caught(tmp_path):
    body = {**GOOD_BODY, "messages": [{"role": "wizard", "content": "hi"}]}
    problems = check_cassette(make(tmp_path, body, GOOD_RESPONSE))
    assert any("is not a valid request" in p for p in problems), problems


def test_a_response_the_sdk_cannot_parse_is_caught(tmp_path):
    response = {**GOOD_RESPONSE, "choices": [{"index": 0, "message": {"role": "assistant"}}]}
    problems = check_cassette(make(tmp_path, GOOD_BODY, response))
    assert any("does not parse as chat" in p for p in problems), problems


def test_a_cassette_is_read_without_vcrpy_unless_it_uses_a_python_tag(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text("interactions: []\nmetadata: {provenance: authored}\nversion: 1\n", encoding="utf-8")
    assert read_cassette(plain)["metadata"] == {"provenance": "authored"}
    # vcrpy's loader also accepts a tuple; the safe loader refuses it, and vcrpy's reads it.
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text(
        "interactions: []\nmetadata: {pair: !!python/tuple [a, b]}\nversion: 1\n", encoding="utf-8"
    )
    assert read_cassette(tagged)["metadata"] == {"pair": ("a", "b")}
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("metadata: !!python/object/apply:os.getcwd []\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        read_cassette(unsafe)
