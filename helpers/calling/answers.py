"""The content of a tool message: the tool's result, or an error the model can act on.

``helpers.calling.dispatch`` reads a call and finds its tool; ``run_tool`` parses and
checks the arguments, runs the tool (in a thread when it has a time limit),
and words each failure as ``Error: <what went wrong>. <what to do>.`` Every
piece of the model's input quoted back is cut to ``SHOWN`` characters, a tool's
exception message to ``DETAIL``, and ``bounded`` caps the whole content.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic

from .toolcall import ToolCall
from .untrusted import (
    UnusableJSON,
    clip,
    clip_middle,
    dumps_result,
    loads,
    preview,
    quoted,
    replace_surrogates,
)

MAX_RESULT_CHARS = 100_000  # a tool's result, by default: far below the API's 1M-character limit
MAX_ERROR_CHARS = 20_000  # an error, whatever the limit on results
SHOWN = 120  # characters of a name or a bad input quoted back to the model
DETAIL = 1_000  # characters of a tool's exception message (cut in the middle: the reason often ends it)
_PROBLEMS = 10  # validation problems listed, of however many
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclass(frozen=True)
class Reply:
    """The content of a tool message, and whether it is a result (``ok``) or an error."""

    text: str
    ok: bool = True


def bounded(reply: Reply, max_chars: int) -> str:
    """The reply as content that encodes to UTF-8, in at most ``max_chars`` characters.

    A result that is too long keeps its start and ends with a line saying how
    much was cut; an error is cut in its middle to at most ``MAX_ERROR_CHARS``.
    """
    text = replace_surrogates(reply.text)
    if not reply.ok:
        return clip_middle(text, min(max_chars, MAX_ERROR_CHARS))
    if len(text) <= max_chars:
        return text
    notice = "\n… [the tool's result was cut: it has {:,} characters, of which the first {:,} are above]"
    keep = max_chars - len(notice.format(len(text), max_chars))
    while keep + 1 + len(notice.format(len(text), keep + 1)) <= max_chars:
        keep += 1  # the number kept may be written with fewer digits than max_chars
    return text[:keep] + notice.format(len(text), keep)


class _BadArguments(Exception):
    """The model's arguments are unusable; the message is the tool message's content."""


def _signature(model: type[pydantic.BaseModel]) -> str:
    """The parameters of a tool, for the model to compare its arguments with."""
    parts = [
        f"{name} (required)" if info.is_required() else f"{name} (optional)"
        for name, info in model.model_fields.items()
    ]
    return ", ".join(parts) if parts else "none (send {})"


def _problem(item: Any) -> str:
    """One pydantic error as a clause, quoting at most ``SHOWN`` characters of the input."""
    # The location as tags[1].name.
    where = quoted("".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])[1:], SHOWN)
    if item["type"] == "missing":
        return f"missing required argument {where}"
    if item["type"] == "extra_forbidden":
        return f"unexpected argument {where}"
    return f"argument {where}: {clip_middle(item['msg'], 300)} (got {preview(item['input'], SHOWN)})"


def _problems(error: pydantic.ValidationError) -> str:
    """What is wrong with the arguments, one clause per pydantic error (the first few)."""
    items = error.errors(include_url=False)
    problems = [_problem(item) for item in items[:_PROBLEMS]]
    if len(items) > _PROBLEMS:
        problems.append(f"and {len(items) - _PROBLEMS:,} more problems")
    return "; ".join(problems)


def _parsed(name: str, raw: Any) -> tuple[Any, str]:
    """The arguments as a value, parsed once if they are JSON text, and how to quote them."""
    if raw is None or (isinstance(raw, str) and not raw):
        return {}, "{}"
    if isinstance(raw, Mapping):  # already parsed, by a server or by hand: nothing is ambiguous
        return dict(raw), ""
    if not isinstance(raw, str):
        return raw, preview(raw, SHOWN)
    try:
        return loads(raw), clip(raw, SHOWN)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON ({error})"
    except UnusableJSON as error:
        problem = f"not usable JSON ({error})"
    raise _BadArguments(
        f"Error: the arguments for tool {name} are {problem}: {clip(raw, SHOWN)}. "
        "Send one JSON object with the arguments by name."
    )


def _validated(name: str, raw: Any, model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    """The arguments of a call, parsed and checked by the model that describes the tool."""
    arguments, shown = _parsed(name, raw)
    if not isinstance(arguments, dict):
        json_type = "null" if arguments is None else _JSON_TYPES.get(type(arguments))
        kind = f"a JSON {json_type}" if json_type else f"a Python {type(arguments).__name__}"
        raise _BadArguments(
            f"Error: the arguments for tool {name} must be a JSON object, not {kind}: {shown}. "
            "Send the arguments by name."
        )
    try:
        return model.model_validate(arguments)
    except pydantic.ValidationError as error:
        raise _BadArguments(
            f"Error: invalid arguments for tool {name}: {_problems(error)}. "
            "Call the tool again with corrected arguments."
        ) from error


def _detail(error: BaseException) -> str | None:
    """An exception's message, cut short; None when reading it fails."""
    try:
        return clip_middle(str(error), DETAIL).rstrip(".")
    except Exception:
        return None


