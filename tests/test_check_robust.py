"""``check`` reads anything without a traceback: one line per problem, then the next file."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import META, completion

from helpers.__main__ import main
from helpers.recording.check import check_all, check_cassette, exit_code

REQUEST = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "hi"}]}


def cassette(response: Any = None, **request: Any) -> dict[str, Any]:
    """A valid one-interaction cassette as data; keyword arguments replace request fields."""
    body = response if response is not None else completion({"content": "hello"})
    return {
        "version": 1,
        "metadata": dict(META),
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "https://api.openai.com/v1/chat/completions",
                    "body": json.dumps(REQUEST),
                    "headers": {"content-type": ["application/json"]},
                    **request,
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["application/json"]},
                    "body": {"string": json.dumps(body)},
                },
            }
        ],
    }


def write(folder: Path, content: Any, name: str = "demo.yaml") -> Path:
    """A file holding bytes as they are, or any other value as YAML."""
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else yaml.safe_dump(content).encode())
    return path


def without(data: dict[str, Any], *keys: str | int) -> dict[str, Any]:
    """A copy of ``data`` with the value at a path of keys deleted."""
    data = copy.deepcopy(data)
    *parents, last = keys
    target: Any = data
    for key in parents:
        target = target[key]
    del target[last]
    return data


def replaced(data: dict[str, Any], value: Any, *keys: str | int) -> dict[str, Any]:
    """A copy of ``data`` with the value at a path of keys replaced."""
    data = copy.deepcopy(data)
    *parents, last = keys
    target: Any = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


GOOD = cassette()
I1 = ("interactions", 0)
UNREADABLE = [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "cannot be read: not valid YAML text: "),
    ("interactions: []\n".encode("utf-16"), "cannot be read: not UTF-8 text: UTF-16"),
    (b"metadata: caf\xe9\n", "cannot be read: not valid YAML text: "),
    (b"interactions: [\n", "cannot be read: not valid YAML text: "),
    (b"", "cannot be read: empty: no YAML document"),
    # 200,000 levels took check over two minutes, and libyaml's own loader dies on them.
    (b"interactions: " + b"[" * 200_000 + b"]" * 200_000, "cannot be read: nested deeper than 32 levels"),
]


@pytest.mark.parametrize(("content", "line"), UNREADABLE)
def test_a_file_that_is_not_yaml_text_is_one_line_and_exit_2(tmp_path, content, line, capsys):
    path = write(tmp_path, content)
    [found] = check_cassette(path)
    assert found.startswith(f"demo.yaml: {line}"), found
    assert main(["check", str(path)]) == 2


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ([1, 2], "the top level is a list, not a mapping"),
        ("just text", "the top level is text, not a mapping"),
        ({**GOOD, "interactions": "none"}, "interactions is text, not a list"),
        ({**GOOD, "interactions": []}, "holds no interactions"),
        (replaced(GOOD, "text", *I1), "interaction 1: the interaction is text, not a mapping"),
        (without(GOOD, *I1, "request"), "interaction 1: the interaction has no 'request'"),
        (without(GOOD, *I1, "response"), "interaction 1: the interaction has no 'response'"),
        (without(GOOD, *I1, "request", "uri"), "interaction 1: request has no 'uri'"),
        (without(GOOD, *I1, "request", "body"), "interaction 1: request has no 'body'"),
        (
            replaced(GOOD, ["a"], *I1, "request", "body"),
            "interaction 1: request.body is a list, not text or null",
        ),
        (replaced(GOOD, 7, *I1, "request", "uri"), "interaction 1: request.uri is a number, not text"),
        (without(GOOD, *I1, "response", "status"), "interaction 1: response has no 'status'"),
        (
            replaced(GOOD, "200", *I1, "response", "status", "code"),
            "interaction 1: response.status.code is text, not a number",
        ),
        (replaced(GOOD, {"a": 1}, *I1, "response", "body"), "interaction 1: response.body has no 'string'"),
        (
            replaced(GOOD, [], *I1, "response", "body", "string"),
            "interaction 1: response.body.string is a list, not text",
        ),
        (replaced(GOOD, "not json", *I1, "request", "body"), "interaction 1: request body is not JSON"),
        (
            replaced(GOOD, "<html>", *I1, "response", "body", "string"),
            "interaction 1: response body is not JSON",
        ),
        (without(GOOD, "metadata"), "has no metadata"),
        (replaced(GOOD, ["openai"], "metadata"), "metadata is a list, not a mapping"),
        (replaced(GOOD, ["openai"], "metadata", "provider"), "metadata 'provider' is a list, not text"),
        (replaced(GOOD, {"x": 1}, "metadata", "model"), "metadata 'model' is a mapping, not text"),
        (
            replaced(GOOD, "from /home/ann/x", "metadata", "note"),
            "metadata.note holds an absolute path ('/home/ann/…')",
        ),
        (
            {**GOOD, "interaction": "x", "more": ["/Users/bo/y"]},
            "more[0] holds an absolute path ('/Users/bo/…')",
        ),
    ],
)
def test_each_kind_of_corruption_is_one_exact_line(tmp_path, data, line):
    assert check_cassette(write(tmp_path, data)) == [f"demo.yaml: {line}"]


@pytest.mark.parametrize(
    ("response", "line"),
    [
        (
            {**completion({"content": "x"}), "choices": []},
            "response has no choices: a lesson reading choices[0] would fail",
        ),
        (
            {**completion({}), "choices": [{"index": 0, "finish_reason": "stop"}]},
            "response does not parse as chat: 1 error(s), first at choices.0.message: Field required",
        ),
        (
            {**completion({}), "choices": [{"index": 0, "finish_reason": "stop", "message": None}]},
            "response does not parse as chat: 1 error(s), first at choices.0.message: "
            "Input should be a valid dictionary or instance of ChatCompletionMessage",
        ),
    ],
)
def test_a_response_the_sdk_cannot_use_is_caught(tmp_path, response, line):
    assert check_cassette(write(tmp_path, cassette(response))) == [f"demo.yaml: interaction 1: {line}"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            b"interactions:\n- !!python/object:os.system {}\n",
            "the tag tag:yaml.org,2002:python/object:os.system",
        ),
        (b"interactions:\n- {request: !!int x}\n", "'x' is not a valid tag:yaml.org,2002:int"),
        (b"interactions:\n- *nowhere\n", "alias *nowhere names no anchor"),
    ],
)
def test_a_value_yaml_cannot_build_is_a_problem_in_its_place(tmp_path, text, line):
    found = check_cassette(write(tmp_path, text))
    assert found[0] == "demo.yaml: has no metadata"
    assert found[1].startswith("demo.yaml: interaction 1: ") and line in found[1], found


def test_a_missing_path_and_a_folder_without_cassettes_cannot_be_read(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "nowhere.yaml"), str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().out.splitlines() == [
        "nowhere.yaml: cannot be read: No such file or directory",
        "empty: is a folder, not a cassette",
        "2 cassette(s) checked, 2 problem(s), 2 could not be read",
    ]


def test_every_file_is_checked_after_a_broken_one_and_a_folder_means_its_cassettes(tmp_path, capsys):
    write(tmp_path, b"\x00\xff", "a.yaml")
    write(tmp_path, [1], "b.yaml")
    write(tmp_path, GOOD, "c.yaml")
    reports = check_all([tmp_path])
    assert [(r.name, r.readable, len(r.problems)) for r in reports] == [
        ("a.yaml", False, 1),
        ("b.yaml", True, 1),
        ("c.yaml", True, 0),
    ]
    assert exit_code(reports) == 2 and exit_code(reports[1:]) == 1 and exit_code(reports[2:]) == 0
    assert main(["check", str(tmp_path / "b.yaml"), str(tmp_path / "c.yaml")]) == 1


def test_aliases_that_multiply_and_deep_nesting_are_read_quickly(tmp_path):
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n".encode() for i in range(8)
    )
    assert check_cassette(write(tmp_path, bomb + b"interactions: []\n")) == [
        "demo.yaml: has no metadata",
        "demo.yaml: holds no interactions",
    ]
    deep = b"interactions:\n- " + b"[" * 5000 + b"]" * 5000 + b"\n"
    assert check_cassette(write(tmp_path, deep)) == [
        "demo.yaml: cannot be read: nested deeper than 32 levels, which no cassette is"
    ]
    body = json.dumps({"messages": []})[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert check_cassette(write(tmp_path, replaced(GOOD, body, *I1, "request", "body"))) == [
        "demo.yaml: interaction 1: request body is not JSON"
    ]


# Property-based: whatever the file holds, check_all returns lines and the
# command exits 0, 1 or 2 as documented.

FIELDS = [
    (),
    ("metadata",),
    ("metadata", "provider"),
    ("metadata", "note"),
    ("interactions",),
    (*I1,),
    (*I1, "request"),
    (*I1, "request", "uri"),
    (*I1, "request", "body"),
    (*I1, "request", "headers"),
    (*I1, "request", "method"),
    (*I1, "response"),
    (*I1, "response", "status"),
    (*I1, "response", "status", "code"),
    (*I1, "response", "headers"),
    (*I1, "response", "body"),
    (*I1, "response", "body", "string"),
]
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def never_crashes(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[str], int]:
    [report] = check_all([path])
    lines = report.lines()
    assert all(line.startswith("demo.yaml: ") for line in lines)
    assert not any("could not be checked" in line for line in lines), lines  # the safety net unused
    code = main(["check", str(path)])
    assert capsys.readouterr().out.splitlines()[:-1] == lines
    assert code == exit_code([report])
    return lines, code


@QUICK
@given(content=st.binary(max_size=300))
def test_random_bytes(tmp_path, capsys, content):
    lines, code = never_crashes(write(tmp_path, content), capsys)
    assert code in (1, 2) and lines


@QUICK
@given(value=yaml_values)
def test_random_yaml_values(tmp_path, capsys, value):
    lines, code = never_crashes(write(tmp_path, value), capsys)
    assert code == 1 and lines  # readable YAML, but never a valid cassette


@QUICK
@given(field=st.sampled_from(FIELDS[1:]), value=yaml_values, delete=st.booleans())
def test_valid_cassettes_with_a_field_deleted_or_retyped(tmp_path, capsys, field, value, delete):
    data = without(GOOD, *field) if delete else replaced(GOOD, value, *field)
    lines, code = never_crashes(write(tmp_path, data), capsys)
    assert code in (0, 1)
    if delete and field[0] == "interactions" and len(field) > 2:
        part = "the interaction" if len(field) == 3 else field[2]
        assert any(line.startswith(f"demo.yaml: interaction 1: {part}") for line in lines), lines


@QUICK
@given(data=st.data())
def test_valid_cassettes_with_text_cut_or_bytes_flipped(tmp_path, capsys, data):
    text = yaml.safe_dump(GOOD).encode()
    at = data.draw(st.integers(0, len(text) - 1))
    if data.draw(st.booleans()):
        content = text[:at]
    else:
        content = text[:at] + bytes([data.draw(st.integers(0, 255))]) + text[at + 1 :]
    never_crashes(write(tmp_path, content), capsys)


def test_a_request_breaking_the_rules_passes_only_when_the_api_refused_it(tmp_path):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    broken = {
        "model": "gpt-5-mini",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "user", "content": "never mind"},
        ],
    }
    refusal = {
        "error": {
            "message": "An assistant message with 'tool_calls' must be followed by ...",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    answered = cassette(body=json.dumps(broken))
    assert any("breaks the conversation rules" in p for p in check_cassette(write(tmp_path, answered)))
    refused = cassette(refusal, body=json.dumps(broken))
    refused["interactions"][0]["response"]["status"] = {"code": 400, "message": "Bad Request"}
    assert check_cassette(write(tmp_path, refused, "refused.yaml")) == []


def test_a_deeply_nested_cassette_is_refused_before_libyaml_builds_it(tmp_path):
    # Run apart: without the check, libyaml overflows the C stack and the process dies.
    path = write(tmp_path, b"metadata: " + b"[" * 200_000 + b"]" * 200_000)
    code = (
        "import sys, pathlib; from helpers.recording.cassettes import read_cassette; "
        "read_cassette(pathlib.Path(sys.argv[1]))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith("nested deeper than 32 levels, which no cassette is")
