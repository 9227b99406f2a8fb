"""The model's tool calls, run safely and answered with ``role: "tool"`` messages.

Lesson 04 answers each call of a response with a tool message; lesson 05 shows
what goes wrong (an unknown tool, arguments that are not JSON, a tool that
raises): each mistake comes back to the model as a message it can act on, and a
misplaced tool message is explained before sending, not by the API's 400 error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pydantic

from .schema import arguments_model
from .tape import is_observation

Functions = Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]]
_Registry = Mapping[str, Callable[..., Any]]
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
_SHOWN = 120  # characters of a bad input quoted back to the model


class ConversationError(ValueError):
    """A conversation the API would reject: a tool call or tool message is out of place."""


def _registry(functions: Functions) -> dict[str, Callable[..., Any]]:
    """The tools by name: a mapping as given, callables keyed by ``__name__``."""
    if isinstance(functions, Mapping):
        return dict(functions)
    funcs = list(functions)
    registry = {func.__name__: func for func in funcs}
    if len(registry) < len(funcs):
        raise ValueError("two functions have the same __name__: pass a mapping of name to tool")
    return registry


def _call_fields(call: Any) -> tuple[str, str, str]:
    """The id, tool name and raw arguments of an SDK tool call or a dict of the same shape."""
    if isinstance(call, Mapping):
        function = call.get("function") or {}
        return call["id"], function.get("name", ""), function.get("arguments") or ""
    return call.id, call.function.name, call.function.arguments or ""


def _shown(value: Any, *, raw: bool = False) -> str:
    """Something the model sent, as JSON (``raw``: as it was sent), cut short to quote back."""
    text = value if raw else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _content(result: Any) -> str:
    """A tool's result as message content: None is empty, a str is kept, the rest is JSON."""
    if result is None or isinstance(result, str):
        return result or ""
    return json.dumps(result, ensure_ascii=False, default=str)


def _signature(model: type[pydantic.BaseModel]) -> str:
    """The parameters of a tool, for the model to compare its arguments with."""
    parts = [
        f"{name} (required)" if info.is_required() else f"{name} (optional)"
        for name, info in model.model_fields.items()
    ]
    return ", ".join(parts) if parts else "none (send {})"


