"""``probe`` never prints a secret, and every command-line error is one line with an exit code.

Secrets: the key, any piece of it of 4 or more characters a server echoes back
(in a refusal, a body that is not what was expected, an exception's text), and
credentials in a base URL, which are refused before anything is sent.
"""

from __future__ import annotations

import json
import subprocess
import sys

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.providers.masking import MASK, base_url_problem, mask
from helpers.providers.probe import probe
from helpers.providers.report import main
from helpers.recording.loopback import LoopbackServer, Reply, Script

KEY = "sk-test-FAKEKEY-1234567890"
KEYISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=4)


def pieces(secret: str, size: int = 4) -> set[str]:
    """Every run of ``size`` characters of the secret."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def test_the_whole_key_and_pieces_of_it_are_masked():
    said = f"invalid key {KEY[:11]}...{KEY[-6:]}; did you mean {KEY}? ({KEY[5:9]}) {KEY[:3]}"
    assert mask(said, [KEY]) == f"invalid key {MASK}...{MASK}; did you mean {MASK}? ({MASK}) sk-"


def test_a_short_secret_is_masked_only_whole():
    assert mask("abc and ab", ["abc"]) == f"{MASK} and ab"


@given(secret=KEYISH, before=st.text(max_size=30), after=st.text(max_size=30), data=st.data())
def test_no_piece_of_four_or_more_characters_survives(secret, before, after, data):
    start = data.draw(st.integers(0, len(secret) - 4))
    end = data.draw(st.integers(start + 4, len(secret)))
    shown = mask(before + secret[start:end] + after + secret, [secret])
    assert not any(piece in shown for piece in pieces(secret))
    assert shown.count(MASK) >= 2


@given(text=st.text(alphabet="xyz ", max_size=50))
def test_text_without_a_piece_of_the_secret_is_unchanged(text):
    assert mask(text, [KEY]) == text


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://localhost:8000/v1", None),
        ("https://api.deepseek.com/v1", None),
        ("http://user:hunter22@localhost:8000/v1", "must not carry credentials"),
        ("http://hunter22@localhost/v1", "must not carry credentials"),
        ("::::", "must be an http:// or https:// URL"),
        ("ftp://host/v1", "must be an http:// or https:// URL"),
        ("http:///v1", "must be an http:// or https:// URL"),
        ("http://host:port/v1", "is not a URL"),
        ("http://[::1/v1", "is not a URL"),
    ],
)
def test_a_base_url_needs_http_a_host_and_no_credentials(url, problem):
    found = base_url_problem(url)
    assert found is None if problem is None else found.startswith(problem), found


BAD = [
    (["--base-url", "http://user:hunter22@localhost:9/v1", "--model", "m"], "must not carry credentials"),
    (["--base-url", "::::", "--model", "m"], "must be an http:// or https:// URL"),
    (["--base-url", "http://localhost:9/v1"], "--base-url needs --model"),
    (["--emulate", "openai", "--timeout", "nan"], "must be a positive number of seconds"),
    (["--emulate", "openai", "--timeout", "-1"], "must be a positive number of seconds"),
    (["--emulate", "openai", "--timeout", "0"], "must be a positive number of seconds"),
    (["--emulate", "openai", "--timeout", "inf"], "must be a positive number of seconds"),
    (["--emulate", "openai", "--timeout", "soon"], "must be a positive number of seconds"),
    (["--base-url", "http://localhost:9/v1", "--model", "m", "--extra-body", "{"], "is not JSON"),
    (["--base-url", "http://localhost:9/v1", "--model", "m", "--extra-body", "[1]"], "a JSON object"),
    (["--emulate", "nobody"], "invalid choice"),
    (["--emulate", "all", "http://admin:hunter22@host/v1"], "unrecognized arguments: http://***@host/v1"),
]


@pytest.mark.parametrize(("argv", "says"), BAD, ids=[" ".join(argv)[:40] for argv, _ in BAD])
def test_each_usage_error_is_one_line_and_exit_2(argv, says, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    out, err = capsys.readouterr()
    assert (stopped.value.code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("python -m helpers probe: ") and says in err
    assert "hunter22" not in err and "admin" not in err


def test_the_command_itself_refuses_credentials_in_one_line():
    url = "http://admin:hunter22@127.0.0.1:9/v1"
    done = subprocess.run(
        [sys.executable, "-m", "helpers", "probe", "--base-url", url, "--model", "m"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1 and "hunter22" not in done.stderr and "admin" not in done.stderr


def test_the_probe_function_refuses_credentials_without_quoting_them():
    with pytest.raises(ValueError, match="must not carry credentials") as refused:
        probe("http://admin:hunter22@127.0.0.1:9/v1", "m")
    assert "hunter22" not in str(refused.value)


def test_a_client_whose_url_carries_credentials_is_probed_without_showing_them():
    client = openai.OpenAI(base_url="http://admin:hunter22@127.0.0.1:9/v1", api_key=KEY)
    row = probe(client, "m", timeout=2)  # nothing listens on port 9: every check fails to connect
    assert row.endpoint == "http://***@127.0.0.1:9/v1"
    assert row.tools == "error (APIConnectionError: Connection error.)"
    assert "hunter22" not in json.dumps(row.as_dict())


def echoing(path, body):
    """A server that quotes pieces of the bearer key back: in a 401, and in a 200 with no choices."""
    if body.get("stream"):
        return Reply(body={"error": {"message": f"stream refused for {KEY[3:15]}"}}, status=401)
    if len(body.get("messages", [])) > 1:
        return Reply(body={"error": {"message": "unused"}}, status=500)
    return Reply(body={"detail": f"key {KEY[:8]}…{KEY[-8:]} has no quota", "choices": []})


def test_pieces_of_the_key_a_server_echoes_are_never_shown(capsys, monkeypatch):
    with LoopbackServer(Script([]), respond=echoing) as server:
        row = probe(server.base_url, "m", api_key=KEY, timeout=5)
        monkeypatch.setenv("PROBE_TEST_KEY", KEY)
        assert main(["--base-url", server.base_url, "--model", "m", "--key-env", "PROBE_TEST_KEY"]) == 0
    printed = json.dumps(row.as_dict()) + capsys.readouterr().out
    assert not any(piece in printed for piece in pieces(KEY))
    quoted = '{"detail": "key ***…*** has no quota", "choices": []}'
    assert row.tools == f"error (ValueError: no message in the reply: {quoted})"
    assert row.stream == "refused (401: stream refused for ***)"


def test_a_key_in_the_base_urls_query_is_not_shown(capsys):
    with LoopbackServer(Script([]), respond=echoing) as server:
        url = f"{server.base_url}?api-version=1&key={KEY}"
        assert main(["--base-url", url, "--model", "m", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["endpoint"] == f"{server.base_url}?api-version=***&key=***"
    assert not any(piece in json.dumps(row) for piece in pieces(KEY))
