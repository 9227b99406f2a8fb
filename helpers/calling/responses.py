"""The tool loop on the Responses API: ``run_responses``.

Lesson 09 writes this loop by hand on ``client.responses.create``: the model's
calls are ``function_call`` output items, answered by ``function_call_output``
input items with the same ``call_id``, and the model is done when a response has
no ``function_call`` item. Reasoning models also return ``reasoning`` items,
which must go back with the calls they led to: carried in the next input when
nothing is stored (``store=False``, with ``include=["reasoning.encrypted_content"]``),
or kept by the server and chained with ``previous_response_id`` (``store=True``).

The calls are run by lesson 04's dispatcher, so a model's mistake becomes an
answer, never an exception. The loop raises the errors of ``loop.py``, each with
the run so far as ``.conversation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openai
from openai.types.responses import Response, ResponseFunctionToolCall

from ..limits import DEFAULT_SECONDS, Limits, bounded
from .dispatch import Functions, run_tool_calls
from .outcome import BadResponse, IncompleteResponse, MaxTurnsExceeded, _attach
from .schema import flat_tool

ENCRYPTED_REASONING = "reasoning.encrypted_content"


@dataclass
class ResponsesRun:
    """What a run of ``run_responses`` sent and got back.

    Attributes:
        input: Every item of the exchange, in order: the caller's input, then
            each response's output items (reasoning, calls, messages) and the
            ``function_call_output`` items answering its calls. Without
            chaining, this is exactly the next request's ``input``.
        responses: Every response, one per request, in order.
    """

    input: list[dict[str, Any]]
    responses: list[Response] = field(default_factory=list)

    @property
    def output_text(self) -> str | None:
        """The text of the last response (None before any response)."""
        return self.responses[-1].output_text if self.responses else None

    @property
    def turns(self) -> int:
        """How many requests were answered."""
        return len(self.responses)


def _as_items(input: str | Iterable[Any]) -> list[dict[str, Any]]:  # noqa: A002
    """The caller's input as a list of items (a string is one user message)."""
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    return [item.model_dump(exclude_none=True) if hasattr(item, "model_dump") else item for item in input]


def _calls(response: Response, run: ResponsesRun, turn: int) -> list[ResponseFunctionToolCall]:
    """The response's function calls, after checking it is finished and usable."""
    if response.status == "incomplete":
        reason = getattr(response.incomplete_details, "reason", None) or "incomplete"
        raise IncompleteResponse(f"the response to request {turn} is incomplete ({reason})", run, reason)  # type: ignore[arg-type]
    if response.status == "failed" or response.error is not None:
        raise BadResponse(f"request {turn}: the response failed: {response.error}", run)  # type: ignore[arg-type]
    calls = [item for item in response.output if item.type == "function_call"]
    ids = [call.call_id for call in calls]
    if len(set(ids)) != len(ids):
        raise BadResponse(f"request {turn}: function calls share a call_id: {ids}", run)  # type: ignore[arg-type]
    return calls


def _answer(calls: list[ResponseFunctionToolCall], functions: Functions) -> list[dict[str, Any]]:
    """Run the calls with lesson 04's dispatcher; its answers as ``function_call_output`` items."""
    chat_calls = [
        {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in calls
    ]
    return [
        {"type": "function_call_output", "call_id": message["tool_call_id"], "output": message["content"]}
        for message in run_tool_calls(chat_calls, functions)
    ]


def run_responses(
    client: openai.OpenAI,
    model: str,
    input: str | Iterable[Any],  # noqa: A002
    tools: list[dict[str, Any]],
    functions: Functions,
    *,
    max_turns: int = 10,
    store: bool = False,
    limits: Limits | None = None,
    **create_kwargs: Any,
) -> ResponsesRun:
    """Let the model call tools until a response has no function call, on the Responses API.

    With ``store=False`` (the default) nothing is kept on the server: every
    request sends the whole exchange, reasoning items included (their
    ``encrypted_content`` is asked for unless ``include`` is given). With
    ``store=True`` each request after the first sends only the new
    ``function_call_output`` items, chained with ``previous_response_id``.

    Args:
        client: The OpenAI client.
        model: The model to ask.
        input: A user message, or a list of input items; it is copied, never changed.
        tools: Tool definitions, in the flat Responses shape (``responses_tool``);
            Chat Completions definitions are flattened.
        functions: The tools' functions, as for ``dispatch.run_tool_calls``.
        max_turns: The most requests to send.
        store: Keep responses on the server and chain them, instead of resending.
        limits: How long each request may take in all, retries included, and
            how many bytes its answer may have (default ``Limits(600)``), as
            for ``run_conversation``.
        **create_kwargs: Passed on to ``client.responses.create`` (for example
            ``reasoning`` or ``tool_choice``); not ``stream``.

    Returns:
        The run, ending with the response that made no function call.

    Raises:
        ValueError: ``max_turns`` is less than 1, or ``stream`` is asked for.
        IncompleteResponse: A response has status ``incomplete``.
        BadResponse: A response failed, or its calls share a ``call_id``.
        MaxTurnsExceeded: The response to the last allowed request still called tools.
        openai.APIError: A request failed, a 400 for an input the API rejects
            included, or an answer broke ``limits`` (``limits.AnswerTooSlow``,
            ``limits.AnswerTooLarge``).
    """
    with bounded(client, limits or Limits(DEFAULT_SECONDS)) as sending:
        return _run_responses(sending, model, input, tools, functions, max_turns, store, **create_kwargs)


def _run_responses(
    client: openai.OpenAI,
    model: str,
    input: str | Iterable[Any],  # noqa: A002
    tools: list[dict[str, Any]],
    functions: Functions,
    max_turns: int,
    store: bool,
    **create_kwargs: Any,
) -> ResponsesRun:
    """``run_responses`` on a client already bounded."""
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, not {max_turns}")
    if create_kwargs.get("stream"):
        raise ValueError("run_responses reads whole responses: stream=True is not supported")
    if not store:
        create_kwargs.setdefault("include", [ENCRYPTED_REASONING])
    run = ResponsesRun(input=_as_items(input))
    kwargs = {"model": model, "tools": [flat_tool(tool) for tool in tools], "store": store, **create_kwargs}
    new_items: list[dict[str, Any]] = []
    try:
        for turn in range(1, max_turns + 1):
            if store and run.responses:
                response = client.responses.create(
                    input=new_items, previous_response_id=run.responses[-1].id, **kwargs
                )
            else:
                response = client.responses.create(input=run.input, **kwargs)
            run.responses.append(response)
            calls = _calls(response, run, turn)
            # As the server sent them, so that they go back unchanged.
            run.input.extend(item.model_dump(exclude_unset=True) for item in response.output)
            if not calls:
                return run
            new_items = _answer(calls, functions)
            run.input.extend(new_items)
        wanted = ", ".join(call.name for call in calls)
        raise MaxTurnsExceeded(
            f"the model still called tools after {max_turns} request{'s' * (max_turns != 1)} "
            f"(max_turns={max_turns}); it last asked for: {wanted}",
            run,  # type: ignore[arg-type]
        )
    except BaseException as error:
        _attach(error, run)  # type: ignore[arg-type]
        raise