def _problems(error: pydantic.ValidationError) -> str:
    """What is wrong with the arguments, one clause per pydantic error."""
    problems = []
    for item in error.errors(include_url=False):
        # The location as tags[1].name.
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])[1:]
        if item["type"] == "missing":
            problems.append(f"missing required argument {where!r}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"unexpected argument {where!r}")
        else:
            problems.append(f"argument {where!r}: {item['msg']} (got {_shown(item['input'])})")
    return "; ".join(problems)


class _BadArguments(Exception):
    """The model's arguments are unusable; the message is the tool message's content."""


def _validated(name: str, raw: str, model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    """The arguments of a call, parsed and checked by the model that describes the tool."""
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError as error:
        raise _BadArguments(
            f"Error: the arguments for tool {name!r} are not valid JSON ({error}): "
            f"{_shown(raw, raw=True)}. Send one JSON object with the arguments by name."
        ) from error
    if not isinstance(arguments, dict):
        kind = "null" if arguments is None else _JSON_TYPES.get(type(arguments), "value")
        raise _BadArguments(
            f"Error: the arguments for tool {name!r} must be a JSON object, not a JSON "
            f"{kind}: {_shown(raw, raw=True)}. Send the arguments by name."
        )
    try:
        return model.model_validate(arguments)
    except pydantic.ValidationError as error:
        raise _BadArguments(
            f"Error: invalid arguments for tool {name!r}: {_problems(error)}. "
            "Call the tool again with corrected arguments."
        ) from error


def _answer(name: str, raw: str, registry: _Registry) -> str:
    """Run one call and return the content of its tool message, an ``Error:`` if it failed."""
    func = registry.get(name)
    if func is None:
        return (
            f"Error: there is no tool named {name!r}. Available tools: "
            f"{', '.join(registry) or 'none'}. Call one of these by its exact name."
        )
    model = arguments_model(func)
    try:
        valid = _validated(name, raw, model)
    except _BadArguments as error:
        return f"{error} Its parameters are: {_signature(model)}."
    # The validated values, not model_dump(): a nested model stays a model.
    values = {field_name: getattr(valid, field_name) for field_name in model.model_fields}
    try:
        return _content(func(**values))
    except ValueError as error:  # the tool refused these values (write_file's unsafe name)
        return (
            f"Error: tool {name!r} refused the arguments: {str(error).rstrip('.')}. "
            "Call it again with values it accepts."
        )
    except Exception as error:  # the tool's failure is news for the model, not a crash
        detail = str(error).rstrip(".")
        return (
            f"Error: tool {name!r} failed with {type(error).__name__}{': ' * bool(detail)}{detail}. "
            "The arguments were well-formed; tell the user the tool failed."
        )


def _run(call: Any, registry: _Registry) -> dict[str, Any]:
    """The tool message answering one call."""
    call_id, name, raw = _call_fields(call)
    return {"role": "tool", "tool_call_id": call_id, "content": _answer(name, raw, registry)}


def run_tool_call(call: Any, functions: Functions) -> dict[str, Any]:
    """Run one tool call and answer it.

    Args:
        call: The SDK's tool call (``.id``, ``.function.name``,
            ``.function.arguments``) or a dict of the same shape.
        functions: The tools: a mapping of name to function, or functions
            (keyed by their ``__name__``).

    Returns:
        ``{"role": "tool", "tool_call_id": ..., "content": ...}``: the result (None
        as "", a str as it is, the rest as JSON), or ``Error: ...`` when the model
        named an unknown tool or sent bad arguments, or the tool raised.

    Raises:
        TypeError: The function cannot be described (see ``schema.arguments_model``).
        ValueError: Two functions have the same name.
    """
    return _run(call, _registry(functions))


def _batches(calls: list[Any], registry: _Registry, concurrent: bool) -> list[list[Any]]:
    """The calls in order, consecutive observation calls grouped, every other call alone."""
    batches: list[list[Any]] = []
    reading: set[str] = set()  # the tools in the batch of reads being gathered
    for call in calls:
        name = _call_fields(call)[1]
        func = registry.get(name)
        reads = concurrent and func is not None and is_observation(func)
        # A write between two reads splits them, so no read can overtake it; two
        # calls to the same tool stay in order, so replay pairs each with its result.
        if reads and reading and name not in reading:
            batches[-1].append(call)
            reading.add(name)
        else:
            batches.append([call])
            reading = {name} if reads else set()
    return batches


def run_tool_calls(
    calls: Iterable[Any], functions: Functions, *, concurrent: bool = True
) -> list[dict[str, Any]]:
    """Run the tool calls of one response and answer each.

    Args:
        calls: The tool calls, in the order the model listed them.
        functions: The tools, as for ``run_tool_call``.
        concurrent: Run consecutive calls to different ``@observation`` tools in
            parallel threads, since reading cannot conflict. Every other call runs
            alone, in the model's order.

    Returns:
        One tool message per call, in the order of ``calls``.

    Raises:
        TypeError: A function cannot be described (see ``schema.arguments_model``).
        ValueError: Two functions have the same name.
    """
    registry = _registry(functions)
    messages: list[dict[str, Any]] = []
    for batch in _batches(list(calls), registry, concurrent):
        if len(batch) == 1:
            messages.append(_run(batch[0], registry))
            continue
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            messages.extend(pool.map(lambda call: _run(call, registry), batch))
    return messages


@dataclass
class _Block:
    """An assistant message's tool calls and the tool messages answering them so far."""

    index: int
    call_ids: list[str]
    answered: dict[str, int] = field(default_factory=dict)


def _open_block(message: dict[str, Any], index: int) -> _Block | None:
    """The block of calls an assistant message opens, if it made any."""
    calls = message.get("tool_calls") or []
    if message.get("role") != "assistant" or not calls:
        return None
    ids = [_call_fields(call)[0] for call in calls]
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
    the end of the list.

    Args:
        messages: The conversation: dicts or SDK objects.

    Raises:
        ConversationError: A call is unanswered or answered twice, a tool message
            answers no call of the assistant message before it, or an assistant
            message repeats a call id. The error names the index and the call id.
    """
    block: _Block | None = None
    after = "the start of the conversation"
    for index, raw in enumerate(messages):
        # An SDK object's nested tool calls become dicts too.
        message = dict(raw) if isinstance(raw, Mapping) else raw.model_dump(exclude_none=True)
        role = message.get("role")
        if role == "tool":
            _record_answer(message, index, block, after)
            continue
        _check_answered(block, f"before messages[{index}] (role {role!r})")
        block = _open_block(message, index)
        after = f"messages[{index}] (role {role!r}), which made no tool calls"
    _check_answered(block, "before the conversation ends")
