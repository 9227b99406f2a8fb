"""How ``python -m helpers serve`` holds up against silent, many, hostile and oversized clients.

It starts ``serve`` on lesson 06's cassette (127.0.0.1, a free port) and prints
one line per measure:

- ``silent``: N clients connect and send nothing; then one normal request.
  Read: its status (200) and how long it waited (well under a second: a
  silent client does not hold a newcomer up).
- ``concurrent``: N clients send the cassette's first request at once. Read:
  how many got 200, and the seconds for all.
- ``hostile``: requests no client library sends (bad JSON, HTTP/1.0, a header
  flood, a 1 MB request line, ``Expect: 100-continue``, chunked bodies, an
  announced terabyte, a path with escape codes...). Read: the status each got;
  ``api-error`` says the body was the API's JSON error format.
- ``body``: a body of ``--body-mib`` MiB announced and sent. Read: how many MiB
  went out before the server refused it, and in how long.
- ``server``: its threads and resident memory at the end (Linux only: read from
  ``/proc``; elsewhere ``n/a``), and its exit code and last line after Ctrl-C.

Usage (from the project's root, in its virtual environment)::

    python scripts/serve_figures.py
    python scripts/serve_figures.py --silent 300 --concurrent 64 --body-mib 200
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASSETTE = ROOT / "cassettes" / "06_the_loop.yaml"
WAIT = 10.0  # seconds any one socket operation of this script may take
CHAT = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
HOSTILE = {
    "bad JSON": f"{CHAT}content-length: 1\r\n\r\n{{",
    "HTTP/1.0": "POST /v1/chat/completions HTTP/1.0\r\ncontent-length: 2\r\n\r\n{}",
    "Expect: 100-continue": f"{CHAT}expect: 100-continue\r\ncontent-length: 2\r\n\r\n{{}}",
    "10,000 headers": "GET /v1/models HTTP/1.1\r\n"
    + "".join(f"x-{i}: y\r\n" for i in range(10_000))
    + "\r\n",
    "1 MB request line": "GET /" + "a" * 1_000_000 + " HTTP/1.1\r\n\r\n",
    "HTTP/9.9": "GET /v1/models HTTP/9.9\r\n\r\n",
    "chunked body": f"{CHAT}transfer-encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
    "content-length 10**12": f"{CHAT}content-length: 1000000000000\r\n\r\n",
    "two content-lengths": f"{CHAT}content-length: 2\r\ncontent-length: 9\r\n\r\n{{}}",
    "escape codes in path": "GET /v1/\x1b[31mred\x1b]0;title\x07 HTTP/1.1\r\n\r\n",
    "CONNECT": "CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n",
    "5,000-digit number": f'{CHAT}content-length: 5006\r\n\r\n{{"x":{"9" * 5000}}}',
}


def start() -> tuple[subprocess.Popen[str], int]:
    """Start serve on the cassette; the process and its port (its log is drained in a thread)."""
    command = [sys.executable, "-m", "helpers", "serve", str(CASSETTE)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert server.stdout is not None
    url = next(line.strip() for line in server.stdout if line.strip().startswith("http://"))
    threading.Thread(target=lambda: [None for _ in server.stdout or ()], daemon=True).start()
    return server, int(url.rsplit(":", 1)[1].split("/")[0])


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` on a new connection and read the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        answer = b""
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:  # the server may close before reading everything sent: its answer counts
            pass
        return answer


def status(answer: bytes) -> str:
    """An answer's status line, and whether its body is the API's JSON error format."""
    head, _, body = answer.partition(b"\r\n\r\n")
    try:
        api_error = isinstance(json.loads(body)["error"]["message"], str)
    except (ValueError, KeyError, TypeError):
        api_error = False
    line = head.split(b"\r\n")[0].decode("latin-1") or "(no answer)"
    return f"{line}{', api-error' if api_error else ''}"


def proc(pid: int, field: str) -> str:
    """A field of ``/proc/PID/status`` (Linux only), or "n/a"."""
    try:
        return Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]
    except (OSError, IndexError):
        return "n/a"


def measure(port: int, args: argparse.Namespace) -> None:
    """Print each figure, one line each."""
    first = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"][0]["request"]["body"]
    request = f"{CHAT}content-type: application/json\r\ncontent-length: {len(first.encode())}\r\n\r\n{first}"
    silent = [socket.create_connection(("127.0.0.1", port), timeout=WAIT) for _ in range(args.silent)]
    started = time.monotonic()
    answer = status(exchange(port, request.encode()))
    took = time.monotonic() - started
    print(f"silent: {args.silent} silent clients, then a request -> {answer} in {took:.3f} s")
    for sock in silent:
        sock.close()
    with ThreadPoolExecutor(args.concurrent) as pool:
        started = time.monotonic()
        answers = list(pool.map(lambda _: status(exchange(port, request.encode())), range(args.concurrent)))
    took = time.monotonic() - started
    ok = sum(a.startswith("HTTP/1.0 200") for a in answers)
    print(f"concurrent: {ok} of {args.concurrent} got 200 in {took:.2f} s")
    for name, data in HOSTILE.items():
        print(f"hostile: {name:22} -> {status(exchange(port, data.encode('latin-1')))}")
    body_mib(port, args.body_mib)


def body_mib(port: int, mib: int) -> None:
    """Announce and send a body of ``mib`` MiB; print how much went out before the refusal."""
    sent, block = 0, b"x" * 2**20
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        try:
            sock.sendall(f"{CHAT}content-length: {mib * 2**20}\r\n\r\n".encode())
            while sent < mib:
                sock.sendall(block)
                sent += 1
        except OSError:
            pass
    print(
        f"body: {mib} MiB announced -> refused after {sent} MiB sent, in {time.monotonic() - started:.3f} s"
    )


def main() -> None:
    """Start serve, measure, stop it with Ctrl-C's signal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silent", type=int, default=300, help="clients that connect and send nothing")
    parser.add_argument("--concurrent", type=int, default=64, help="clients sending at once")
    parser.add_argument("--body-mib", type=int, default=200, help="size of the oversized body, in MiB")
    args = parser.parse_args()
    server, port = start()
    try:
        measure(port, args)
        threads, rss = proc(server.pid, "Threads"), proc(server.pid, "VmRSS")
        print(f"server: {threads} threads, {rss} kB resident (Linux /proc)")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=WAIT)
            print(f"server: exit {code} after Ctrl-C, stderr {server.stderr.read()!r}")  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            server.kill()
            print("server: did not stop within 10 s of Ctrl-C: killed")


if __name__ == "__main__":
    main()
