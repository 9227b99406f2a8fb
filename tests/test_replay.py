"""Replay without vcrpy answers and refuses exactly as vcrpy, which records the cassettes, would."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
import vcr
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support import META, ROOT, completion
from vcr.cassette import Cassette
from vcr.matchers import get_matchers_results
from vcr.request import Request as VcrRequest
from vcr.stubs.httpx_stubs import _deserialize_response

from helpers.recording.cassettes import MATCH_ON, make_vcr, read_cassette
from helpers.recording.client import current_session, setup
from helpers.recording.loopback import LoopbackServer, Reply, Script
from helpers.recording.matching import MATCHERS, Request, results
from helpers.recording.replay import Player, Unplayable, as_httpx
from helpers.settings import PROVIDERS

PUBLIC = PROVIDERS["openai"].base_url
CASSETTES = sorted((ROOT / "cassettes").glob("*.yaml"))


def vcrpy_cassette(path: Path, base: str) -> Cassette:
    """The cassette as a lesson's replay loaded it before: vcrpy with the project's configuration."""
    config = make_vcr(sent_base=base, public_base=base).get_merged_config(
        path=str(path), record_mode="none", allow_playback_repeats=True
    )
    config.pop("path_transformer"), config.pop("func_path_generator"), config.pop("record_on_exception")
    return Cassette.load(**config)


def same_response(ours: httpx2.Response, theirs: httpx2.Response) -> None:
    assert ours.status_code == theirs.status_code and ours.reason_phrase == theirs.reason_phrase
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.read() == theirs.read()


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_every_cassette_plays_and_misses_as_vcrpy_does(path):
    base = PROVIDERS[read_cassette(path)["metadata"].get("provider", "openai")].base_url
    theirs, ours = vcrpy_cassette(path, base), Player(path, sent_base=base, public_base=base)
    assert len(ours.interactions) == len(theirs.data) > 0
    for raw in read_cassette(path)["interactions"]:
        sent = raw["request"]
        args = (sent["method"], sent["uri"], sent["body"], sent["headers"])
        played = ours.response_for(Request(*args))
        assert played == theirs.play_response(VcrRequest(*args))
        same_response(as_httpx(played), _deserialize_response(played, httpx2))
        # The same request to another path misses in both, with the same closest requests.
        elsewhere = (args[0], args[1] + "/elsewhere", *args[2:])
        with pytest.raises(Unplayable) as missed:
            ours.response_for(Request(*elsewhere))
        expected = theirs.find_requests_with_most_matches(VcrRequest(*elsewhere))
        assert [(r.uri, p, f) for r, p, f in missed.value.similar] == [(r.uri, p, f) for r, p, f in expected]


KINDS = [None, "application/json", "application/json; charset=utf-8", "text/plain"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes | None, bytes | None]:
    """Two bodies: the same JSON with keys in another order, two JSON values, or any bytes."""
    kind = draw(st.sampled_from(["reordered", "json", "bytes"]))
    if kind == "reordered":
        value = draw(st.dictionaries(st.text(max_size=5), JSON, max_size=4))
        flipped = dict(reversed(list(value.items())))
        return json.dumps(value).encode(), json.dumps(flipped, ensure_ascii=False).encode()
    if kind == "json":
        return tuple(json.dumps(draw(JSON), ensure_ascii=draw(st.booleans())).encode() for _ in "ab")
    return tuple(draw(st.none() | st.binary(max_size=20) | st.just(b"")) for _ in "ab")


@settings(max_examples=300, deadline=None)
@given(
    methods=st.tuples(*[st.sampled_from(["GET", "POST"])] * 2),
    paths=st.tuples(*[st.sampled_from(["", "/", "/v1/chat/completions", "/v1/responses"])] * 2),
    kinds=st.tuples(*[st.sampled_from(KINDS)] * 2),
    pair=bodies(),
)
def test_the_matchers_accept_and_refuse_what_vcrpys_do(methods, paths, kinds, pair):
    sent, recorded = (
        (method, f"https://api.openai.com{path}", body, {"Content-Type": kind} if kind else {})
        for method, path, body, kind in zip(methods, paths, pair, kinds, strict=True)
    )
    assert tuple(MATCHERS) == MATCH_ON  # the configuration vcrpy records with
    matchers = [getattr(vcr.matchers, name) for name in MATCH_ON]
    assert results(Request(*sent), Request(*recorded)) == get_matchers_results(
        VcrRequest(*sent), VcrRequest(*recorded), matchers
    )


def test_a_recording_replays_through_the_player_streams_included(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path / "workspace"))
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
    }
    replies = [Reply(body=completion({"content": "plain"})), Reply(sse=[chunk])]
    path = tmp_path / "demo.yaml"
    with LoopbackServer(Script(replies)) as server:
        recorder = make_vcr(sent_base=server.base_url, public_base=PUBLIC)
        with recorder.use_cassette(str(path), record_mode="new_episodes"), httpx2.Client() as http:
            sent = [
                http.post(f"{server.base_url}/chat/completions", json={"messages": [], "stream": s})
                for s in (False, True)
            ]
    player = Player(path, sent_base=PUBLIC, public_base=PUBLIC)
    for original in sent:
        # Keys in another order still match: the body is compared as JSON.
        body = json.dumps(dict(reversed(list(json.loads(original.request.content).items())))).encode()
        request = Request(
            "POST", "https://api.openai.com/v1/chat/completions", body, original.request.headers
        )
        replayed = as_httpx(player.response_for(request))
        assert (replayed.status_code, replayed.read()) == (original.status_code, original.read())
        assert replayed.headers["content-type"] == original.headers["content-type"]
    assert sent[1].headers["content-type"].startswith("text/event-stream")


GOOD = {
    "request": {
        "method": "POST",
        "uri": f"{PUBLIC}/chat/completions",
        "body": json.dumps({"model": "gpt-5-mini", "messages": []}),
        "headers": {"content-type": ["application/json"]},
    },
    "response": {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/json"]},
        "body": {"string": json.dumps(completion({"content": "hi"}))},
    },
}


def _with(part, key, value):
    item = json.loads(json.dumps(GOOD))
    item[part][key] = value
    return item


def _replay_one(tmp_path, monkeypatch, data):
    # One request of a lesson's client against a cassette holding ``data``.
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path))
    monkeypatch.setenv("LESSONS_MODE", "replay")
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    client, model = setup("demo")
    try:
        return client.chat.completions.create(model=model, messages=[])
    finally:
        current_session().close()


def test_the_well_formed_interaction_replays(tmp_path, monkeypatch):
    reply = _replay_one(tmp_path, monkeypatch, {"interactions": [GOOD], "metadata": META})
    assert reply.choices[0].message.content == "hi"


@pytest.mark.parametrize(
    ("interaction", "fault"),
    [
        ({"request": {"method": "POST"}}, "response is NoneType, not dict"),
        ("not a mapping", "is str, not a mapping"),
        (_with("response", "status", {"code": "200"}), "response.status.code is str, not int"),
        (_with("response", "status", "200"), "response.status is str, not dict"),
        (
            _with("response", "status", {"code": 99999}),
            "response.status.code is 99999, not an HTTP status (200-599)",
        ),
        (
            _with("response", "status", {"code": 200, "message": "好"}),
            "response.status.message is '好', not ASCII text",
        ),
        (_with("response", "headers", "x"), "response.headers is str, not a mapping"),
        (_with("response", "headers", {"x": [5]}), "response.headers['x'] holds int, not text"),
        (
            _with("response", "headers", {"x": ["a\r\nb"]}),
            "response.headers['x'] holds the control character '\\r'",
        ),
        (_with("response", "body", {"string": 5}), "response.body.string is int, not text or bytes"),
        (_with("response", "body", "x"), "response.body is str, not dict"),
        (_with("request", "uri", 5), "request.uri is int, not str"),
        (_with("request", "method", 5), "request.method is int, not str"),
        (_with("request", "body", 5), "request.body is int, not text or bytes"),
        (_with("request", "headers", [1, 2]), "request.headers is list, not a mapping"),
    ],
)
def test_a_malformed_cassette_is_refused_in_one_line(tmp_path, monkeypatch, interaction, fault):
    with pytest.raises(ValueError) as caught:
        _replay_one(tmp_path, monkeypatch, {"interactions": [interaction], "metadata": META})
    assert str(caught.value) == f"demo.yaml: interaction 1: {fault} (python -m helpers check lists all)"


def test_interactions_that_are_not_a_list_are_refused_in_one_line(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"^demo.yaml: its interactions are not a list \(python"):
        _replay_one(tmp_path, monkeypatch, {"interactions": 5, "metadata": META})


def test_metadata_that_is_not_a_mapping_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path))
    monkeypatch.setenv("LESSONS_MODE", "replay")
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump({"interactions": [], "metadata": 5}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"^demo.yaml: its metadata is not a mapping \(python"):
        setup("demo")