def _failure(error: BaseException) -> str:
    """An exception as ``Type: message``, or by its type alone when its message cannot be read."""
    detail = _detail(error)
    if detail is None:
        return f"{type(error).__name__} (its message could not be read)"
    return f"{type(error).__name__}{': ' * bool(detail)}{detail}"


def _execute(name: str, func: Callable[..., Any], values: dict[str, Any]) -> Reply:
    """Run the tool and turn what it did, result or exception, into a reply."""
    try:
        result = func(**values)
    except KeyboardInterrupt:
        raise
    except ValueError as error:  # the tool refused these values (write_file's unsafe name)
        detail = _detail(error)
        said = f" with {_failure(error)}" if detail is None else f": {detail}" if detail else ""
        return Reply(
            f"Error: tool {name} refused the arguments{said}. Call it again with values it accepts.", False
        )
    except BaseException as error:  # SystemExit too: the tool's failure is news for the model, not a crash
        return Reply(
            f"Error: tool {name} failed with {_failure(error)}. "
            "The arguments were well-formed; tell the user the tool failed.",
            False,
        )
    try:
        return Reply(dumps_result(result))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the result's fault, not the arguments'
        return Reply(
            f"Error: tool {name} ran, but its result cannot be sent as text ({_failure(error)}). "
            "The arguments were well-formed; tell the user the tool's result was lost.",
            False,
        )


def _timed(name: str, work: Callable[[], Reply], seconds: float | None) -> Reply:
    """``work()``, or a timeout error for tool ``name`` (quoted) past ``seconds`` (None: no limit)."""
    if seconds is None:
        return work()
    box: list[Reply | BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as error:  # only KeyboardInterrupt gets here: passed on below
            box.append(error)

    # A daemon thread, so that a tool that never returns cannot keep Python from exiting.
    thread = threading.Thread(target=target, name=f"tool {name[:60]}", daemon=True)
    thread.start()
    thread.join(seconds)
    if not box:
        return Reply(
            f"Error: tool {name} did not finish within {seconds:g} second{'s' * (seconds != 1)} and was "
            "abandoned; Python cannot stop it, so it may still be running, and what it did is unknown. "
            "Tell the user the tool timed out.",
            False,
        )
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def run_tool(
    call: ToolCall,
    func: Callable[..., Any] | None,
    model: type[pydantic.BaseModel] | None,
    registry: Mapping[str, Any],
    seconds: float | None,
) -> Reply:
    """The reply to one call: ``func`` (described by ``model``) run on its arguments, or why not."""
    tools = ", ".join(map(str, registry)) or "none"
    if call.problem is not None:
        return Reply(
            f"Error: this tool call could not be read: {call.problem}. "
            "Call a tool again by its name, with a JSON object of arguments.",
            False,
        )
    if call.custom:
        what = f"custom tool {quoted(call.name, SHOWN)}" if call.name else "a custom tool"
        return Reply(
            f"Error: the call to {what} was not run: this dispatcher runs function tools only, "
            f"not custom tools. Call one of these function tools instead: {tools}.",
            False,
        )
    name = quoted(call.name, SHOWN)
    if func is None or model is None:
        return Reply(
            f"Error: there is no tool named {name}. Available tools: {tools}. "
            "Call one of these by its exact name.",
            False,
        )
    try:
        valid = _validated(name, call.arguments, model)
    except _BadArguments as error:
        return Reply(f"{error} Its parameters are: {_signature(model)}.", False)
    # The validated values, not model_dump(): a nested model stays a model.
    values = {field_name: getattr(valid, field_name) for field_name in model.model_fields}
    return _timed(name, lambda: _execute(name, func, values), seconds)
