"""Ask an OpenAI-compatible endpoint what it supports for tool calling: ``probe``.

A handful of small requests, each a check that records what happened, never
raises: ``yes``, ``no``, ``ignored`` (a ``tool_choice`` the server accepted and
did not follow), ``refused (400: ...)``, ``error (...)``, or ``skipped`` once
the server has timed out. Besides the checks, a row says what the replies did
that a learner trips on (``findings.py``) and whether a tool result sent back
was answered (``sendback.py``). The key is sent, never shown: any text quoted
from the server has every piece of it of 4 or more characters replaced with
``***`` (``masking.py``). Requests are not retried and each waits at most
``timeout`` seconds. ``report.py`` prints the rows.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import openai

from ..calling.stream import REASONING_FIELDS, assemble_stream
from ..limits import Limits, bounded_http_client
from ..recording.redact import redact_url
from .findings import (
    call_findings,
    content_shape,
    id_shape,
    is_json,
    json_or_none,
    stream_findings,
    stream_shape,
)
from .masking import base_url_problem, mask, url_secrets
from .sendback import second_turn

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name[4:]} in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    for name in ("get_weather", "get_time")
]
ASK = "What is the weather in Paris?"
OFFERED = {tool["function"]["name"] for tool in TOOLS}
_SHOWN = 100  # characters of a server's text quoted in an outcome
PROBE_MAX_BYTES = 1_000_000


@dataclass
class Row:
    """One endpoint's answers to the probe; every field is text, for a table."""

    endpoint: str
    model: str
    label: str
    tools: str = ""
    one_call: str = ""
    parallel: str = ""
    required: str = ""
    none: str = ""
    named: str = ""
    strict: str = ""
    stream: str = ""
    stream_shape: str = ""
    content: str = ""
    ids: str = ""
    reasoning: str = ""
    findings: str = ""
    second_turn: str = ""
    send_back_rules: str = ""
    responses: str = ""

    def as_dict(self) -> dict[str, str]:
        """The row as a plain dict (for ``--json``)."""
        return asdict(self)


class _Probe:
    """The checks, sharing one client and the first reply."""

    def __init__(
        self, client: openai.OpenAI, model: str, secrets: list[str], extra_body: dict[str, Any] | None
    ) -> None:
        self.client, self.model, self.secrets = client, model, secrets
        self.extra_body = extra_body or {}
        self.timed_out = False
        self.first: dict[str, Any] = {}
        self.shape = "-"

    def scrub(self, text: Any, shown: int = _SHOWN) -> str:
        """Text from the server, one line, clipped to ``shown`` characters, secrets replaced."""
        text = mask(" ".join(str(text)[:4000].split()), self.secrets)
        return text[:shown] + "…" if len(text) > shown else text

    def check(self, run: Callable[[], str]) -> str:
        """Run one check; whatever happens becomes its outcome."""
        if self.timed_out:
            return "skipped (server timed out)"
        try:
            return self.scrub(run())
        except openai.APITimeoutError:
            self.timed_out = True
            return "error (timed out)"
        except openai.APIStatusError as error:
            return f"refused ({error.status_code}: {self.scrub(_message(error))})"
        except Exception as error:  # a strange answer is a finding, never a crash
            return f"error ({type(error).__name__}: {self.scrub(str(error))})"

    def ask(self, prompt: str | list[dict[str, Any]] = ASK, **options: Any) -> dict[str, Any]:
        """One request's first message, as the server sent it (raw JSON); a prompt or whole messages."""
        body = {**self.extra_body, **options.pop("extra_body", {})}
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        raw = self.client.chat.completions.with_raw_response.create(
            model=self.model, messages=messages, extra_body=body or None, **options
        )
        data = json.loads(raw.http_response.text)
        choice = (data.get("choices") or [None])[0] if isinstance(data, dict) else None
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            raise ValueError(f"no message in the reply: {raw.http_response.text}")
        return {**choice["message"], "_finish": choice.get("finish_reason")}


def _message(error: openai.APIStatusError) -> str:
    """The error's message, from the provider's body if it has one."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return error.response.text or error.message


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The well-formed tool calls of a message (none when ``tool_calls`` is not a list)."""
    calls = message.get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def _first(probe: _Probe) -> str:
    """Tools at all: a plain request with two tools; its reply is kept for the shapes."""
    probe.first = probe.ask(tools=TOOLS)
    return "yes"


def _one_call(probe: _Probe) -> str:
    calls = _calls(probe.first)
    if calls:
        return "yes" if len(calls) == 1 else f"{len(calls)} calls"
    return "no (answered in text)" if not probe.first.get("tool_calls") else "no (tool_calls unreadable)"


def _parallel(probe: _Probe) -> str:
    prompt = "Use both tools, in parallel, for Paris."
    if len(_calls(probe.ask(prompt, tools=TOOLS))) > 1:
        return "default"
    return "opt-in" if len(_calls(probe.ask(prompt, tools=TOOLS, parallel_tool_calls=True))) > 1 else "no"


def _required(probe: _Probe) -> str:
    message = probe.ask("Say hello; no tool is needed.", tools=TOOLS, tool_choice="required")
    if not _calls(message):
        return "ignored"
    finish = message.get("_finish")
    return "yes" if finish == "tool_calls" else f"yes (finish_reason {finish!r})"


