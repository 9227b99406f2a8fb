"""``python -m helpers serve CASSETTE``: replay a recorded session to any client, offline.

Serves a cassette as an OpenAI-compatible endpoint on 127.0.0.1, so the
article's original script, ``curl`` or another language's SDK can replay what
a lesson recorded, with no key and no network::

    python -m helpers serve cassettes/06_the_loop.yaml              # matched as in replay
    python -m helpers serve cassettes/06_the_loop.yaml --in-order   # whatever the bodies say
    python -m helpers serve 08_streaming_tool_calls --port 8765     # a stem names cassettes/<stem>.yaml

Requests are matched as a lesson's replay matches them (method, path, JSON
body); a miss gets a 400 in the OpenAI error format naming the closest recorded
request and the first difference. ``--in-order`` serves one conversation's
recorded responses one after another instead, for a client whose tool results
differ from the recording (the article's script reads its own machine's
memory); a cassette of several conversations needs ``--session N``, and
``--sessions`` lists them. Each response says which recorded request it stands
for in ``x-lessons-replayed: 2/3`` and ``x-lessons-replayed-request``. Ctrl-C
stops it. Any API key is accepted and none is ever printed.

Exit codes: 0 when stopped by Ctrl-C (or after ``--sessions``), 1 when the
cassette cannot be served (said in one line), 2 for a usage error (no such
cassette, a bad option, a port that cannot be bound).

Importing this module is light: the cassette machinery loads when ``main`` runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ...settings import ROOT, UsageParser, usage_error

if TYPE_CHECKING:
    from .replay import Replay
    from .server import ReplayServer

PROG = "python -m helpers serve"
USAGE_HINT = "give a client this base URL and any API key; Ctrl-C stops"


def _port(text: str) -> int:
    """A port number from the command line: 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def _session(text: str) -> int:
    """A session number from the command line, from 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a session number (1, 2, ...; --sessions lists them)"
        )
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("cassette", metavar="CASSETTE", help="a cassette file, or a stem in cassettes/")
    parser.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--in-order",
        action="store_true",
        help="serve one session's recorded responses in order, whatever the bodies (same method and path)",
    )
    parser.add_argument("--session", type=_session, metavar="N", help="serve only session N of the cassette")
    parser.add_argument("--sessions", action="store_true", help="list the cassette's sessions and exit")
    return parser


def find_cassette(name: str) -> Path:
    """The cassette a command-line argument names: a path, or a stem under ``cassettes/``."""
    path = Path(name)
    if path.exists():
        return path
    named = ROOT / "cassettes" / f"{name.removesuffix('.yaml')}.yaml"
    return named if named.exists() else path


def main(argv: list[str] | None = None) -> int:
    """Serve a cassette until Ctrl-C; return the exit code (0 stopped, 1 cassette refused, 2 usage error)."""
    args = _parser().parse_args(argv)
    # Started in the background (``serve ... &``), a process inherits SIGINT
    # ignored, and Python then raises no KeyboardInterrupt: ask for it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server = _start(args)
        if isinstance(server, int):
            return server
        try:
            server.serve_forever()
        finally:
            server.httpd.server_close()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C prints nothing either
        print("serve: stopped", flush=True)
    return 0


def _fail(text: str, code: int) -> int:
    """Say why serve cannot start, in one line on stderr (as a usage error for exit 2); return the code."""
    line = usage_error(PROG, text) if code == 2 else f"serve: {text}"
    print(line, file=sys.stderr, flush=True)
    return code


def _start(args: argparse.Namespace) -> ReplayServer | int:
    """Load the cassette, bind the port and say where to connect; the exit code (said why) when it cannot."""
    from .cassette import CassetteError
    from .replay import Replay, SessionError
    from .server import ReplayServer

    path = find_cassette(args.cassette)
    if not path.is_file():
        return _fail(f"no cassette at {args.cassette}", 2)
    try:
        replay = Replay(path, in_order=args.in_order and not args.sessions, session=args.session)
    except SessionError as err:
        print(_listing(path, err.sessions), flush=True)
        return _fail(f"{path.name} {err}", 2)
    except CassetteError as err:
        return _fail(f"{path.name} {err}", 1)
    except Exception as err:  # noqa: BLE001 - whatever else a hostile file causes is said in one line
        return _fail(
            f"{path.name} cannot be served: {type(err).__name__}: {' '.join(str(err).split())[:300]}", 1
        )
    if args.sessions:
        print(_listing(path, replay.sessions), flush=True)
        return 0
    try:
        server = ReplayServer(replay, args.port, log=lambda line: print(line, flush=True))
    except OSError as err:
        return _fail(f"cannot listen on 127.0.0.1:{args.port}: {err.strerror or err}", 2)
    _announce(path, replay, server)
    return server


def _listing(path: Path, sessions: list) -> str:
    """The cassette's sessions, one line each."""
    lines = [f"{path.name} holds {len(sessions)} session{'s' if len(sessions) > 1 else ''}:"]
    return "\n".join(lines + [session.describe() for session in sessions])


def _announce(path: Path, replay: Replay, server: ReplayServer) -> None:
    """Say what is served, where, and how to use it."""
    mode = "in recorded order, whatever the bodies" if replay.in_order else "matched as in replay"
    provenance = replay.metadata.get("provenance", "?")
    served = f"session {replay.session.number}: " if replay.session and len(replay.sessions) > 1 else ""
    print(f"Serving {path.name} ({served}{replay.count} recorded responses, {provenance}; {mode})")
    print(f"  {server.base_url}")
    print(f"  {USAGE_HINT}", flush=True)
