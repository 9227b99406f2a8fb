"""The six steps of function calling, as one loop: ``run_conversation``.

Lesson 06 puts together what lessons 01-05 did by hand: send the messages and
the tools, read the model's tool calls, run them, append the answers, and send
again, until the model replies without calling a tool. A limit on the number
of requests keeps a model that never stops calling tools from looping forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from .dispatch import Functions, check_conversation, run_tool_calls


@dataclass
class Conversation:
    """What a run of the loop sent and got back.

    Attributes:
        messages: The whole conversation: the caller's messages, then each
            assistant message and the tool messages answering it.
        responses: Every response, one per request, in order.
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
        """How many requests were sent."""
        return len(self.responses)


class IncompleteResponse(RuntimeError):
    """The model's reply was cut off (``finish_reason`` ``length``) or withheld (``content_filter``).

    Such a reply is neither a final answer nor a set of calls to run: its text
    or its arguments may stop mid-way. It is not added to the conversation.

    Attributes:
        conversation: Everything before the cut-off reply, with ``responses``
            including it, so the run can be inspected or continued.
        finish_reason: ``length`` or ``content_filter``.
    """

    def __init__(self, message: str, conversation: Conversation, finish_reason: str) -> None:
        super().__init__(message)
        self.conversation = conversation
        self.finish_reason = finish_reason


INCOMPLETE = {
    "length": "was cut off at the token limit (finish_reason 'length'); raise max_completion_tokens "
    "or ask for less",
    "content_filter": "was withheld by the provider's content filter (finish_reason 'content_filter')",
}


class MaxTurnsExceeded(RuntimeError):
    """The model still called tools when the loop reached its limit of requests.

    Attributes:
        conversation: Everything up to the limit, including the answers to the
            last calls, so the run can be inspected or continued.
    """

    def __init__(self, message: str, conversation: Conversation) -> None:
        super().__init__(message)
        self.conversation = conversation


def run_conversation(
    client: openai.OpenAI,
    model: str,
    messages: Iterable[Any],
    tools: list[dict[str, Any]],
    functions: Functions,
    *,
    max_turns: int = 10,
    **create_kwargs: Any,
) -> Conversation:
    """Let the model call tools until it answers in text.

    Args:
        client: The OpenAI client (any OpenAI-compatible provider).
        model: The model to ask.
        messages: The conversation so far; it is copied, never changed.
        tools: The tool definitions sent with every request.
        functions: The tools' functions, as for ``dispatch.run_tool_calls``.
        max_turns: The most requests to send.
        **create_kwargs: Passed on to ``client.chat.completions.create`` (for
            example ``tool_choice`` or ``temperature``).

    Returns:
        The conversation, ending with the assistant message that made no tool call.

    Raises:
        ValueError: ``max_turns`` is less than 1.
        ConversationError: The messages put a tool call or tool message where
            the API would reject it (checked before each request).
        IncompleteResponse: A reply was cut off or filtered; it carries the
            conversation before that reply.
        MaxTurnsExceeded: The response to the last allowed request still asked
            for tools; the exception carries the partial conversation.
        openai.APIError: A request failed (after the SDK's own retries); its
            ``conversation`` attribute holds the conversation so far.
    """
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, not {max_turns}")
    conversation = Conversation(messages=list(messages))
    wanted: list[str] = []
    for _ in range(max_turns):
        check_conversation(conversation.messages)
        try:
            response = client.chat.completions.create(
                model=model, messages=conversation.messages, tools=tools, **create_kwargs
            )
        except openai.APIError as error:
            # Tools may have run already: the record of what they did goes with the error.
            error.conversation = conversation  # type: ignore[attr-defined]
            raise
        conversation.responses.append(response)
        choice = response.choices[0]
        if choice.finish_reason in INCOMPLETE:
            raise IncompleteResponse(
                f"the model's reply to request {conversation.turns} {INCOMPLETE[choice.finish_reason]}",
                conversation,
                choice.finish_reason,
            )
        message = choice.message
        # exclude_none drops the null content and refusal, so the next request
        # matches the published exchange the lessons replay.
        conversation.messages.append(message.model_dump(exclude_none=True))
        # Decided by the calls, not by finish_reason: some compatible servers
        # send "stop" with tool calls, and a reply may carry text and calls.
        if not message.tool_calls:
            return conversation
        conversation.messages.extend(run_tool_calls(message.tool_calls, functions))
        wanted = [call.function.name for call in message.tool_calls]
    raise MaxTurnsExceeded(
        f"the model still called tools after {max_turns} request{'s' * (max_turns != 1)} "
        f"(max_turns={max_turns}); "
        f"it last asked for: {', '.join(wanted)}",
        conversation,
    )
