"""The tool loop on the Responses API: ``run_responses``.

Lesson 09 writes this loop by hand on ``client.responses.create``: the model's
calls are ``function_call`` output items, answered by ``function_call_output``
input items with the same ``call_id``, and the model is done when a response has
no ``function_call`` item. Reasoning models also return ``reasoning`` items,
which must go back with the calls they led to: carried in the next input when
nothing is stored (``store=False``, with ``include=["reasoning.encrypted_content"]``),
or kept by the server and chained with ``previous_response_id`` (``store=True``).

The calls are run by lesson 04's dispatcher, so a model's mistake becomes an
answer, never an exception. A response the loop cannot use (not JSON, not
finished, an output it does not understand: see ``outputs.py``) is never taken
as a final answer. The loop raises the errors of ``loop.py``, each with the run
so far as ``.conversation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openai
from openai.types.responses import Response

from ..limits import DEFAULT_SECONDS, Limits, bounded
from .dispatch import Functions, run_tool_calls
from .outcome import BadResponse, IncompleteResponse, MaxTurnsExceeded, _attach
from .outputs import function_calls, output_items, output_text, response_id
from .reading import Unusable, parsed
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
        """The text of the last response ("" when it has none; None before any response)."""
        return output_text(self.responses[-1]) if self.responses else None

    @property
    def turns(self) -> int:
        """How many requests were answered."""
        return len(self.responses)


def _as_items(input: str | Iterable[Any]) -> list[dict[str, Any]]:  # noqa: A002
    """The caller's input as a list of items (a string is one user message)."""
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    return [item.model_dump(exclude_none=True) if hasattr(item, "model_dump") else item for item in input]


def _read(raw: Any, run: ResponsesRun, turn: int, chained: bool) -> list[dict[str, Any]]:
    """Read one raw response into the run: its output items carried, its function calls returned.

    ``chained``: the next request names this response by its id (``store=True``).
    """
    try:
        response = parsed(raw, Response, "response")
    except Unusable as problem:
        raise BadResponse(f"request {turn}: {problem}", run) from None  # type: ignore[arg-type]
    run.responses.append(response)
    try:
        items = output_items(response)
        calls = function_calls(items)
        if chained and calls:
            response_id(response)
    except Unusable as problem:
        said = f"the response to request {turn} {problem}"
        if problem.finish_reason is None:
            raise BadResponse(said, run) from None  # type: ignore[arg-type]
        raise IncompleteResponse(said, run, problem.finish_reason) from None  # type: ignore[arg-type]
    # As the server sent them (lone surrogates aside), so that they go back unchanged.
    run.input.extend(items)
    return calls


def _answer(calls: list[dict[str, Any]], functions: Functions) -> list[dict[str, Any]]:
    """Run the calls with lesson 04's dispatcher; its answers as ``function_call_output`` items."""
    chat_calls = [
        {"id": c["call_id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
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
        BadResponse: A response is not JSON, failed, is not finished, has no
            usable output, or has calls without a ``call_id`` or sharing one.
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
    # The raw response, so that a body the SDK cannot read is quoted in the error.
    create = client.responses.with_raw_response.create
    try:
        for turn in range(1, max_turns + 1):
            if store and run.responses:
                raw = create(input=new_items, previous_response_id=run.responses[-1].id, **kwargs)
            else:
                raw = create(input=run.input, **kwargs)
            calls = _read(raw, run, turn, chained=store)
            if not calls:
                return run
            new_items = _answer(calls, functions)
            run.input.extend(new_items)
        wanted = ", ".join(call["name"] for call in calls)
        raise MaxTurnsExceeded(
            f"the model still called tools after {max_turns} request{'s' * (max_turns != 1)} "
            f"(max_turns={max_turns}); it last asked for: {wanted}",
            run,  # type: ignore[arg-type]
        )
    except BaseException as error:
        _attach(error, run)  # type: ignore[arg-type]
        raise
