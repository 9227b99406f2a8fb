"""The six steps of function calling, as one loop: ``run_conversation``.

Lesson 06 puts together what lessons 01-05 did by hand: send the messages and
the tools, read the model's tool calls, run them, append the answers, and send
again, until the model replies without calling a tool. A limit on the number
of requests keeps a model that never stops calling tools from looping forever;
lesson 11 adds budgets of tokens and money per conversation, read from each
response's ``usage`` (``BudgetExceeded``).

Whatever a server sends back, the loop stops with one of its own errors (each
a ``LoopError``) or one of the SDK's, and every exception it raises carries the
conversation so far as ``.conversation``, the results of tools already run
included: work done is never lost with the error. How a response is read and
checked is in ``reading.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import openai
from openai.types.chat import ChatCompletion

from .dispatch import Functions, check_conversation, run_tool_calls
from .reading import Unusable, completion, reply, valid_utf8

if TYPE_CHECKING:
    from .responses import ResponsesRun


@dataclass
class Conversation:
    """What a run of the loop sent and got back.

    Attributes:
        messages: The whole conversation: the caller's messages, then each
            assistant message and the tool messages answering it.
        responses: Every response the SDK could read as a chat completion, one
            per request, in order.
    """

    messages: list[dict[str, Any]]
    responses: list[ChatCompletion] = field(default_factory=list)

    @property
    def final_text(self) -> str | None:
        """The content of the last assistant message (None if it has none)."""
        for message in reversed(self.messages):
            if isinstance(message, dict) and message.get("role") == "assistant":
                return message.get("content")
        return None

    @property
    def turns(self) -> int:
        """How many requests were answered with a chat completion."""
        return len(self.responses)


class LoopError(RuntimeError):
    """``run_conversation`` stopped before the model's final answer.

    Attributes:
        conversation: Everything before the reply that stopped it, the answers
            to earlier calls included, so the run can be inspected or continued.
    """

    def __init__(self, message: str, conversation: Conversation) -> None:
        super().__init__(message)
        self.conversation = conversation


class IncompleteResponse(LoopError):
    """The model's reply is unfinished: cut off, withheld, or announcing calls it did not make.

    ``finish_reason`` ``length`` (cut off at the token limit) or
    ``content_filter`` (withheld by the provider), or ``tool_calls`` with no
    tool call to run (``tool_calls: []`` or none at all). Such a reply is
    neither a final answer nor a set of calls to run: its text or its arguments
    may stop mid-way. It is not added to the messages; ``responses`` includes it.

    Attributes:
        conversation: Everything before that reply.
        finish_reason: The reply's ``finish_reason``.
    """

    def __init__(self, message: str, conversation: Conversation, finish_reason: str) -> None:
        super().__init__(message, conversation)
        self.finish_reason = finish_reason


class MaxTurnsExceeded(LoopError):
    """The model still called tools when the loop reached its limit of requests.

    Attributes:
        conversation: Everything up to the limit, including the answers to the
            last calls, so the run can be inspected or continued.
    """


class BudgetExceeded(LoopError):
    """The conversation used up its budget of tokens or money (lesson 11).

    The loop adds up each response's ``usage`` and stops before the next request
    once a budget is reached. The calls of the last reply are answered first, as
    for ``MaxTurnsExceeded``, so the run can be continued with a new budget.

    Attributes:
        conversation: Everything up to the budget, the answers to the last calls included.
        tokens: The tokens used so far (prompt and completion, all requests).
        cost: What they cost at ``prices`` (None without prices).
    """

    def __init__(self, message: str, conversation: Conversation, tokens: int, cost: float | None) -> None:
        super().__init__(message, conversation)
        self.tokens, self.cost = tokens, cost


@dataclass(frozen=True)
class Budget:
    """Limits on what one conversation may use; ``prices`` are per million tokens."""

    max_tokens_total: int | None = None
    max_cost: float | None = None
    prices: dict[str, float] | None = None

    def spent(self, responses: list[ChatCompletion]) -> tuple[int, float | None]:
        """The tokens used by ``responses``, and their cost if prices are known."""
        prompt = completion_tokens = 0
        for response in responses:
            if response.usage is None:
                raise ValueError("a response has no usage, so the budget cannot be counted")
            prompt += response.usage.prompt_tokens
            completion_tokens += response.usage.completion_tokens
        if self.prices is None:
            return prompt + completion_tokens, None
        cost = (prompt * self.prices["input"] + completion_tokens * self.prices["output"]) / 1_000_000
        return prompt + completion_tokens, cost

    def check(self, conversation: Conversation) -> None:
        """Raise ``BudgetExceeded`` if the conversation has used up a budget."""
        if self.max_tokens_total is None and self.max_cost is None:
            return
        try:
            tokens, cost = self.spent(conversation.responses)
        except ValueError as problem:
            raise BudgetExceeded(f"budget not enforceable: {problem}", conversation, 0, None) from None
        over = []
        if self.max_tokens_total is not None and tokens >= self.max_tokens_total:
            over.append(f"{tokens:,} tokens used (max_tokens_total={self.max_tokens_total:,})")
        if self.max_cost is not None and cost is not None and cost >= self.max_cost:
            over.append(f"{cost:.6f} spent (max_cost={self.max_cost})")
        if over:
            raise BudgetExceeded(
                f"budget reached after {conversation.turns} request{'s' * (conversation.turns != 1)}: "
                + "; ".join(over),
                conversation,
                tokens,
                cost,
            )


def _budget(max_tokens_total: int | None, max_cost: float | None, prices: dict[str, float] | None) -> Budget:
    """The budget asked for, checked: a cost needs both prices."""
    if max_tokens_total is not None and max_tokens_total < 1:
        raise ValueError(f"max_tokens_total must be at least 1, not {max_tokens_total}")
    if max_cost is not None and max_cost <= 0:
        raise ValueError(f"max_cost must be positive, not {max_cost}")
    if max_cost is not None and (prices is None or not {"input", "output"} <= prices.keys()):
        raise ValueError('max_cost needs prices={"input": ..., "output": ...} per million tokens')
    return Budget(max_tokens_total, max_cost, prices)


class BadResponse(LoopError):
    """A 200 response the loop cannot use; its message says what the server sent.

    The body is not JSON (or is empty, or HTML), or is not a chat completion,
    has no choice, a choice that is not an object, no message, a message the
    SDK's own type rejects, or tool calls sharing an id. None of its tool calls
    is run. ``responses`` includes it when the SDK could read it at all.

    Attributes:
        conversation: Everything before that response.
    """


def _attach(error: BaseException, conversation: Conversation) -> None:
    """Give an exception the conversation, unless it already has one."""
    if getattr(error, "conversation", None) is None:
        with suppress(AttributeError, TypeError):  # an exception type without a __dict__
            error.conversation = conversation  # type: ignore[attr-defined]


def _turns(
    conversation: Conversation,
    send: Callable[..., Any],
    functions: Functions,
    max_turns: int,
    budget: Budget | None = None,
) -> None:
    """Send, read, run the calls and go round, until a final answer (returns) or an error."""
    wanted: list[str] = []
    for turn in range(1, max_turns + 1):
        check_conversation(conversation.messages)
        raw = send(messages=conversation.messages)
        try:
            response = completion(raw)
            conversation.responses.append(response)
            message, calls = reply(response)
        except Unusable as problem:
            if problem.finish_reason is None:
                raise BadResponse(f"request {turn}: {problem}", conversation) from None
            raise IncompleteResponse(
                f"the model's reply to request {turn} {problem}", conversation, problem.finish_reason
            ) from None
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
    **create_kwargs: Any,
) -> Conversation | ResponsesRun:
    """Let the model call tools until it answers in text.

    The calls decide, not ``finish_reason``: a reply with tool calls has them
    run even when it says ``"stop"``, and text beside calls is kept. A lone
    surrogate (text UTF-8 cannot carry, such as a model's ``"\\ud800"``) in what
    the loop appends is replaced with U+FFFD, so that the next request can be
    sent; an empty ``tool_calls`` list is left out of a final answer.

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
        **create_kwargs: Passed on to ``client.chat.completions.create`` (for
            example ``tool_choice`` or ``temperature``); not ``stream``.

    Returns:
        The conversation, ending with the assistant message that made no tool call.

    Raises:
        ValueError: ``max_turns`` is less than 1, or ``stream`` is asked for.
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
            strict client rejected a response.
    """
    budget = _budget(max_tokens_total, max_cost, prices)
    if api == "responses":
        if budget != Budget():
            raise ValueError("budgets are enforced on Chat Completions only (api='chat')")
        from .responses import run_responses  # here: responses.py imports this module

        return run_responses(client, model, messages, tools, functions, max_turns=max_turns, **create_kwargs)
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, not {max_turns}")
    if create_kwargs.get("stream"):
        raise ValueError("run_conversation reads whole responses: stream=True is not supported")
    conversation = Conversation(messages=list(messages))
    # The raw response, so that a body the SDK cannot read is told apart from
    # a request that could not be sent, and can be quoted in the error.
    create = client.chat.completions.with_raw_response.create
    send = partial(create, model=model, tools=tools, **create_kwargs)
    try:
        _turns(conversation, send, functions, max_turns, budget)
    except BaseException as error:
        _attach(error, conversation)
        raise
    return conversation
