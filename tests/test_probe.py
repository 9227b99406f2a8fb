"""``python -m helpers probe``: a row per endpoint, right on each emulation, calm on a hostile server.

The expected rows are each provider's documented behaviour (helpers/providers/facts.py);
the hostile servers answer with a body that is not JSON, a 500 that echoes the
key, or nothing at all, and the probe must report each and never show the key.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from helpers.providers.emulate import Emulation
from helpers.providers.findings import content_shape, id_shape
from helpers.providers.probe import probe
from helpers.providers.report import emulated, main

HTTP = openai.DefaultHttpx2Client()
KEY = "sk-test-FAKEKEY-1234567890"
FIELDS = (
    "tools",
    "one_call",
    "parallel",
    "required",
    "none",
    "named",
    "strict",
    "stream",
    "stream_shape",
    "content",
    "ids",
    "reasoning",
    "findings",
    "second_turn",
    "send_back_rules",
    "responses",
)
OPENAI_ROW = {
    "tools": "yes",
    "one_call": "yes",
    "parallel": "default",
    "required": "yes",
    "none": "yes",
    "named": "yes",
    "strict": "accepted",
    "stream": "assembles",
    "stream_shape": "index, finish tool_calls, usage chunk",
    "content": "null",
    "ids": "call_ + 24",
    "reasoning": "-",
    "findings": "none",
    "second_turn": "answered",
    "send_back_rules": "none found",
    "responses": "yes",
}
DEEPSEEK_THINKING_400 = "refused (400: Thinking mode does not support this tool_choice)"
# Each provider's documented behaviour, as the probe must read it from its emulation:
# where it differs from OpenAI's row.
EXPECTED = {
    "openai": {},
    "dashscope": {
        "parallel": "opt-in",
        "stream_shape": (
            'index, finish tool_calls, usage chunk, later deltas "id": "", trailing empty arguments'
        ),
        "content": '""',
        "findings": "index in calls",
    },
    "deepseek": {
        "required": DEEPSEEK_THINKING_400,
        "named": DEEPSEEK_THINKING_400,
        "stream_shape": "index, finish tool_calls, usage on last",
        "content": '""',
        "ids": "call_00_ + 24",
        "reasoning": "reasoning_content",
        "send_back_rules": "reasoning_content must be sent back",
    },
    "vllm": {
        "required": "yes (finish_reason 'stop')",
        "ids": "chatcmpl-tool- + 32",
        "reasoning": "reasoning",
    },
    "ollama": {
        "required": "ignored",
        "none": "ignored",
        "named": "ignored",
        "content": '""',
        "ids": "call_ + 8",
        "reasoning": "reasoning",
        "findings": "index in calls",
    },
    "mistral": {
        "content": '""',
        "ids": "9 chars",
        "findings": "no type; index in calls",
        "send_back_rules": "only its own ids (9 chars)",
        "responses": "no (404)",
    },
    "gemini": {
        "stream_shape": "no index, finish stop, usage chunk",
        "content": "absent",
        "ids": "call_ + 6",
        "findings": "finish_reason 'stop' beside calls",
        "responses": "no (404)",
    },
    "openrouter": {"stream_shape": "index, finish tool_calls, usage on last"},
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_probe_reads_each_emulation_as_documented(name):
    row = emulated(name, http_client=HTTP)
    assert {field: getattr(row, field) for field in FIELDS} == OPENAI_ROW | EXPECTED[name]
    assert (row.endpoint, row.label) == (name, "emulated")


def test_thinking_mode_on_dashscope_refuses_forced_calls_and_returns_reasoning():
    with Emulation("dashscope") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=KEY, http_client=HTTP)
        row = probe(client, "qwen-plus", extra_body={"enable_thinking": True}, label="emulated")
    refused = (
        # The probe cuts a long message at 100 characters.
        "refused (400: <400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not "
        "support being set to r…)"
    )
    assert (row.required, row.named, row.none) == (refused, refused, "yes")
    assert row.reasoning == "reasoning_content"
    assert row.label == "emulated"


def test_a_measured_row_says_when_and_which_model():
    with Emulation("openai") as server:
        row = probe(openai.OpenAI(base_url=server.base_url, api_key=KEY, http_client=HTTP), "gpt-5-mini")
    assert row.label.startswith("measured (20") and row.label.endswith(", gpt-5-mini)")


class Hostile(BaseHTTPRequestHandler):
    """Answers by the server's ``mode``: not JSON, a 500 echoing the key, or never."""

    def log_message(self, *args):
        """Quiet."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        mode = self.server.mode
        if mode == "hang":
            self.server.release.wait(5)
            return
        if mode == "html":
            status, body, kind = 200, b"<html>502 Bad Gateway</html>", "text/html"
        else:
            echoed = {"error": {"message": f"internal error for {self.headers.get('authorization')}"}}
            status, body, kind = 500, json.dumps(echoed).encode(), "application/json"
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile() -> Iterator[Callable[[str], str]]:
    servers = []

    def start(mode: str) -> str:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
        httpd.mode, httpd.release = mode, threading.Event()
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    yield start
    for httpd in servers:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()


def test_a_body_that_is_not_json_is_reported_check_by_check(hostile):
    row = probe(hostile("html"), "m", api_key=KEY, timeout=2)
    assert row.tools.startswith("error (JSONDecodeError: Expecting value")
    assert row.parallel.startswith("error (JSONDecodeError")
    assert (
        row.stream == "no tool call streamed" and row.stream_shape == "no index, no finish_reason, no usage"
    )
    assert (row.one_call, row.content, row.ids) == ("-", "-", "-")


def test_a_500_is_reported_and_the_key_it_echoes_is_never_shown(hostile, capsys, monkeypatch):
    url = hostile("500")
    row = probe(url, "m", api_key=KEY, timeout=2)
    assert row.tools == "refused (500: internal error for Bearer ***)"
    assert KEY not in json.dumps(row.as_dict())
    monkeypatch.setenv("PROBE_TEST_KEY", KEY)
    assert main(["--base-url", url, "--model", "m", "--key-env", "PROBE_TEST_KEY", "--json"]) == 0
    printed = capsys.readouterr().out
    assert KEY not in printed and "Bearer ***" in printed


def test_a_server_that_never_answers_costs_one_timeout(hostile):
    row = probe(hostile("hang"), "m", api_key=KEY, timeout=0.3)
    assert row.tools == "error (timed out)"
    assert {row.parallel, row.required, row.stream, row.responses} == {"skipped (server timed out)"}


def test_shapes_of_ids_and_content():
    ids = ("call_abc123", "call_00_x1", "chatcmpl-tool-9f", "abcdefghi", "0", "", 7, None)
    assert [id_shape(i) for i in ids] == [
        "call_ + 6",
        "call_00_ + 2",
        "chatcmpl-tool- + 2",
        "9 chars",
        "1 char",
        '""',
        "not a string (int)",
        "no id",
    ]
    assert [content_shape(m) for m in ({"content": None}, {"content": ""}, {}, {"content": "hi"})] == [
        "null",
        '""',
        "absent",
        "text",
    ]


def test_main_prints_one_emulated_row_per_provider(capsys):
    assert main(["--emulate", "all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" | ")[0:2] for line in lines[2:]] == [[f"| {name}", "emulated"] for name in EXPECTED]
