"""``python -m helpers serve CASSETTE``: replay a recorded session to any client, offline.

Serves a cassette as an OpenAI-compatible endpoint on 127.0.0.1, so the
article's original script, ``curl`` or another language's SDK can replay what
a lesson recorded, with no key and no network::

    python -m helpers serve cassettes/06_the_loop.yaml              # matched as in replay
    python -m helpers serve cassettes/06_the_loop.yaml --in-order   # whatever the bodies say
    python -m helpers serve 08_streaming_tool_calls --port 8765     # a stem names cassettes/<stem>.yaml

Requests are matched as a lesson's replay matches them (method, path, JSON
body); a miss gets a 400 in the OpenAI error format naming the closest recorded
request and the first difference. ``--in-order`` serves the recorded responses
one after another instead, for a client whose tool results differ from the
recording (the article's script reads its own machine's memory); each response
says which recorded request it stands for in ``x-lessons-replayed: 2/3`` and
``x-lessons-replayed-request``. Ctrl-C stops it. Any API key is accepted and
none is ever printed.

Importing this module is light: the cassette machinery loads when ``main`` runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import ROOT

if TYPE_CHECKING:
    from .serve_http import ReplayServer

USAGE_HINT = "give a client this base URL and any API key; Ctrl-C stops"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers serve", description=__doc__.splitlines()[0])
    parser.add_argument("cassette", metavar="CASSETTE", help="a cassette file, or a stem in cassettes/")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--in-order",
        action="store_true",
        help="serve the recorded responses in order whatever the request bodies (same method and path)",
    )
    return parser


def find_cassette(name: str) -> Path:
    """The cassette a command-line argument names: a path, or a stem under ``cassettes/``."""
    path = Path(name)
    if path.exists():
        return path
    named = ROOT / "cassettes" / f"{name.removesuffix('.yaml')}.yaml"
    return named if named.exists() else path


def main(argv: list[str] | None = None) -> int:
    """Serve a cassette until Ctrl-C; return the exit code (0 when stopped, 2 when it cannot start)."""
    args = _parser().parse_args(argv)
    # Started in the background (``serve ... &``), a process inherits SIGINT
    # ignored, and Python then raises no KeyboardInterrupt: ask for it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server = _start(args)
        if server is None:
            return 2
        try:
            server.serve_forever()
        finally:
            server.httpd.server_close()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C prints nothing either
        print("serve: stopped", flush=True)
    return 0


def _start(args: argparse.Namespace) -> ReplayServer | None:
    """Load the cassette, bind the port and say where to connect; None (said why) when it cannot."""
    from .serve_http import ReplayServer
    from .serve_replay import Replay

    path = find_cassette(args.cassette)
    if not path.exists():
        print(f"serve: no cassette at {args.cassette}", file=sys.stderr)
        return None
    try:
        replay = Replay(path, in_order=args.in_order)
        server = ReplayServer(replay, args.port, log=lambda line: print(line, flush=True))
    except (OSError, ValueError) as err:
        print(f"serve: {path}: {err}", file=sys.stderr)
        return None
    mode = "in recorded order, whatever the bodies" if args.in_order else "matched as in replay"
    provenance = replay.metadata.get("provenance", "?")
    print(f"Serving {path.name} ({replay.count} recorded responses, {provenance}; {mode})")
    print(f"  {server.base_url}")
    print(f"  {USAGE_HINT}", flush=True)
    return server


if __name__ == "__main__":
    sys.exit(main())
