"""The probe's second turn: the first call's result sent back, and the rules the server keeps.

A learner's second request is where a server's rules about history bite:
DeepSeek in thinking mode refuses a tool-calling message sent back without its
``reasoning_content``; Mistral refuses any call id that is not 9 letters and
digits, so a conversation recorded elsewhere cannot be replayed to it. The probe
sends the assistant message back exactly as it came, with one result per call,
then (if that was answered) the same turn without the reasoning field, and with
OpenAI-shaped ids, and names the rule each refusal shows.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from ..calling.stream import REASONING_FIELDS
from .findings import id_shape

RESULT = json.dumps({"city": "Paris", "weather": "sunny", "celsius": 21})
OPENAI_ID = re.compile(r"call_[A-Za-z0-9]{24}")
FOREIGN_ID = "call_{n:02d}aB3dE5gH7jK9mN1pQ3sT5u"  # OpenAI's form: call_ + 24 letters and digits

REFUSED = "refused (400"  # a rule broken; a 429 or a 500 says nothing about the history
Ask = Callable[[list[dict[str, Any]], list[dict[str, Any]]], dict[str, Any]]


def conversation(prompt: str, assistant: dict[str, Any]) -> list[dict[str, Any]]:
    """The user's prompt, the assistant message, and one tool result per call."""
    results = [
        {"role": "tool", "tool_call_id": call.get("id"), "content": RESULT}
        for call in assistant.get("tool_calls") or []
    ]
    return [{"role": "user", "content": prompt}, assistant, *results]


def _with_foreign_ids(assistant: dict[str, Any]) -> dict[str, Any]:
    """The message with every call id replaced by one of OpenAI's form."""
    changed = copy.deepcopy(assistant)
    for n, call in enumerate(changed["tool_calls"]):
        call["id"] = FOREIGN_ID.format(n=n)
    return changed


def rule_named(outcome: str) -> str:
    """The rule a refusal's text names: reasoning to send back, or the id format."""
    text = outcome.lower()
    if "reasoning" in text or "thinking" in text:
        return "reasoning must be sent back"
    if re.search(r"\bids?\b|tool_call_id|call id", text):
        return "id format"
    return "-"


def second_turn(
    ask: Ask, check: Callable[[Callable[[], str]], str], prompt: str, first: dict[str, Any], tools: list[Any]
) -> tuple[str, str]:
    """Send the first reply's call results back; return the outcome and the rules found.

    Args:
        ask: Sends messages with tools and returns the reply's message (raw JSON).
        check: Runs one attempt and turns any failure into its outcome (``refused (400: ...)``).
        prompt: The first request's user message.
        first: The first reply's message, as the server sent it.
        tools: The tools the first request offered; only those called are offered again,
            so a model that has its result has no other tool to reach for.

    Returns:
        ``("answered", "reasoning_content must be sent back")``, say; ``("-", "-")`` with no call.
    """
    calls = first.get("tool_calls")
    if not isinstance(calls, list) or not calls or not all(isinstance(c, dict) for c in calls):
        return "-", "-"
    assistant = {key: value for key, value in first.items() if not key.startswith("_")}
    names = [c["function"].get("name") for c in calls if isinstance(c.get("function"), dict)]
    offered = [t for t in tools if t["function"]["name"] in names] or tools

    def send(message: dict[str, Any]) -> str:
        reply = ask(conversation(prompt, message), offered)
        return "answered with another call" if reply.get("tool_calls") else "answered"

    outcome = check(lambda: send(assistant))
    if not outcome.startswith("answered"):
        return outcome, rule_named(outcome)
    rules = []
    field = next((f for f in REASONING_FIELDS if assistant.get(f)), None)
    if field:
        stripped = {key: value for key, value in assistant.items() if key != field}
        if check(lambda: send(stripped)).startswith(REFUSED):
            rules.append(f"{field} must be sent back")
    ids = [call.get("id") for call in calls]
    own_form = all(isinstance(i, str) and OPENAI_ID.fullmatch(i) for i in ids)
    if not own_form and check(lambda: send(_with_foreign_ids(assistant))).startswith(REFUSED):
        rules.append(f"only its own ids ({id_shape(ids[0])})")
    return outcome, "; ".join(rules) or "none found"
