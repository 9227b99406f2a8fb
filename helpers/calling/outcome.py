"""What a run of the loop leaves: the ``Conversation``, and the ``LoopError`` family.

Every error the loop raises carries the conversation so far as
``.conversation``, the results of tools already run included, so that work
done is never lost with the error. ``loop.py`` raises them; ``budget.py``
raises ``BudgetExceeded``; ``responses.py`` raises the same ones on the
Responses API.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from openai.types.chat import ChatCompletion


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


class BadResponse(LoopError):
    """A 200 response the loop cannot use; its message says what the server sent.

    The body is not JSON (or is empty, or HTML), or is not a chat completion,
    has no choice, a choice that is not an object, no message, a message the
    SDK's own type rejects, tool calls sharing an id, or a streamed chunk of the
    wrong shape. On the Responses API: a response that is not finished, or whose
    output the loop cannot read (``outputs.py``). None of its tool calls is run.
    ``responses`` includes it when the SDK could read it at all.

    Attributes:
        conversation: Everything before that response.
    """


def _attach(error: BaseException, conversation: Conversation) -> None:
    """Give an exception the conversation, unless it already has one."""
    if getattr(error, "conversation", None) is None:
        with suppress(AttributeError, TypeError):  # an exception type without a __dict__
            error.conversation = conversation  # type: ignore[attr-defined]
