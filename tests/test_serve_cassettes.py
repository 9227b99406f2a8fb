"""``serve`` on corrupt cassettes: refused at start in one line (exit 1), or served well-formed."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ROOT

from helpers.recording.serve import cassette as serve_cassette
from helpers.recording.serve import main
from helpers.recording.serve.cassette import CassetteError, load
from helpers.recording.serve.replay import Replay
from helpers.recording.serve.server import ReplayServer

LOOP = ROOT / "cassettes" / "06_the_loop.yaml"
BASE = yaml.safe_load(LOOP.read_text(encoding="utf-8"))
# A plain Chat, a streamed Chat and a Responses cassette, to corrupt.
BASES = [
    yaml.safe_load((ROOT / "cassettes" / f"{stem}.yaml").read_text(encoding="utf-8"))
    for stem in ("06_the_loop", "08_streaming_tool_calls", "09_the_responses_api")
]
QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Where in an interaction a value is replaced, and what by.
FIELDS = [
    (),
    ("request",),
    ("request", "method"),
    ("request", "uri"),
    ("request", "body"),
    ("request", "headers"),
    ("request", "headers", "content-type"),
    ("response",),
    ("response", "status"),
    ("response", "status", "code"),
    ("response", "headers"),
    ("response", "headers", "content-type"),
    ("response", "headers", "x-extra"),
    ("response", "body"),
    ("response", "body", "string"),
]
VALUES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)
    | st.sampled_from(
        ["text/event-stream", "a\r\nset-cookie: x=1", "ok\x1b[2J", "é", "x" * 10_000, "[" * 300]
    )
)


def write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def mutated(where: tuple[str, ...], value: Any, number: int, base: dict[str, Any] = BASE) -> dict[str, Any]:
    """A cassette (lesson 06's by default) with one field of interaction ``number`` replaced."""
    data = copy.deepcopy(base)
    if not where:
        data["interactions"][number] = value
        return data
    target = data["interactions"][number]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return data


def starts(path: Path, capsys, monkeypatch) -> tuple[int, str]:
    """Run the command up to the point where it would serve: (exit code, stderr)."""
    with monkeypatch.context() as patched:
        patched.setattr(ReplayServer, "serve_forever", lambda self: None)
        code = main([str(path)])
    return code, capsys.readouterr().err


def assert_well_formed(path: Path) -> None:
    """Every recorded request, sent to a server on the cassette, gets a well-formed HTTP answer."""
    replay = Replay(path)
    with ReplayServer(replay) as server:
        for recorded in replay.recorded:
            target = urlsplit(recorded.uri).path
            answer = replay.answer(recorded.method, target, "application/json", recorded.body or b"")
            assert 100 <= answer.status <= 599
            for name, value in answer.headers:
                assert HEADER_NAME.fullmatch(name) and "\r" not in value and "\n" not in value
            if ", recorded " not in answer.log:  # serve's own refusal, not a recorded response
                assert set(json.loads(answer.body)["error"]) == {"message", "type", "param", "code"}
        assert server.base_url.startswith("http://127.0.0.1:")


@QUICK
@given(where=st.sampled_from(FIELDS), value=VALUES, number=st.integers(0, 2), base=st.sampled_from(BASES))
def test_a_corrupt_field_is_refused_in_one_line_or_served_well_formed(
    tmp_path, capsys, monkeypatch, where, value, number, base
):
    path = write(tmp_path, mutated(where, value, number, base))
    code, err = starts(path, capsys, monkeypatch)
    assert code in (0, 1)
    if code == 1:
        assert err.startswith("serve: bad.yaml ") and err.endswith("\n") and err.count("\n") == 1
        assert f"interaction {number + 1}: " in err
    else:
        assert err == ""
        assert_well_formed(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "serve: bad.yaml is not a cassette: "),
        ({"interactions": 5}, "serve: bad.yaml its interactions are not a list\n"),
        ({"interactions": [], "metadata": []}, "serve: bad.yaml its metadata is not a mapping\n"),
        ({"interactions": []}, "serve: bad.yaml holds no interaction\n"),
        (None, "serve: bad.yaml holds no interaction\n"),
    ],
)
def test_a_file_that_is_not_a_cassette_is_refused_in_one_line(tmp_path, capsys, monkeypatch, data, message):
    code, err = starts(write(tmp_path, data), capsys, monkeypatch)
    assert (code, err[: len(message)], err.count("\n")) == (1, message, 1)


