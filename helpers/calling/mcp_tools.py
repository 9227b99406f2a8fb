"""An MCP server's tools for the loop: started over stdio, listed, called (lesson 16).

The MCP SDK is asynchronous; the loop and its dispatcher are not. ``McpTools``
runs the client in a thread with an event loop of its own, so one server serves
every cell of a notebook and ``run_conversation`` calls its tools like local
functions. What a server sends is untrusted: names are checked, every result is
cut to a size, and every start and call has a deadline.

The SDK's stdio client reads a line whole, however long, so the server is started
through ``mcp_relay``, which stops a server whose line is over ``max_line_bytes``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

from ..tools.tape import taped

START_TIMEOUT = 30.0  # seconds for the server to start and list its tools
CALL_TIMEOUT = 30.0  # seconds for one call
STOP_TIMEOUT = 10.0  # seconds to stop: the SDK's own steps (flush, grace, kill, reap) take up to 6.5
MAX_RESULT_CHARS = 16_000  # what one result may put in the model's context
MAX_LINE_BYTES = 4 * 1024 * 1024  # one JSON-RPC message from the server, as the relay reads it
RELAY = Path(__file__).with_name("mcp_relay.py")  # run by path: the server's Python needs no helpers
TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what the OpenAI API accepts as a tool name
JSON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list, "object": dict}


class McpError(RuntimeError):
    """The MCP server could not be started, listed or called in time."""


def openai_tool(tool: Any) -> dict[str, Any]:
    """The Chat Completions definition of an MCP tool: its name, description and input schema.

    Raises:
        McpError: The name is not one the OpenAI API accepts.
    """
    if not TOOL_NAME.fullmatch(tool.name):
        raise McpError(f"the MCP server offers a tool named {tool.name[:80]!r}, not a valid tool name")
    function = {"name": tool.name, "description": tool.description or "", "parameters": tool.input_schema}
    return {"type": "function", "function": function}


def result_text(result: Any, max_chars: int = MAX_RESULT_CHARS) -> str:
    """The text an MCP call result gives the model: its text parts, an error marked, cut to ``max_chars``."""
    parts = [
        block.text if block.type == "text" else f"[{block.type} content left out]" for block in result.content
    ]
    text = "\n".join(parts)
    if result.is_error:
        text = f"Error: {text}"
    if len(text) > max_chars:
        text = f"{text[:max_chars]}\n[cut: {len(text) - max_chars} more characters]"
    return text


class McpTools:
    """An MCP server started over stdio, its tools as OpenAI definitions and as functions.

    Use it as a context manager: entering starts the server and lists its tools,
    leaving stops it. To keep one server across several notebook cells, call
    ``open()`` instead, and ``close()`` when done.

    Args:
        command: The server's command line, such as
            ``[sys.executable, "-m", "helpers.tools.mcp_server"]``.
        observations: Names of tools that only read the world: their results go
            through the replay tape, as ``@observation`` tools' do.
        env: The server's environment (default: this process's).
        start_timeout: Seconds the server may take to start and list its tools.
        call_timeout: Seconds one call may take.
        max_chars: The most characters one result may give the model.
        max_line_bytes: The most bytes one message from the server may have;
            a longer one stops the server.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        observations: Sequence[str] = (),
        env: dict[str, str] | None = None,
        start_timeout: float = START_TIMEOUT,
        call_timeout: float = CALL_TIMEOUT,
        max_chars: int = MAX_RESULT_CHARS,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        # The SDK passes a server only a few variables by default; ours needs LESSONS_WORKDIR.
        env = dict(os.environ) if env is None else env
        relay = [str(RELAY), str(max_line_bytes), "--", *command]
        self.params = StdioServerParameters(command=sys.executable, args=relay, env=env)
        self.observations = set(observations)
        self.start_timeout, self.call_timeout, self.max_chars = start_timeout, call_timeout, max_chars
        self.listed: list[Any] = []
        self.tools: list[dict[str, Any]] = []
        self.functions: dict[str, Callable[..., str]] = {}

    def __enter__(self) -> McpTools:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> McpTools:
        """Start the server and list its tools; returns this object.

        Raises:
            McpError: This server is already running, or did not start and list its tools
                within ``start_timeout``.
        """
        if self._running():
            raise McpError("the MCP server is already running: close() it before opening it again")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-client", daemon=True)
        self._thread.start()
        # Held open for the server's life, closed by _close.
        self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._ready: concurrent.futures.Future[list[Any]] = concurrent.futures.Future()
        self._serving = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        try:
            self.listed = self._ready.result(self.start_timeout)
            self.tools = [openai_tool(tool) for tool in self.listed]
        except BaseException as error:
            said = self._last_log_line()
            self._close()
            if isinstance(error, concurrent.futures.TimeoutError):
                raise McpError(f"the MCP server did not start within {self.start_timeout:g} s") from None
            if isinstance(error, McpError):
                raise
            raise McpError(f"the MCP server stopped before it was ready{said}") from None
        self.functions = {tool.name: self._function(tool) for tool in self.listed}
        return self

    def close(self) -> None:
        """Stop the server; calling it again does nothing."""
        if self._running():
            self._close()

    def _running(self) -> bool:
        thread = getattr(self, "_thread", None)
        return thread is not None and thread.is_alive()

    async def _serve(self) -> None:
        """Start the server, list its tools, and keep the session open until told to stop."""
        self._task = asyncio.current_task()
        try:
            async with (
                stdio_client(self.params, errlog=self._errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                self.session = session
                self._ready.set_result((await session.list_tools()).tools)
                await asyncio.Event().wait()  # until _close cancels this task
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise

    def list_tools(self) -> list[dict[str, Any]]:
        """Ask the server for its tools again, as OpenAI definitions; ``tools`` keeps the first listing.

        Raises:
            McpError: The server is not running, or did not list its tools within ``start_timeout``.
        """
        if not self._running():
            raise McpError("the MCP server is not running: open() it before listing its tools")
        listing = asyncio.run_coroutine_threadsafe(self.session.list_tools(), self._loop)
        try:
            return [openai_tool(tool) for tool in listing.result(self.start_timeout).tools]
        except (concurrent.futures.TimeoutError, TimeoutError):
            listing.cancel()
            raise McpError(f"the MCP server did not list its tools within {self.start_timeout:g} s") from None

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Call one tool and return the text for the model (observations through the tape).

        Raises:
            McpError: The server is not running, or the call did not finish within ``call_timeout``.
        """
        if not self._running():
            raise McpError(f"the MCP server is not running: open() it before calling {name}")
        call = self.session.call_tool(name, arguments, read_timeout_seconds=self.call_timeout)
        try:
            result = asyncio.run_coroutine_threadsafe(call, self._loop).result(self.call_timeout + 1)
        except (concurrent.futures.TimeoutError, TimeoutError):
            raise McpError(f"the MCP tool {name} did not answer within {self.call_timeout:g} s") from None
        except MCPError as error:
            timed_out = "timed out" in error.message
            if timed_out:
                raise McpError(f"the MCP tool {name} did not answer within {self.call_timeout:g} s") from None
            said = self._last_log_line()
            raise McpError(f"the MCP tool {name} failed: {error.message[:200]}{said}") from None
        text = result_text(result, self.max_chars)
        return taped(name, text) if name in self.observations else text

    def _function(self, tool: Any) -> Callable[..., str]:
        """A function with the tool's parameters, so the dispatcher checks arguments before the call."""
        schema = tool.input_schema or {}
        required = set(schema.get("required", []))
        parameters = []
        for name, spec in (schema.get("properties") or {}).items():
            kind = JSON_TYPES.get(spec.get("type") if isinstance(spec, dict) else None, Any)
            optional = {"default": None, "annotation": kind | None} if name not in required else {}
            parameters.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, **{"annotation": kind, **optional})
            )

        def function(**arguments: Any) -> str:
            return self.call(tool.name, arguments)

        function.__name__ = function.__qualname__ = tool.name
        function.__doc__ = tool.description
        function.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return function

    def _close(self) -> None:
        """Stop the session (which stops the server), then the loop and its thread."""
        if not self._serving.done():
            # Cancelling the task ends the session whether or not the server ever answered;
            # the SDK then stops the server, its whole process tree, within its own bounds.
            task = getattr(self, "_task", None)
            self._loop.call_soon_threadsafe(task.cancel if task else self._serving.cancel)
            concurrent.futures.wait([self._serving], STOP_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT)
        self._errlog.close()

    def _last_log_line(self) -> str:
        """The server's last line on stderr, at most 200 characters, to explain a failed start."""
        self._errlog.seek(0)
        lines = self._errlog.read(65_536).strip().splitlines()
        return f" (the server said: {lines[-1][:200]})" if lines else ""
