"""A ``--base-url`` on loopback, however it is spelled, is recorded under the provider's public host.

The HTTP client lower-cases the host and drops a default port before it
sends, so the recording hook compares bases as the client sends them; a
request left under the loopback host would be refused by the check.
"""

from __future__ import annotations

import httpx2
from hypothesis import given
from hypothesis import strategies as st
from vcr.request import Request

from helpers.recording.cassettes import rewrite_host, under_base

PUBLIC = "https://api.openai.com/v1"
HOSTS = st.sampled_from(["localhost", "localhost.", "127.0.0.1", "[::1]"])


def spelled(host: str, flips: list[bool]) -> str:
    """The host with some letters upper-cased, as a person might type it."""
    return "".join(
        c.upper() if flip else c for c, flip in zip(host, flips + [False] * len(host), strict=False)
    )


@given(
    host=HOSTS,
    flips=st.lists(st.booleans(), max_size=12),
    port=st.sampled_from(["", ":80", ":8000", ":11434"]),
    slash=st.booleans(),
)
def test_a_loopback_base_in_any_spelling_is_rewritten_to_the_public_host(host, flips, port, slash):
    base = f"http://{spelled(host, flips)}{port}/v1" + ("/" if slash else "")
    sent = str(httpx2.URL(base.rstrip("/") + "/chat/completions"))  # what the client really sends
    request = Request("POST", sent, b"{}", {"content-type": "application/json"})
    recorded = rewrite_host(base, PUBLIC, {})(request)
    assert recorded.uri == PUBLIC + "/chat/completions"


def test_another_host_or_path_is_not_under_the_base():
    assert under_base("http://localhost:8001/v1/chat/completions", "http://localhost:8000/v1") is None
    assert under_base("http://localhost:8000/v10/chat/completions", "http://localhost:8000/v1") is None
    assert under_base("https://localhost:8000/v1/chat/completions", "http://localhost:8000/v1") is None
    assert under_base("http://localhost:8000/v1/models?a=1", "http://LOCALHOST:8000/v1") == "/models?a=1"