def test_a_header_value_with_cr_lf_is_refused_never_sent(tmp_path, capsys, monkeypatch):
    data = mutated(("response", "headers", "content-type"), ["application/json\r\nset-cookie: a=1"], 1)
    code, err = starts(write(tmp_path, data), capsys, monkeypatch)
    assert (code, err) == (
        1,
        "serve: bad.yaml interaction 2: response.headers['content-type'] holds the control character '\\r'\n",
    )


def test_a_response_body_that_is_not_utf8_is_served_byte_for_byte(tmp_path):
    data = mutated(("response", "body", "string"), b"\xff\xfe not text", 0)
    replay = Replay(write(tmp_path, data))
    first = replay.recorded[0]
    answer = replay.answer("POST", "/v1/chat/completions", "application/json", first.body)
    assert (answer.status, answer.body) == (200, b"\xff\xfe not text")


def test_a_recorded_request_body_nested_too_deep_is_refused(tmp_path, capsys, monkeypatch):
    data = mutated(("request", "body"), "[" * 5000 + "]" * 5000, 2)
    code, err = starts(write(tmp_path, data), capsys, monkeypatch)
    assert (code, err) == (1, "serve: bad.yaml interaction 3: request.body nests deeper than 64 levels\n")


def test_a_cassette_past_the_size_cap_is_refused_unread(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(serve_cassette, "MAX_CASSETTE_BYTES", 1000)
    path = write(tmp_path, BASE)
    code, err = starts(path, capsys, monkeypatch)
    size = path.stat().st_size
    assert (code, err) == (1, f"serve: bad.yaml is {size:,} bytes; serve reads cassettes up to 1,000\n")


def test_truncated_deep_or_not_utf8_yaml_is_one_line_and_exit_1_from_the_command(tmp_path):
    truncated = tmp_path / "truncated.yaml"
    text = LOOP.read_text(encoding="utf-8")
    truncated.write_text(text[: len(text) // 2] + '\n  - "unclosed', encoding="utf-8")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"interactions: []\nmetadata: {note: \xe9}\n")
    deep = tmp_path / "deep.yaml"  # built whole, it would overflow libyaml's C stack and kill the process
    deep.write_text("interactions: " + "[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")
    cases = [
        (truncated, "is not YAML: "),
        (latin, "is not UTF-8 text (byte 34)"),
        (deep, "nests deeper than 32 levels; no cassette does"),
    ]
    for path, start in cases:
        done = subprocess.run(
            [sys.executable, "-m", "helpers", "serve", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr.count("\n")) == (1, "", 1)
        assert done.stderr.startswith(f"serve: {path.name} {start}")


def test_the_published_cassettes_all_load():
    for path in sorted((ROOT / "cassettes").glob("*.yaml")):
        metadata, recorded = load(path)
        assert recorded and metadata["provenance"] in ("published", "authored", "recorded"), path.name


def test_a_cassette_error_is_one_line_even_for_a_multi_line_yaml_error(tmp_path):
    path = tmp_path / "tabs.yaml"
    path.write_text("interactions:\n\t- a: [\n", encoding="utf-8")
    with pytest.raises(CassetteError) as caught:
        load(path)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("is not YAML: ")


@pytest.mark.parametrize(
    ("code", "shown"), [(101, "101"), (10**30, str(10**30)), (True, "True"), ("200", None)]
)
def test_a_status_that_is_not_a_final_http_status_is_refused(tmp_path, capsys, monkeypatch, code, shown):
    data = mutated(("response", "status", "code"), code, 0)
    status_error = f"response.status.code is {shown}, not an HTTP status (200-599)"
    expected = status_error if shown else "response.status.code is str, not int"
    assert starts(write(tmp_path, data), capsys, monkeypatch) == (
        1,
        f"serve: bad.yaml interaction 1: {expected}\n",
    )
