"""Builders shared by the tests: API bodies, a scripted server, and the published exchange."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import openai

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "cassettes" / "sources" / "published"
# Metadata of a small cassette, for tests that write one: "recorded", so that
# check does not hold it to a provider profile (test_profiles.py does that).
META = {
    "provenance": "recorded",
    "provider": "openai",
    "model": "gpt-5-mini",
    "recorded": "2026-11-24",
    "sdk": "openai 3.54.0",
    "note": "written for a test",
}


def completion(message: dict[str, Any], finish_reason: str = "stop", n: int = 1) -> dict[str, Any]:
    """A minimal ChatCompletion body, as the API sends it."""
    return {
        "id": f"chatcmpl-test-{n}",
        "object": "chat.completion",
        "created": 1758770581,
        "model": "gpt-5-mini-2025-08-07",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "logprobs": None,
                "message": {"role": "assistant", "content": None, "refusal": None, **message},
            }
        ],
    }


def tool_call(call_id: str, name: str, arguments: str = "{}") -> dict[str, Any]:
    """One function tool call in a response message."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def published(name: str) -> Any:
    """A file of the article's published exchange."""
    return json.loads((PUBLISHED / name).read_text(encoding="utf-8"))


class NetworkBlocked(RuntimeError):
    """A test tried to open a connection while the network was blocked."""


def block_network(monkeypatch: Any) -> None:
    """Refuse every connection, loopback included, for the rest of the test."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise NetworkBlocked(f"network blocked in this test: connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def tracked_files(*patterns: str) -> list[str]:
    """The project's own files matching the patterns: what git tracks.

    A learner's scratch files are not the project's. Outside a git checkout
    (an unpacked archive), every matching file under the project's folders.
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        folders = ("helpers", "tests", "notebooks", "cassettes")
        found = {p for pattern in patterns for p in ROOT.glob(pattern)}
        found |= {p for folder in folders for pattern in patterns for p in (ROOT / folder).rglob(pattern)}
        listed = [str(p.relative_to(ROOT)) for p in found if "workspace" not in p.parts]
    return sorted(name for name in listed if (ROOT / name).exists())


class FakeServer:
    """Answers each request with the next scripted reply (a body, or a (status, body) pair).

    It is the client's transport (``httpx2.MockTransport``), so no socket is
    opened; ``bodies`` keeps what the client sent. ``path`` is the one endpoint
    it expects: ``/v1/chat/completions``, or ``/v1/responses``.
    """

    def __init__(self, *replies: Any, path: str = "/v1/chat/completions") -> None:
        self.replies = list(replies)
        self.bodies: list[dict[str, Any]] = []
        self.path = path

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == self.path
        self.bodies.append(json.loads(request.content))
        assert self.replies, "the loop sent more requests than the script has replies"
        reply = self.replies.pop(0)
        status, body = reply if isinstance(reply, tuple) else (200, reply)
        return httpx2.Response(status, json=body)

    def client(self) -> openai.OpenAI:
        transport = httpx2.MockTransport(self.handler)
        return openai.OpenAI(
            api_key="test",
            base_url="http://test.invalid/v1",
            max_retries=0,
            http_client=openai.DefaultHttpx2Client(transport=transport),
        )


class RawServer:
    """Answers each request with the next (content type, body bytes), sent as they are; keeps what was sent.

    For replies no JSON encoder writes: bodies that are not JSON, streams, hostile bytes.
    """

    def __init__(self, *replies: tuple[str, bytes]) -> None:
        self.replies, self.bodies = list(replies), []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        kind, body = self.replies.pop(0)
        return httpx2.Response(200, content=body, headers={"content-type": kind})

    def client(self) -> openai.OpenAI:
        http = openai.DefaultHttpx2Client(transport=httpx2.MockTransport(self.handle))
        return openai.OpenAI(
            api_key="sk-test", base_url="http://test.invalid/v1", max_retries=0, http_client=http
        )
