"""The conversation rules for tool calls, checked before a request is sent.

Lesson 05 shows the rule the API enforces: after an assistant message with
``tool_calls`` comes exactly one ``role: "tool"`` message per call, before any
other message. ``check_conversation`` explains a broken conversation by index
and call id, instead of the API's 400 error. It is re-exported by
``helpers.calling.dispatch``, next to the dispatcher whose messages it checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .toolcall import kind, read_call
from .untrusted import quoted


class ConversationError(ValueError):
    """A conversation the API would reject: a tool call or tool message is out of place."""


@dataclass
class _Block:
    """An assistant message's tool calls and the tool messages answering them so far."""

    index: int
    call_ids: list[str]
    answered: dict[str, int] = field(default_factory=dict)


def _role(role: Any) -> str:
    """A message's role, quoted as it is when it is a string."""
    return quoted(role, 40) if isinstance(role, str) else kind(role)


def _as_dict(raw: Any, index: int) -> dict[str, Any]:
    """A message as a dict: a mapping copied, an SDK object dumped (its tool calls too)."""
    if isinstance(raw, Mapping):
        return dict(raw)
    dump = getattr(raw, "model_dump", None)
    if callable(dump):
        try:
            message = dump(exclude_none=True)
        except Exception as error:
            raise ConversationError(f"messages[{index}] cannot be read: {type(error).__name__}") from error
        if isinstance(message, dict):
            return message
    raise ConversationError(
        f"messages[{index}] is {kind(raw)}, not a message: use a dict with a 'role', or an SDK message"
    )


def _open_block(message: dict[str, Any], index: int) -> _Block | None:
    """The block of calls an assistant message opens, if it made any."""
    calls = message.get("tool_calls")
    if message.get("role") != "assistant" or calls is None:
        return None
    if not isinstance(calls, (list, tuple)):
        raise ConversationError(f"messages[{index}] has tool_calls that are {kind(calls)}, not a list")
    if not calls:
        return None
    ids = [read_call(call).id for call in calls]
    twice = [call_id for call_id in ids if ids.count(call_id) > 1]
    if twice:
        raise ConversationError(
            f"messages[{index}] makes two tool calls with the same id {twice[0]!r}: "
            "each call needs its own id so that its answer can name it"
        )
    return _Block(index, ids)


def _record_answer(message: dict[str, Any], index: int, block: _Block | None, after: str) -> None:
    """Check a tool message against the open block and mark its call answered."""
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str):
        raise ConversationError(
            f"messages[{index}] is a tool message whose tool_call_id is {kind(call_id)}: "
            "it must be the id of the call it answers"
        )
    if block is None:
        raise ConversationError(
            f"messages[{index}] is a tool message for call {call_id!r} that follows {after}: "
            "it must follow the assistant message with that call, or that message's answers"
        )
    if call_id not in block.call_ids:
        raise ConversationError(
            f"messages[{index}] answers call {call_id!r}, but the assistant message at "
            f"messages[{block.index}] made no such call (its calls: {', '.join(block.call_ids)})"
        )
    if call_id in block.answered:
        raise ConversationError(
            f"messages[{index}] answers call {call_id!r} a second time: "
            f"messages[{block.answered[call_id]}] already answered it"
        )
    block.answered[call_id] = index


def _check_answered(block: _Block | None, when: str) -> None:
    """Raise unless every call of the block has its tool message."""
    if block is None:
        return
    missing = [call_id for call_id in block.call_ids if call_id not in block.answered]
    if missing:
        raise ConversationError(
            f"call {', '.join(map(repr, missing))} of the assistant message at "
            f"messages[{block.index}] has no tool message {when}: add one "
            '{"role": "tool", "tool_call_id": ..., "content": ...} per call right after it'
        )


def check_conversation(messages: Iterable[Any]) -> None:
    """Check that tool calls and tool messages are where the API expects them.

    After an assistant message with ``tool_calls`` must come exactly one
    ``role: "tool"`` message per call id, in any order, before any other role or
    the end of the list. A call is read as ``run_tool_call`` reads it: a call
    without an id has the id "".

    Args:
        messages: The conversation: dicts or SDK objects.

    Raises:
        ConversationError: A call is unanswered or answered twice, a tool message
            answers no call of the assistant message before it, or an assistant
            message repeats a call id. The error names the index and the call id.
            Also for a message that is neither a dict nor an SDK object, and for
            ``tool_calls`` or a ``tool_call_id`` of the wrong type.
    """
    block: _Block | None = None
    after = "the start of the conversation"
    for index, raw in enumerate(messages):
        message = _as_dict(raw, index)
        role = message.get("role")
        if role == "tool":
            _record_answer(message, index, block, after)
            continue
        _check_answered(block, f"before messages[{index}] (role {_role(role)})")
        block = _open_block(message, index)
        after = f"messages[{index}] (role {_role(role)}), which made no tool calls"
    _check_answered(block, "before the conversation ends")
