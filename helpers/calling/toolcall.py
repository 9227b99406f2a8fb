"""A tool call read from whatever shape it comes in, for ``helpers.calling.dispatch``.

The SDK returns function calls (``ChatCompletionMessageFunctionToolCall``) and
custom tool calls (``ChatCompletionMessageCustomToolCall``); lessons build the
same shapes as dicts. A compatible server, or the SDK reading a response it did
not validate, can also hand over a call without an id, a ``function`` that is
a string, arguments already parsed into a dict, or ``None``. ``read_call``
reads all of them and never raises: what it cannot read becomes ``problem``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any

from .untrusted import quoted

LOCAL_ID = "call_local_{}"
_NOT_CALLS = (str, bytes, bytearray, int, float, list, tuple, set)
_JSON_KINDS = {list: "an array", tuple: "an array", str: "a string", int: "a number", float: "a number"}


@dataclass(frozen=True)
class ToolCall:
    """What a tool call asks for, read from any shape.

    Attributes:
        id: The call's id; "" when it has none, an int's digits when it is one.
        name: The tool's name ("" when the call gives none).
        arguments: The raw arguments: usually JSON text, but whatever the call
            held (a dict, None, a number).
        custom: The call is a custom tool call (free-form ``input``), not a
            function call.
        problem: Why the call cannot be run as a function call, if it cannot.
    """

    id: str
    name: str = ""
    arguments: Any = None
    custom: bool = False
    problem: str | None = None


def kind(value: Any) -> str:
    """A value's type, as the model would name it: "null", "a string", "a dict"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return _JSON_KINDS.get(type(value), f"a {type(value).__name__}")


def field_of(obj: Any, key: str) -> Any:
    """``obj[key]`` for a mapping, ``obj.key`` for an object, None when it has none."""
    try:
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    except Exception:  # a broken mapping or property is a call that cannot be read
        return None


def _call_id(value: Any) -> str:
    """The id as text: a str as it is, an int's digits, "" for anything else."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 256:
        return str(value)
    return ""


def local_ids(ids: Iterable[Any]) -> list[str]:
    """The ids to send back with calls: each missing, empty or non-string one replaced by a local id.

    An answer names its call by id, so a call whose id is ``""``, ``None``, a
    number or absent cannot be answered as sent; it gets ``call_local_1``,
    ``call_local_2``... (numbers no other call of the message uses). Servers that
    send such ids do not keep track of ids, so nothing they know is lost. A
    non-empty string id is kept, even when two calls share it: it is the
    server's own label, and the caller decides what a shared label means.

    Args:
        ids: The calls' ids as sent (``None`` for a call without one).

    Returns:
        One usable id per call, in order: the server's own where it has one.
    """
    ids = list(ids)
    taken = {value for value in ids if isinstance(value, str)}
    fresh = (name for name in map(LOCAL_ID.format, count(1)) if name not in taken)
    return [str.__str__(value) if isinstance(value, str) and value else next(fresh) for value in ids]


def renumber_local_ids(calls: list[dict[str, Any]], earlier: Iterable[Any]) -> None:
    """Move each local id of ``calls`` that an earlier message already used to a new number, in place.

    ``local_ids`` numbers the calls of one message from ``call_local_1``; in a
    conversation, a later turn's ``call_local_1`` would make its answer name two
    calls, so it becomes the next number no message has used.

    Args:
        calls: The tool calls of the message about to be appended (dicts).
        earlier: The messages before it (dicts or SDK objects).
    """
    used = {
        field_of(call, "id")
        for message in earlier
        for call in (field_of(message, "tool_calls") or [])
        if isinstance(field_of(message, "tool_calls"), list)
    }
    mine = {call.get("id") for call in calls}
    fresh = (name for name in map(LOCAL_ID.format, count(1)) if name not in used | mine)
    for call in calls:
        call_id = call.get("id")
        if isinstance(call_id, str) and call_id in used and call_id.startswith(LOCAL_ID.format("")):
            call["id"] = next(fresh)


def read_call(call: Any) -> ToolCall:
    """Read a tool call of any shape.

    Args:
        call: An SDK tool call, a dict of the same shape, or anything else.

    Returns:
        The call's id, name and raw arguments; ``custom`` for a custom tool
        call; ``problem`` (and no name) when it is not a function call.
    """
    try:
        return _read(call)
    except Exception:  # an object whose == or bool() raises: unreadable, not a crash
        return ToolCall("", problem="it could not be read")


def _read(call: Any) -> ToolCall:
    """``read_call``'s work, which may raise on objects that misbehave."""
    if call is None or isinstance(call, _NOT_CALLS):
        return ToolCall("", problem=f"it is {kind(call)}, not a tool call")
    call_id = _call_id(field_of(call, "id"))
    call_type = field_of(call, "type")
    function = field_of(call, "function")
    if call_type == "custom" or (call_type is None and function is None and field_of(call, "custom")):
        name = field_of(field_of(call, "custom"), "name")
        return ToolCall(call_id, name if isinstance(name, str) else "", custom=True)
    if call_type is not None and call_type != "function":
        shown = quoted(call_type, 40) if isinstance(call_type, str) else kind(call_type)
        return ToolCall(call_id, problem=f"its type is {shown}, not 'function'")
    if function is None:
        return ToolCall(call_id, problem="it has no 'function' with a name and arguments")
    if isinstance(function, _NOT_CALLS):
        return ToolCall(call_id, problem=f"its 'function' is {kind(function)}, not an object with a name")
    name = field_of(function, "name")
    if name is not None and not isinstance(name, str):
        return ToolCall(call_id, problem=f"its function's name is {kind(name)}, not a string")
    return ToolCall(call_id, str.__str__(name or ""), field_of(function, "arguments"))
