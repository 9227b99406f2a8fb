"""``check`` validates each request and response against its own endpoint's types, by path."""

from __future__ import annotations

import json

import pytest
import yaml
from test_check_robust import cassette

from helpers.recording.check import check_cassette
from helpers.recording.check_rules import endpoint

COUNT_URI = "https://api.openai.com/v1/responses/input_tokens"
COUNT_REQUEST = {"model": "gpt-5-mini", "input": [{"role": "user", "content": "hi"}], "tools": []}


def count_cassette(tmp_path, response, request=COUNT_REQUEST):
    """A one-interaction cassette of a token count, written to a file."""
    path = tmp_path / "demo.yaml"
    data = cassette(response, uri=COUNT_URI, body=json.dumps(request))
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("https://api.openai.com/v1/chat/completions", "chat"),
        ("https://api.openai.com/v1/responses", "responses"),
        ("https://api.openai.com/v1/responses/input_tokens", "input_tokens"),
        ("http://127.0.0.1:8000/v1/responses/input_tokens?x=1", "input_tokens"),
        ("http://127.0.0.1:8000/v1/responses?x=1", "responses"),
    ],
)
def test_the_endpoint_is_read_from_the_path(uri, kind):
    assert endpoint(uri) == kind


def test_a_token_count_is_checked_as_a_token_count(tmp_path):
    good = {"object": "response.input_tokens", "input_tokens": 201}
    assert check_cassette(count_cassette(tmp_path, good)) == []


def test_a_token_count_without_its_count_is_caught(tmp_path):
    found = check_cassette(count_cassette(tmp_path, {"object": "response.input_tokens"}))
    assert found == [
        "demo.yaml: interaction 1: response does not parse as input_tokens: "
        "1 error(s), first at input_tokens: Field required"
    ]


def test_a_token_count_request_with_a_wrong_field_is_caught(tmp_path):
    good = {"object": "response.input_tokens", "input_tokens": 201}
    found = check_cassette(count_cassette(tmp_path, good, {**COUNT_REQUEST, "truncation": "sometimes"}))
    assert len(found) == 1 and found[0].startswith(
        "demo.yaml: interaction 1: request is not a valid request: 1 error(s), first at truncation: "
    ), found
