"""A loopback endpoint that behaves like one provider: ``Emulation("deepseek")``.

It answers Chat Completions requests with the scripted model (``model.py``),
shaped as the provider shapes its replies (``shapes.py``), as JSON or, with
``stream: true``, as server-sent events; it refuses, in the provider's error
format, what the provider documents refusing (a ``tool_choice`` form, a
tool-calling message sent back without its reasoning, a call id not of its own form); and ``/responses``
exists only where the provider has it. Built on ``recording.loopback``;
``emulated_client`` answers the same way in this process, with no server.

Example:
    >>> with Emulation("dashscope") as server:  # doctest: +SKIP
    ...     client = OpenAI(base_url=server.base_url, api_key="fake")
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx2
import openai

from ..recording.loopback import LoopbackServer, Reply, Script
from ..settings import PROVIDERS
from . import shapes
from .facts import BEHAVIOURS, Behaviour
from .ledger import claim
from .model import decide

# The 400 as public reports quote it (ledger: openai.chat_tools_with_reasoning).
REASONING_TOOLS = (
    "Function tools with reasoning_effort are not supported for {model} in /v1/chat/completions. "
    "Please use /v1/responses instead."
)
REASONING_MISSING = "The reasoning_content in the thinking mode must be passed back to the API."
MISTRAL_ID = re.compile(r"[A-Za-z0-9]{9}")
# The 400s a forced tool_choice gets in thinking mode, as public reports quote them:
# Qwen's in cloudwego/eino#994 and QwenLM/qwen-code#7659, DeepSeek's in deepseek-ai/DeepSeek-V3#1376.
THINKING_CHOICE = {
    "dashscope": "<400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not support "
    "being set to required or object in thinking mode",
    "deepseek": "Thinking mode does not support this tool_choice",
}


def _choice_form(choice: Any) -> str:
    """``required``, ``named`` or another form of ``tool_choice``."""
    return "named" if isinstance(choice, dict) else str(choice)


def refusal(behaviour: Behaviour, body: dict[str, Any]) -> str | None:
    """Why the provider would answer this request with a 400, or None."""
    if behaviour.name == "openai" and _tools_with_reasoning(body):
        return REASONING_TOOLS.format(model=body.get("model"))
    form = _choice_form(body.get("tool_choice"))
    when = behaviour.choices_refused.get(form)
    if when == "always":
        return f"tool_choice {form!r} is not supported"
    if when and when == behaviour.thinking_on and shapes.thinking(behaviour, body):
        return THINKING_CHOICE[behaviour.name]
    strict = [
        t for t in body.get("tools") or [] if isinstance(t, dict) and (t.get("function") or {}).get("strict")
    ]
    if strict and behaviour.strict == "refused":
        return "strict is not supported in function definitions"
    if behaviour.ids_checked:
        wrong = next((i for i in _ids_sent_back(body) if not MISTRAL_ID.fullmatch(str(i))), None)
        if wrong is not None:
            return f"Tool call id was {wrong} but must be a-z, A-Z, 0-9, with a length of 9."
    if behaviour.echo_reasoning and shapes.thinking(behaviour, body):
        for message in body.get("messages") or []:
            if (
                isinstance(message, dict)
                and message.get("tool_calls")
                and not message.get(behaviour.reasoning)
            ):
                return REASONING_MISSING
    return None


def _tools_with_reasoning(body: dict[str, Any]) -> bool:
    """A Chat Completions request that newer OpenAI reasoning models refuse: function tools, reasoning on."""
    models = claim("openai.chat_tools_with_reasoning").models
    return (
        str(body.get("model") or "").startswith(models)
        and body.get("reasoning_effort") not in (None, "none")
        and any(isinstance(t, dict) and t.get("type") == "function" for t in body.get("tools") or [])
    )


def _ids_sent_back(body: dict[str, Any]) -> list[Any]:
    """Every call id in the history: the assistant messages' calls and the tool results'."""
    ids = []
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            calls = message.get("tool_calls")
            ids += [c.get("id") for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
            ids += [message["tool_call_id"]] if "tool_call_id" in message else []
    return ids


def _responses_reply(body: dict[str, Any]) -> dict[str, Any]:
    """A minimal Responses API answer: the endpoint exists."""
    text = {"type": "output_text", "text": "Hello from the emulation.", "annotations": []}
    item = {
        "type": "message",
        "id": "msg_emulated",
        "role": "assistant",
        "status": "completed",
        "content": [text],
    }
    return {
        "id": "resp_emulated",
        "object": "response",
        "created_at": shapes.CREATED,
        "status": "completed",
        "model": body.get("model", ""),
        "output": [item],
    }


class Emulation(LoopbackServer):
    """A loopback server that answers as ``provider`` documents answering.

    Args:
        provider: A name in ``facts.BEHAVIOURS``: openai, dashscope, deepseek, vllm, ollama, mistral.
    """

    def __init__(self, provider: str) -> None:
        self.behaviour = BEHAVIOURS[provider]
        super().__init__(Script([], provider=provider), respond=self._reply)

    def _reply(self, path: str, body: Any) -> Reply:
        """Answer one request as the provider would."""
        return answer(self.behaviour, path, body, len(self.requests))


def answer(behaviour: Behaviour, path: str, body: Any, request: int) -> Reply:
    """One reply as the provider would send it: ``request`` counts the requests so far, this one included."""
    if not isinstance(body, dict):
        return Reply(body=shapes.error(behaviour, 400, "the body is not a JSON object"), status=400)
    if path.endswith("/responses"):
        if behaviour.responses:
            return Reply(body=_responses_reply(body))
        return Reply(body=shapes.error(behaviour, 404, f"{path} not found"), status=404)
    if not path.endswith("/chat/completions"):
        return Reply(body=shapes.error(behaviour, 404, f"{path} not found"), status=404)
    problem = refusal(behaviour, body)
    if problem:
        return Reply(body=shapes.error(behaviour, 400, problem), status=400)
    decision = decide(body, behaviour)
    if body.get("stream"):
        return Reply(sse=shapes.chunks(behaviour, decision, body, request))
    return Reply(body=shapes.completion(behaviour, decision, body, request))


def emulated_client(provider: str) -> tuple[openai.OpenAI, str]:
    """A client whose requests ``provider``'s emulation answers in this process, and the model to ask.

    No server starts: the client's transport is a function (``httpx2.MockTransport``)
    that answers with the same bytes ``Emulation(provider)`` sends. Its host,
    ``<provider>.emulation.invalid``, is under ``.invalid``, so a lesson's cassette
    neither records nor replays it, in any mode.

    Example:
        >>> client, model = emulated_client("deepseek")
        >>> client.base_url.host
        'deepseek.emulation.invalid'
    """
    behaviour = BEHAVIOURS[provider]
    requests = itertools.count(1)

    def handle(request: httpx2.Request) -> httpx2.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = request.content.decode("utf-8", errors="replace")
        reply = answer(behaviour, request.url.path, body, next(requests))
        if reply.sse is None:
            return httpx2.Response(reply.status, json=reply.body, headers=reply.headers)
        events = [f"data: {json.dumps(event, ensure_ascii=False)}\n\n" for event in reply.sse]
        text = "".join(events) + ("data: [DONE]\n\n" if reply.sse_done else "")
        headers = {**reply.headers, "content-type": "text/event-stream"}
        return httpx2.Response(reply.status, content=text.encode("utf-8"), headers=headers)

    http = openai.DefaultHttpx2Client(transport=httpx2.MockTransport(handle))
    base_url = f"http://{provider}.emulation.invalid/v1"
    client = openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0, http_client=http)
    model = PROVIDERS[provider].default_model if provider in PROVIDERS else behaviour.model
    return client, model or provider
