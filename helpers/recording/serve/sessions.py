"""The conversations in a cassette, found from its requests, so ``serve`` can play one of them.

A lesson's cassette holds every request the lesson sent, and a lesson often
runs several conversations (a hand-written loop and then the helper, a stream
and then a plain reply, a request that fails on purpose). Cassettes do not mark
where one ends, so it is read from the requests: a request continues a
conversation when it carries that conversation's last request's messages (or
Responses ``input``) and more, or names one of its responses in
``previous_response_id``; any other request starts a new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .cassette import Recorded, loads

SHOWN_CHARS = 48
# The roles a conversation's first request holds; any other item is an earlier turn's.
OPENING_ROLES = frozenset({"system", "developer", "user"})


@dataclass(frozen=True)
class Session:
    """One conversation: its number (from 1) and its interactions' positions in the cassette."""

    number: int
    indexes: tuple[int, ...]
    api: str
    streamed: bool
    first_message: str
    ending: str
    midway: bool = False

    def describe(self) -> str:
        """One line: number, API, streamed or not, how many requests, how it ends, the first user message."""
        count = len(self.indexes)
        kind = f"{self.api}{', streamed' if self.streamed else ''}"
        requests = f"{count} request{'s' if count > 1 else ''}"
        start = "starts mid-conversation, " if self.midway else ""
        return f"  {self.number}  {kind}, {requests}, {start}ends in {self.ending}: {self.first_message}"


def sessions(recorded: list[Recorded]) -> list[Session]:
    """The conversations in a cassette's interactions, in the order they start."""
    groups: list[list[int]] = []
    for index, interaction in enumerate(recorded):
        group = _continued(recorded, groups, interaction.request_json)
        if group is None:
            groups.append([index])
        else:
            group.append(index)
    return [_session(number, recorded, group) for number, group in enumerate(groups, 1)]


def _items(body: Any) -> list[Any] | None:
    """A request's conversation so far: Chat ``messages`` or Responses ``input`` (a string is one message)."""
    if not isinstance(body, dict):
        return None
    items = body.get("messages", body.get("input"))
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    return items if isinstance(items, list) else None


def _continued(recorded: list[Recorded], groups: list[list[int]], body: Any) -> list[int] | None:
    """The conversation this request carries on (the longest one it extends), or None when it starts one."""
    items = _items(body) or []
    previous = body.get("previous_response_id") if isinstance(body, dict) else None
    best, longest = None, 0
    for group in reversed(groups):
        last = recorded[group[-1]]
        if last.status >= 400:
            continue  # a conversation that ended in an error is not carried on by the next request
        if previous is not None and previous in {_response_id(recorded[i]) for i in group}:
            return group
        before = _items(last.request_json) or []
        if longest < len(before) < len(items) and items[: len(before)] == before:
            best, longest = group, len(before)
    return best


def _response_id(interaction: Recorded) -> str | None:
    """The id of a recorded JSON response (a Responses ``resp_...``), if it has one."""
    body = loads(interaction.response)
    return body.get("id") if isinstance(body, dict) else None


def _session(number: int, recorded: list[Recorded], group: list[int]) -> Session:
    """A conversation described from its interactions."""
    first, last = recorded[group[0]], recorded[group[-1]]
    path = urlsplit(first.uri).path
    api = "Responses" if path.endswith("/responses") else "Chat" if path.endswith("/completions") else path
    items = _items(first.request_json) or []
    users = [i.get("content") for i in items if isinstance(i, dict) and i.get("role") == "user"]
    text = users[0] if users and isinstance(users[0], str) else json.dumps(users[:1], ensure_ascii=False)
    shown = " ".join(text.split())
    shown = shown if len(shown) <= SHOWN_CHARS else shown[: SHOWN_CHARS - 1] + "…"
    if any("previous_response_id" in (recorded[i].request_json or {}) for i in group):
        api += ", chained by previous_response_id"
    streamed = all(recorded[i].is_stream for i in group)
    # A first request that carries the model's own turns (or names an earlier response) is a later turn.
    midway = isinstance(first.request_json, dict) and "previous_response_id" in first.request_json
    midway = midway or any(not isinstance(i, dict) or i.get("role") not in OPENING_ROLES for i in items)
    shown = json.dumps(shown, ensure_ascii=False)
    return Session(number, tuple(group), api, streamed, shown, _ending(last), midway)


def _ending(interaction: Recorded) -> str:
    """How a conversation's last reply ends: an answer, tool calls, or an error status."""
    if interaction.status != 200:
        return f"a {interaction.status} error"
    text = interaction.response.decode("utf-8", "replace")
    if interaction.is_stream:  # the last event that says how the reply finished
        events = [loads(line[5:].strip().encode()) for line in text.splitlines() if line.startswith("data:")]
        done = [e for e in events if isinstance(e, dict) and _finish(e)]
        return _finish(done[-1]) if done else "a stream"
    body = loads(interaction.response)
    return (_finish(body) if isinstance(body, dict) else None) or "a reply"


def _finish(body: dict[str, Any]) -> str | None:
    """'tool calls' or 'an answer' for a completion, chunk, Responses body or event; None if unsaid."""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        return None if reason is None else "tool calls" if reason == "tool_calls" else "an answer"
    response = body.get("response", body)  # a Responses stream's response.completed event wraps it
    output = response.get("output") if isinstance(response, dict) else None
    if isinstance(output, list) and output and response.get("status", "completed") == "completed":
        kinds = {item.get("type") for item in output if isinstance(item, dict)}
        return "tool calls" if "function_call" in kinds else "an answer"
    return None
