"""Between ``McpTools`` and an MCP server: its stdio passed through, its lines bounded (lesson 16).

The MCP SDK's stdio client reads a server's line whole, however long, so a
hostile server could make the client hold any amount of memory. ``McpTools``
starts a server through this relay instead:
``python -m helpers.calling.mcp_relay MAX_LINE_BYTES -- COMMAND...``. The relay
reads each line the server writes with a byte limit; a longer line stops the
server, says so on stderr, and ends the session, which the client sees as a
closed connection. It imports nothing but the standard library, so it starts fast.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from typing import BinaryIO

CHUNK = 65_536  # bytes copied at a time from the client to the server


def relay_lines(source: BinaryIO, sink: BinaryIO, max_line: int) -> bool:
    """Copy whole lines from ``source`` to ``sink`` until the end or a line over ``max_line`` bytes.

    Args:
        source: The server's output.
        sink: The client's input.
        max_line: The most bytes one line may have, its newline not counted.

    Returns:
        False if a line was too long (nothing of it was copied), True at the end of ``source``.
    """
    while line := source.readline(max_line + 1):
        if len(line) > max_line and not line.endswith(b"\n"):
            return False
        sink.write(line)
        sink.flush()
    return True


def _copy_input(source: BinaryIO, server: subprocess.Popen[bytes]) -> None:
    """Copy the client's messages to the server; close its input when the client closes ours."""
    assert server.stdin is not None
    # An OSError means the server is gone; the output side notices that too.
    with contextlib.suppress(OSError):
        while chunk := source.read1(CHUNK):  # type: ignore[attr-defined]
            server.stdin.write(chunk)
            server.stdin.flush()
    with contextlib.suppress(OSError):
        server.stdin.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server given after ``--`` and relay its stdio; exit 2 on bad usage, 1 on an overlong line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[1] != "--" or not args[0].isdigit() or int(args[0]) < 1:
        print("usage: python -m helpers.calling.mcp_relay MAX_LINE_BYTES -- COMMAND...", file=sys.stderr)
        return 2
    max_line = int(args[0])
    try:
        server = subprocess.Popen(args[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    except OSError as error:
        print(f"mcp relay: could not start the server: {error.strerror or error}", file=sys.stderr)
        return 1
    threading.Thread(target=_copy_input, args=(sys.stdin.buffer, server), daemon=True).start()
    assert server.stdout is not None
    try:
        ended = relay_lines(server.stdout, sys.stdout.buffer, max_line)
    except OSError:  # the client is gone
        ended = False
    if ended:
        # No deadline of its own: a client that gives up stops this whole process group.
        return server.wait()
    else:
        print(f"mcp relay: the server wrote a line over {max_line} bytes; stopped it", file=sys.stderr)
    server.kill()
    server.wait()
    return 1


if __name__ == "__main__":
    code = main()
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    # Not sys.exit: the input thread may be blocked reading stdin, and a normal shutdown
    # would stop on the lock it holds (a fatal error that hides the server's last words).
    os._exit(code)
