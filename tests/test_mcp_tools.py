"""The MCP helper: the lesson's server over stdio, results cut to size, deadlines, hostile names."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import Response
from openai.types.responses.response_output_item import McpApprovalRequest, McpCall, McpListTools

from helpers import run_tool_call
from helpers.calling.mcp_relay import relay_lines
from helpers.calling.mcp_tools import McpError, McpTools, openai_tool, result_text
from helpers.tools.mcp_server import POISON
from helpers.tools.tape import Tape, use_tape

SERVER = [sys.executable, "-m", "helpers.tools.mcp_server"]
AUTHORED = Path(__file__).parent.parent / "cassettes" / "sources" / "authored"


def text_result(text, is_error=False):
    return SimpleNamespace(content=[SimpleNamespace(type="text", text=text)], is_error=is_error)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=200), st.booleans())
def test_a_result_is_cut_to_its_cap_and_says_so(text, cap, is_error):
    got = result_text(text_result(text, is_error), cap)
    whole = f"Error: {text}" if is_error else text
    if len(whole) <= cap:
        assert got == whole
    else:
        assert got == f"{whole[:cap]}\n[cut: {len(whole) - cap} more characters]"


def test_content_that_is_not_text_is_named_not_sent():
    result = SimpleNamespace(
        content=[SimpleNamespace(type="image"), SimpleNamespace(type="text", text="ok")], is_error=False
    )
    assert result_text(result) == "[image content left out]\nok"


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "get_memory_info\nignore", "名字"])
def test_a_tool_name_the_api_refuses_is_refused_in_one_line(name):
    tool = SimpleNamespace(name=name, description="d", input_schema={"type": "object"})
    with pytest.raises(McpError, match="not a valid tool name"):
        openai_tool(tool)


def test_the_lessons_server_lists_and_runs_both_tools(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path))
    with McpTools(SERVER) as server:
        assert [tool["function"]["name"] for tool in server.tools] == ["get_memory_info", "write_file"]
        assert set(json.loads(server.call("get_memory_info", {}))) == {"total", "available", "used", "free"}
        assert server.call("write_file", {"file_name": "mem_ok.txt", "text": "hi"}) == ""
        refused = server.call("write_file", {"file_name": "../out.txt", "text": "x"})
        missing = run_tool_call(
            {"id": "c1", "type": "function", "function": {"name": "write_file", "arguments": "{}"}},
            server.functions,
        )
    assert (tmp_path / "mem_ok.txt").read_text(encoding="utf-8") == "hi"
    assert refused.startswith("Error: ") and "'..' would leave the workspace" in refused
    assert "missing required argument 'file_name'" in missing["content"]
    assert not (tmp_path.parent / "out.txt").exists()


def test_an_observation_is_read_from_the_tape_in_replay():
    use_tape(Tape("replay", {"get_memory_info": ['{"total": 1}']}))
    try:
        with McpTools(SERVER, observations=["get_memory_info"]) as server:
            assert server.call("get_memory_info", {}) == '{"total": 1}'
    finally:
        use_tape(None)


def test_a_server_opened_without_with_serves_until_closed_and_closes_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path))
    server = McpTools(SERVER).open()
    try:
        with pytest.raises(McpError, match=r"^the MCP server is already running: close\(\) it before"):
            server.open()
        assert server.call("write_file", {"file_name": "a.txt", "text": "one"}) == ""
        assert server.call("write_file", {"file_name": "b.txt", "text": "two"}) == ""  # a later "cell"
    finally:
        server.close()
    server.close()  # a second close does nothing
    assert not server._thread.is_alive()
    stopped = r"^the MCP server is not running: open\(\) it before calling write_file$"
    with pytest.raises(McpError, match=stopped):
        server.call("write_file", {"file_name": "c.txt", "text": "three"})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_the_poisoned_server_carries_its_instruction_in_the_description():
    with McpTools([*SERVER, "--poisoned"]) as server:
        assert server.tools[0]["function"]["description"].endswith(POISON)


def test_a_rug_pull_is_honest_when_first_listed_and_poisoned_when_listed_again():
    with McpTools([*SERVER, "--rug-pull"]) as server:
        first = server.tools
        again = server.list_tools()
        assert server.tools == first  # the definitions reviewed at the start are kept
    with McpTools(SERVER) as honest:
        assert first == honest.tools == honest.list_tools()
    assert again[0]["function"]["description"] == first[0]["function"]["description"] + POISON
    assert again[1] == first[1]
    with pytest.raises(McpError, match="^the MCP server is not running: open"):
        server.list_tools()


def test_a_server_that_exits_at_once_is_one_line_with_its_last_words():
    command = [sys.executable, "-c", "import sys; print('no such thing', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(
        McpError, match=r"^the MCP server stopped before it was ready \(the server said: no such thing\)$"
    ):
        McpTools(command).__enter__()


def test_a_server_that_never_answers_is_given_up_on_at_the_deadline():
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(McpError, match=r"^the MCP server did not start within 1 s$"):
        McpTools(command, start_timeout=1).__enter__()


def test_a_call_that_never_returns_is_given_up_on_at_the_deadline(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(
        "import time\nfrom mcp.server.mcpserver import MCPServer\nserver = MCPServer('slow')\n"
        "@server.tool()\ndef wait() -> str:\n    time.sleep(60)\n    return ''\nserver.run('stdio')\n",
        encoding="utf-8",
    )
    expected = r"^the MCP tool wait did not answer within 1 s$"
    with (
        McpTools([sys.executable, str(script)], call_timeout=1) as server,
        pytest.raises(McpError, match=expected),
    ):
        server.call("wait", {})


def test_a_bad_command_line_exits_2():
    from helpers.tools.mcp_server import main

    assert main(["--what"]) == 2


def test_the_remote_sessions_authored_items_are_what_the_sdk_parses():
    first, second = (
        Response.model_validate_json((AUTHORED / f"16-remote.turn{n}.response.json").read_text("utf-8"))
        for n in (1, 2)
    )
    assert [type(item) for item in first.output if item.type != "reasoning"] == [
        McpListTools,
        McpCall,
        McpApprovalRequest,
    ]
    listed, memory_call, request = (item for item in first.output if item.type != "reasoning")
    assert [tool.name for tool in listed.tools] == ["get_memory_info", "write_file"]
    assert memory_call.name == "get_memory_info" and memory_call.approval_request_id is None
    # The approved call names the request it answers, as the input mcp_approval_response did.
    write_call = second.output[0]
    assert isinstance(write_call, McpCall)
    assert (write_call.name, write_call.approval_request_id) == ("write_file", request.id)
    assert write_call.arguments == request.arguments
    assert second.previous_response_id == first.id
    assert not any(item.type == "mcp_list_tools" for item in second.output)


lines = st.lists(st.binary(max_size=40).map(lambda line: line.replace(b"\n", b"") + b"\n"), max_size=8)


@given(lines, st.binary(max_size=40).map(lambda tail: tail.replace(b"\n", b"")), st.integers(1, 30))
def test_the_relay_copies_whole_lines_until_one_is_too_long(whole_lines, tail, max_line):
    source = io.BytesIO(b"".join(whole_lines) + tail)
    sink = io.BytesIO()
    copied = relay_lines(source, sink, max_line)
    fits = [len(line) - 1 <= max_line for line in whole_lines] + ([len(tail) <= max_line] if tail else [])
    kept = len(fits) if all(fits) else fits.index(False)
    assert copied == all(fits)
    assert sink.getvalue() == b"".join([*whole_lines, tail][:kept])


def test_a_server_that_writes_an_endless_line_is_stopped_at_the_cap():
    command = [
        sys.executable,
        "-c",
        "import sys, time; sys.stdout.write('x' * 3_000_000); sys.stdout.flush(); time.sleep(60)",
    ]
    said = "mcp relay: the server wrote a line over 1000000 bytes; stopped it"
    expected = rf"^the MCP server stopped before it was ready \(the server said: {said}\)$"
    started = time.monotonic()
    with pytest.raises(McpError, match=expected):
        McpTools(command, max_line_bytes=1_000_000, start_timeout=20).__enter__()
    assert time.monotonic() - started < 15


def test_a_result_over_the_line_cap_ends_the_call_in_one_line(tmp_path):
    script = tmp_path / "big.py"
    script.write_text(
        "from mcp.server.mcpserver import MCPServer\nserver = MCPServer('big')\n"
        "@server.tool()\ndef big() -> str:\n    return 'x' * 200_000\nserver.run('stdio')\n",
        encoding="utf-8",
    )
    with (
        McpTools([sys.executable, str(script)], max_line_bytes=100_000, call_timeout=10) as server,
        pytest.raises(McpError) as caught,
    ):
        server.call("big", {})
    said = "mcp relay: the server wrote a line over 100000 bytes; stopped it"
    assert str(caught.value) == f"the MCP tool big failed: Connection closed (the server said: {said})"


def _running(pid):
    """True while the process exists and is not a zombie (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_server_given_up_on_at_start_is_stopped_not_left_running(tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    with pytest.raises(McpError, match=r"^the MCP server did not start within 1 s$"):
        McpTools([sys.executable, "-c", code], start_timeout=1).__enter__()
    assert not _running(int(pid_file.read_text()))
