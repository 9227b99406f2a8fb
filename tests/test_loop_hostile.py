"""run_conversation against a hostile server: every failure is a documented error carrying the work done.

Each scenario answers the first request with a tool call, which runs, and the
second with something the loop cannot use. The error must be of the exact
documented type, say in one short line what the server sent, and carry the
conversation with the tool's result in it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import openai
import pytest
from test_loop import MEMORY, MEMORY_CALL, MODEL, USER, Tools, answer, assistant, calls, completion, tool_call

from helpers.calling import loop
from helpers.calling.dispatch import ConversationError
from helpers.calling.loop import (
    BadResponse,
    IncompleteResponse,
    LoopError,
    MaxTurnsExceeded,
    run_conversation,
)
from helpers.recording.client import current_session, setup

# The conversation every scenario must hand back: the tool of request 1 ran.
DONE = [USER, assistant(MEMORY_CALL), answer("call_1", MEMORY)]
FIRST = json.dumps(calls(MEMORY_CALL)).encode()
JSON = "application/json"


def body(**fields: Any) -> bytes:
    """A chat completion with some fields replaced, as bytes."""
    return json.dumps({**completion({"content": "x"}, "stop"), **fields}).encode()


def message(message: Any, finish_reason: str = "tool_calls") -> bytes:
    """A chat completion whose only choice holds this message, as it is."""
    return body(choices=[{"index": 0, "finish_reason": finish_reason, "message": message}])


def role(**fields: Any) -> dict[str, Any]:
    """An assistant message with these fields."""
    return {"role": "assistant", **fields}


def write(call_id: str) -> dict[str, Any]:
    """A well-formed write_file call."""
    return tool_call(call_id, "write_file", '{"file_name": "a.txt", "text": "hi"}')


HTML = b"<html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 100_000 + b"</body></html>"
ARGS_DICT = {"id": "c", "type": "function", "function": {"name": "f", "arguments": {}}}
FUNCTION_STR = {"id": "c", "type": "function", "function": "f"}
LEGACY = role(function_call={"name": "f", "arguments": "{}"})
ERROR_400 = b'{"error": {"message": "bad tool message", "type": "invalid_request_error"}}'


def case(
    name: str, reply: bytes, error: type[Exception], said: str, status: int = 200, kind: str = JSON
) -> Any:
    """One scenario: the second reply, and the error it must raise, with a fragment of its message."""
    return pytest.param(status, kind, reply, error, said, id=name)


BAD = [
    # Bodies that are not a chat completion.
    case(
        "not-json",
        b"{not json",
        BadResponse,
        "request 2: the server answered 200 with a body that is not JSON",
    ),
    case(
        "empty", b"", BadResponse, "request 2: the server answered 200 with an empty body (application/json)"
    ),
    case(
        "html",
        HTML,
        BadResponse,
        "no chat completion: text/html, 100069 bytes: '<html><head>",
        kind="text/html",
    ),
    case("html-as-json", HTML, BadResponse, "not JSON (Expecting value: line 1 column 1 (char 0))"),
    case("json-list", b"[1, 2]", BadResponse, "no chat completion: application/json, 6 bytes: '[1, 2]'"),
    case("not-utf8", b"\xff\xfe{", BadResponse, "not JSON ("),
    case("long-int", b'{"id": ' + b"9" * 5000 + b"}", BadResponse, "not JSON (Exceeds the limit"),
    case("deep", b"[" * 100_000 + b"]" * 100_000, BadResponse, "not JSON (maximum recursion depth"),
    # A chat completion with no usable choice or message.
    case("choices-empty", body(choices=[]), BadResponse, "has no choice to read ('choices': [])"),
    case("no-choices", json.dumps({"id": "x"}).encode(), BadResponse, "(no 'choices')"),
    case("choices-str", body(choices="all"), BadResponse, "no choice to read ('choices': 'all')"),
    case(
        "choice-str",
        body(choices=["hello"]),
        BadResponse,
        "choices[0] of the server's chat completion is not an object: 'hello'",
    ),
    case("choice-null", body(choices=[None]), BadResponse, "is not an object: null"),
    case("message-null", message(None, "stop"), BadResponse, "has no message ('message': null)"),
    case("message-str", message("hi", "stop"), BadResponse, "has no message ('message': 'hi')"),
    case("no-role", message({"content": "hi"}, "stop"), BadResponse, "cannot be used: role: Field required"),
    case(
        "content-int",
        message(role(content=5), "stop"),
        BadResponse,
        "content: Input should be a valid string",
    ),
    # Tool calls that cannot be answered.
    case("calls-str", message(role(tool_calls="x")), BadResponse, "tool_calls: Input should be a valid list"),
    case(
        "call-null",
        message(role(tool_calls=[None])),
        BadResponse,
        "tool_calls[0]: Input should be a valid dict",
    ),
    case(
        "args-dict",
        message(role(tool_calls=[ARGS_DICT])),
        BadResponse,
        ".function.arguments: Input should be a valid string",
    ),
    case(
        "function-str",
        message(role(tool_calls=[FUNCTION_STR])),
        BadResponse,
        "tool_calls[0].function: Input should be",
    ),
    case(
        "same-id",
        message(role(tool_calls=[write("call_7"), write("call_7")])),
        BadResponse,
        "two tool calls with the same id 'call_7'",
    ),
    # Unfinished replies.
    case(
        "calls-empty",
        message(role(content="ok", tool_calls=[])),
        IncompleteResponse,
        "request 2 announced tool calls (finish_reason 'tool_calls') but made none (an empty tool_calls",
    ),
    case(
        "calls-absent",
        message(role(content="Let me check.")),
        IncompleteResponse,
        "but made none (no tool_calls)",
    ),
    case(
        "legacy",
        message(LEGACY, "function_call"),
        IncompleteResponse,
        "(finish_reason 'function_call') but made none",
    ),
    case(
        "length",
        message(role(tool_calls=[write("c")]), "length"),
        IncompleteResponse,
        "was cut off at the token limit",
    ),
    case(
        "filtered",
        message(role(content="par"), "content_filter"),
        IncompleteResponse,
        "withheld by the provider's content filter",
    ),
    # Failed requests: the SDK's errors.
    case("400", ERROR_400, openai.BadRequestError, "bad tool message", status=400),
    case("500-html", HTML, openai.InternalServerError, "Error code: 500", status=500, kind="text/html"),
]


class Hostile:
    """A server that answers the first request with a tool call and the second with ``reply``."""

    def __init__(self, status: int, content_type: str, reply: bytes) -> None:
        self.replies = [(200, JSON, FIRST), (status, content_type, reply)]
        self.bodies: list[dict[str, Any]] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        status, kind, content = self.replies.pop(0)
        return httpx2.Response(status, content=content, headers={"content-type": kind})

    def client(self, **options: Any) -> openai.OpenAI:
        transport = httpx2.MockTransport(self.handle)
        http = openai.DefaultHttpx2Client(transport=transport)
        return openai.OpenAI(
            api_key="test", base_url="http://test.invalid/v1", max_retries=0, http_client=http, **options
        )


@pytest.mark.parametrize(("status", "kind", "reply", "error", "said"), BAD)
def test_a_hostile_second_reply_is_a_documented_error_with_the_work_done(
    status: int, kind: str, reply: bytes, error: type[Exception], said: str
) -> None:
    server = Hostile(status, kind, reply)
    tools = Tools()
    with pytest.raises(error) as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    text = str(raised.value)
    assert type(raised.value) is error
    assert said in text
    assert "\n" not in text and len(text) < 320  # one line, never the whole body
    assert raised.value.conversation.messages == DONE  # type: ignore[attr-defined]
    assert tools.written == []  # no call of the unusable reply was run
    if isinstance(raised.value, IncompleteResponse):
        assert raised.value.finish_reason == json.loads(reply)["choices"][0]["finish_reason"]


def test_the_loops_errors_share_a_base_with_the_conversation() -> None:
    for error in (BadResponse, IncompleteResponse, MaxTurnsExceeded):
        assert issubclass(error, LoopError)
    assert issubclass(LoopError, RuntimeError)


def test_a_rule_broken_after_the_first_request_is_raised_with_the_work_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A dispatcher that answers the wrong call: check_conversation stops request 2.
    monkeypatch.setattr(loop, "run_tool_calls", lambda calls, functions: [answer("call_X", MEMORY)])
    tools = Tools()
    with pytest.raises(ConversationError, match=r"messages\[2\] answers call 'call_X'") as raised:
        run_conversation(Hostile(200, JSON, b"").client(), MODEL, [USER], tools.definitions, tools.functions)
    assert raised.value.conversation.messages == [USER, assistant(MEMORY_CALL), answer("call_X", MEMORY)]  # type: ignore[attr-defined]


def test_a_strict_client_raises_the_sdks_validation_error_with_the_work_done() -> None:
    server = Hostile(200, JSON, body(choices=[None]))
    tools = Tools()
    client = server.client(_strict_response_validation=True)
    with pytest.raises(openai.APIResponseValidationError) as raised:
        run_conversation(client, MODEL, [USER], tools.definitions, tools.functions)
    assert raised.value.conversation.messages == DONE  # type: ignore[attr-defined]


def test_lone_surrogates_are_replaced_so_the_next_request_can_be_sent() -> None:
    def odd() -> str:
        """A tool whose result holds a lone surrogate."""
        return "r\udc80"

    # json.dumps writes "\ud800" as an escape, which the SDK reads back as a lone surrogate.
    first = calls(
        tool_call("call_1", "write_file", '{"file_name": "a\ud800.txt", "text": "x"}'),
        tool_call("call_2", "odd", "{}"),
    )
    server = Hostile(200, JSON, message(role(content="done \ud83d\ude00 \udfff"), "stop"))
    server.replies[0] = (200, JSON, json.dumps(first).encode())
    tools = Tools()
    functions = [*tools.functions, odd]
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, functions)
    sent = server.bodies[1]["messages"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"file_name": "a\ufffd.txt", "text": "x"}'
    assert sent[3] == answer("call_2", "r\ufffd")
    assert tools.written == [("a\ufffd.txt", "x")]  # the tool ran what the record says
    assert result.final_text == "done 😀 \ufffd"  # a pair is kept as the character it encodes


def test_the_loop_itself_replaces_surrogates_in_tool_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "run_tool_calls", lambda calls, functions: [answer("call_1", "r\udc80")])
    server = Hostile(200, JSON, message(role(content="ok"), "stop"))
    tools = Tools()
    run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert server.bodies[1]["messages"][2] == answer("call_1", "r\ufffd")


def test_stop_with_an_empty_tool_calls_list_is_a_final_answer_without_it() -> None:
    server = Hostile(200, JSON, message(role(content="all done", tool_calls=[]), "stop"))
    tools = Tools()
    result = run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions)
    assert result.messages == [*DONE, {"role": "assistant", "content": "all done"}]


def test_an_interrupted_tool_leaves_the_conversation_on_the_interrupt() -> None:
    def stuck() -> str:
        """Never finishes: the learner presses stop."""
        raise KeyboardInterrupt

    server = Hostile(200, JSON, json.dumps(calls(tool_call("call_2", "stuck", "{}"))).encode())
    tools = Tools()
    functions = [*tools.functions, stuck]
    with pytest.raises(KeyboardInterrupt) as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, functions)
    kept = raised.value.conversation.messages  # type: ignore[attr-defined]
    assert kept == [*DONE, assistant(tool_call("call_2", "stuck", "{}"))]


SSE = "text/event-stream"


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (b"", "request 1: the server's stream ended before its first chunk"),
        (b"data: {not json\n\n", "request 1: the server's stream has a chunk that is not JSON"),
        (FIRST, "request 1: the server's stream ended before its first chunk"),  # JSON where SSE was asked
    ],
)
def test_a_hostile_stream_is_a_bad_response_in_one_line(reply: bytes, said: str) -> None:
    tools = Tools()
    server = Hostile(200, SSE, reply)
    server.replies.pop(0)
    with pytest.raises(BadResponse) as raised:
        run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions, stream=True)
    assert str(raised.value).startswith(said)
    assert raised.value.conversation.messages == [USER]
    assert server.bodies[0]["stream"] is True


@pytest.fixture
def silent_after_one() -> Iterator[tuple[str, list[float]]]:
    """A server on 127.0.0.1 that answers one request with a tool call, then never answers."""
    seen: list[float] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append(time.monotonic())
            if len(seen) > 1:
                release.wait(10)  # hold the connection open, saying nothing
                return
            self.send_response(200)
            self.send_header("content-type", JSON)
            self.send_header("content-length", str(len(FIRST)))
            self.end_headers()
            self.wfile.write(FIRST)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    release.set()
    httpd.shutdown()
    httpd.server_close()


def test_the_lessons_client_gives_up_on_a_silent_server_in_its_timeout(
    silent_after_one: tuple[str, list[float]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    url, seen = silent_after_one
    for name, value in {"LESSONS_MODE": "live", "LESSONS_PROVIDER": "vllm", "OPENAI_BASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LESSONS_TIMEOUT", "0.2")
    client, model = setup("hostile")
    tools = Tools()
    start = time.monotonic()
    try:
        with pytest.raises(openai.APITimeoutError) as raised:
            run_conversation(client, model, [USER], tools.definitions, tools.functions)
    finally:
        current_session().close()  # type: ignore[union-attr]
    # 1 answered request, then 3 attempts of 0.2 s, 0.5 s and 1 s apart (less jitter).
    assert len(seen) == 4
    assert time.monotonic() - start < 4
    assert raised.value.conversation.messages == DONE  # type: ignore[attr-defined]
    assert capsys.readouterr().out == f"live · vllm · Qwen/Qwen3-8B · {url}\n"
