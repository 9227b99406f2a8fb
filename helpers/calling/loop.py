"""The six steps of function calling, as one loop: ``run_conversation``.

Lesson 06 puts together what lessons 01-05 did by hand: send the messages and
the tools, read the model's tool calls, run them, append the answers, and send
again, until the model replies without calling a tool. A limit on the number
of requests keeps a model that never stops calling tools from looping forever;
lesson 11 adds budgets of tokens and money per conversation, read from each
response's ``usage`` (``BudgetExceeded``, in ``budget.py``).

Whatever a server sends back, the loop stops with one of its own errors (each
a ``LoopError``) or one of the SDK's, and every exception it raises carries the
conversation so far as ``.conversation``, the results of tools already run
included: work done is never lost with the error. How a response is read and
checked is in ``reading.py``; the errors and the ``Conversation`` are in ``outcome.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import openai

from ..limits import DEFAULT_SECONDS, Limits, bounded
from .budget import Budget, make_budget
from .dispatch import Functions, check_conversation, run_tool_calls
from .outcome import (
    BadResponse,
    BudgetExceeded,
    Conversation,
    IncompleteResponse,
    LoopError,
    MaxTurnsExceeded,
    _attach,
)
from .reading import Unusable, assembled, completion, reply, valid_utf8
from .toolcall import renumber_local_ids

if TYPE_CHECKING:
    from .responses import ResponsesRun


def _turns(
    conversation: Conversation,
    send: Callable[..., Any],
    functions: Functions,
    max_turns: int,
    budget: Budget | None = None,
    read: Callable[[Any], Any] = completion,
) -> None:
    """Send, read, run the calls and go round, until a final answer (returns) or an error."""
    wanted: list[str] = []
    for turn in range(1, max_turns + 1):
        check_conversation(conversation.messages)
        raw = send(messages=conversation.messages)
        try:
            response = read(raw)
            conversation.responses.append(response)
            message, calls = reply(response)
        except Unusable as problem:
            if problem.finish_reason is None:
                raise BadResponse(f"request {turn}: {problem}", conversation) from None
            raise IncompleteResponse(
                f"the model's reply to request {turn} {problem}", conversation, problem.finish_reason
            ) from None
        renumber_local_ids(calls, conversation.messages)
        conversation.messages.append(message)
        if not calls:
            return
        # The calls as appended, so that what ran is exactly what the record says.
        conversation.messages.extend(valid_utf8(run_tool_calls(calls, functions)))
        wanted = [(call.get("function") or call.get("custom") or {}).get("name", "?") for call in calls]
        if budget is not None and turn < max_turns:
            budget.check(conversation)
    raise MaxTurnsExceeded(
        f"the model still called tools after {max_turns} request{'s' * (max_turns != 1)} "
        f"(max_turns={max_turns}); "
        f"it last asked for: {', '.join(wanted)}",
        conversation,
    )


def run_conversation(
    client: openai.OpenAI,
    model: str,
    messages: Iterable[Any],
    tools: list[dict[str, Any]],
    functions: Functions,
    *,
    max_turns: int = 10,
    api: Literal["chat", "responses"] = "chat",
    max_tokens_total: int | None = None,
    max_cost: float | None = None,
    prices: dict[str, float] | None = None,
    limits: Limits | None = None,
    **create_kwargs: Any,
) -> Conversation | ResponsesRun:
    """Let the model call tools until it answers in text.

    The calls decide, not ``finish_reason``: a reply with tool calls has them
    run even when it says ``"stop"``, and text beside calls is kept. A lone
    surrogate (text UTF-8 cannot carry, such as a model's ``"\\ud800"``) in what
    the loop appends is replaced with U+FFFD, so that the next request can be
    sent; an empty ``tool_calls`` list is left out of a final answer. A call
    whose id is missing, empty or not a string gets a local one
    (``call_local_1``), the same in the message and in its answer.

    Every exception raised once the loop has started, those below and any
    other (a ``KeyboardInterrupt`` while a tool runs, say), has a
    ``conversation`` attribute: the conversation so far, tool results included.

    Args:
        client: The OpenAI client (any OpenAI-compatible provider).
        model: The model to ask.
        messages: The conversation so far; it is copied, never changed.
        tools: The tool definitions sent with every request.
        functions: The tools' functions, as for ``dispatch.run_tool_calls``.
        max_turns: The most requests to send.
        api: ``"responses"`` runs the loop on the Responses API instead:
            ``responses.run_responses(client, model, messages, tools, functions,
            max_turns=max_turns, **create_kwargs)``, which returns a
            ``ResponsesRun`` (lesson 09).
        max_tokens_total: The most tokens (prompt and completion, all
            requests, from each response's ``usage``) before the loop stops
            sending (lesson 11). Chat Completions only.
        max_cost: The most money the conversation may cost at ``prices``.
        prices: ``{"input": ..., "output": ...}``, the price of a million prompt
            and completion tokens; needed by ``max_cost``.
        limits: How long each request may take in all, retries and a streamed
            reply included, and how many bytes its answer may have (default
            ``Limits(600)``: 600 s, 64 MiB); ``limits.bounded(client, limits)``
            says how a client is bounded (the lessons' client keeps its own).
        **create_kwargs: Passed on to ``client.chat.completions.create`` (for
            example ``tool_choice`` or ``temperature``). With ``stream=True``
            each reply is streamed and assembled by ``StreamAssembler``
            (lesson 08) into the same message (lesson 13 runs it on each provider).

    Returns:
        The conversation, ending with the assistant message that made no tool call.

    Raises:
        ValueError: ``max_turns`` is less than 1.
        ConversationError: The messages put a tool call or tool message where
            the API would reject it (checked before each request).
        IncompleteResponse: A reply was cut off, filtered, or announced tool
            calls without making any.
        BadResponse: A response could not be used (not JSON, no choice, no
            message, repeated call ids...).
        MaxTurnsExceeded: The response to the last allowed request still asked
            for tools.
        BudgetExceeded: A budget was used up while the model still called
            tools, or a response had no ``usage`` to count.
        openai.APIError: A request failed (after the SDK's own retries), or a
            strict client rejected a response; ``limits.AnswerTooSlow`` and
            ``limits.AnswerTooLarge`` (both ``openai.APIConnectionError``) when
            an answer broke ``limits``.
    """
    budget = make_budget(max_tokens_total, max_cost, prices)
    if api == "responses":
        if budget != Budget():
            raise ValueError("budgets are enforced on Chat Completions only (api='chat')")
        from .responses import run_responses  # here: responses.py imports this module

        return run_responses(
            client, model, messages, tools, functions, max_turns=max_turns, limits=limits, **create_kwargs
        )
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, not {max_turns}")
    conversation = Conversation(messages=list(messages))
    try:
        with bounded(client, limits or Limits(DEFAULT_SECONDS)) as sending:
            send, read = _sender(sending, model, tools, create_kwargs)
            _turns(conversation, send, functions, max_turns, budget, read)
    except BaseException as error:
        _attach(error, conversation)
        raise
    return conversation


def _sender(
    client: openai.OpenAI, model: str, tools: list[dict[str, Any]], create_kwargs: dict[str, Any]
) -> tuple[Callable[..., Any], Callable[[Any], Any]]:
    """How to send a turn's request, and how to read what comes back."""
    # The raw response, so that a body the SDK cannot read is told apart from
    # a request that could not be sent, and can be quoted in the error.
    create = client.chat.completions.with_raw_response.create
    read: Callable[[Any], Any] = completion
    if create_kwargs.get("stream"):
        create, read = client.chat.completions.create, partial(assembled, model=model)
    return partial(create, model=model, tools=tools, **create_kwargs), read


__all__ = [
    "BadResponse",
    "BudgetExceeded",
    "Conversation",
    "IncompleteResponse",
    "LoopError",
    "MaxTurnsExceeded",
    "run_conversation",
]