def _none(probe: _Probe) -> str:
    return "ignored" if _calls(probe.ask(tools=TOOLS, tool_choice="none")) else "yes"


def _named(probe: _Probe) -> str:
    named = {"type": "function", "function": {"name": "get_time"}}
    names = [(c.get("function") or {}).get("name") for c in _calls(probe.ask(tools=TOOLS, tool_choice=named))]
    return "yes" if names == ["get_time"] else "ignored"


def _strict(probe: _Probe) -> str:
    function = {**TOOLS[0]["function"], "strict": True}
    function["parameters"] = {**function["parameters"], "additionalProperties": False}
    probe.ask(tools=[{"type": "function", "function": function}])
    return "accepted"


def _stream(probe: _Probe) -> str:
    """Streamed tool calls: do they assemble; the shape they came in is kept as ``probe.shape``."""
    chunks: list[Any] = []
    options = {"stream_options": {"include_usage": True}, "extra_body": probe.extra_body or None}
    with probe.client.chat.completions.with_streaming_response.create(
        model=probe.model, messages=[{"role": "user", "content": ASK}], tools=TOOLS, stream=True, **options
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                chunks.append(json_or_none(line[5:]))
    probe.shape = ", ".join([stream_shape(chunks), *stream_findings(chunks)])
    calls = assemble_stream([c for c in chunks if isinstance(c, dict)]).message().get("tool_calls") or []
    if not calls:
        return "no tool call streamed"
    return "assembles" if all(is_json(c["function"]["arguments"]) for c in calls) else "arguments not JSON"


def _responses(probe: _Probe) -> str:
    try:
        probe.client.responses.with_raw_response.create(model=probe.model, input="Say hello.")
    except openai.NotFoundError:
        return "no (404)"
    return "yes"


def probe(
    client_or_base_url: openai.OpenAI | str,
    model: str,
    *,
    api_key: str = "",
    label: str = "",
    endpoint: str = "",
    timeout: float = 20.0,
    extra_body: dict[str, Any] | None = None,
) -> Row:
    """Ask an endpoint what it supports for tool calling, with a handful of small requests.

    Args:
        client_or_base_url: An OpenAI client, or the endpoint's base URL.
        model: The model to ask.
        api_key: The key to send with a base URL; never shown (replaced by ``***``).
        label: How the row was obtained; default ``measured (<today>, <model>)``.
        endpoint: The row's name; default the base URL (credentials and query values as ``***``).
        timeout: Seconds each request may take in all (with a base URL; a client
            keeps its own transport); after one times out the rest are skipped.
        extra_body: Fields added to every Chat Completions request (``{"enable_thinking": True}``).

    Returns:
        The row: one outcome per check, never an exception.
    """
    if isinstance(client_or_base_url, str):
        problem = base_url_problem(client_or_base_url)
        if problem:
            raise ValueError(f"the base URL {problem}")
        client = openai.OpenAI(
            base_url=client_or_base_url,
            api_key=api_key or "none",
            timeout=timeout,
            max_retries=0,
            # timeout: in all, not per byte; the probe's short replies take a few kB
            http_client=bounded_http_client(Limits(timeout, PROBE_MAX_BYTES)),
        )
    else:
        client = client_or_base_url.with_options(timeout=timeout, max_retries=0)
        api_key = api_key or client.api_key
    url = client_or_base_url if isinstance(client_or_base_url, str) else str(client.base_url)
    name = endpoint or redact_url(url.rstrip("/"))
    row = Row(name, model, label or f"measured ({datetime.date.today().isoformat()}, {model})")
    _run(row, _Probe(client, model, [api_key, *url_secrets(url)], extra_body))
    return row


def _run(row: Row, p: _Probe) -> None:
    """Every check in turn, each outcome into its column."""
    row.tools = p.check(lambda: _first(p))
    _read_first(row, p)
    for field, check in (
        ("parallel", _parallel),
        ("required", _required),
        ("none", _none),
        ("named", _named),
        ("strict", _strict),
        ("stream", _stream),
    ):
        setattr(row, field, p.check(lambda check=check: check(p)))
    row.stream_shape = p.scrub(p.shape, shown=3 * _SHOWN)
    turn = second_turn(lambda messages, tools: p.ask(messages, tools=tools), p.check, ASK, p.first, TOOLS)
    row.second_turn, rules = turn
    row.send_back_rules = p.scrub(rules)
    row.responses = p.check(lambda: _responses(p))


def _read_first(row: Row, p: _Probe) -> None:
    """The columns read from the first reply: its calls, their ids, content, reasoning, findings."""
    calls = _calls(p.first)
    row.one_call = p.check(lambda: _one_call(p)) if p.first else "-"
    row.content = content_shape(p.first) if calls else "-"
    row.ids = p.scrub(id_shape(calls[0].get("id"))) if calls else "-"
    row.reasoning = next((f for f in REASONING_FIELDS if isinstance(p.first.get(f), str)), "-")
    found = call_findings(p.first, p.first.get("_finish"), OFFERED) if p.first else []
    row.findings = p.scrub("; ".join(found) or "none", shown=3 * _SHOWN) if p.first else "-"
