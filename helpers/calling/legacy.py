"""The deprecated ``functions`` form of function calling, moved to ``tools`` (lesson 14).

Before ``tools`` (November 2023), a request sent ``functions`` (bare function
definitions) and ``function_call`` (``"auto"``, ``"none"`` or ``{"name": ...}``);
the model answered with one ``message.function_call`` and ``finish_reason``
``"function_call"``; the application sent the result back as
``{"role": "function", "name": ..., "content": ...}``. There were no call ids:
a result named its function instead. These three functions turn each piece
into its ``tools`` equivalent, so an old conversation can go on with the loop
of lesson 06.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def tools_from_functions(functions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Wrap each legacy function definition as a ``tools`` entry.

    Args:
        functions: The legacy ``functions`` list: ``{"name", "description", "parameters"}`` dicts.

    Returns:
        ``[{"type": "function", "function": <the definition>}, ...]``, in the same order.
    """
    return [{"type": "function", "function": dict(function)} for function in functions]


def tool_choice_from_function_call(function_call: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """The ``tool_choice`` that does what a legacy ``function_call`` parameter did.

    Args:
        function_call: ``"auto"``, ``"none"``, or ``{"name": "<function>"}``.

    Returns:
        ``"auto"`` or ``"none"`` unchanged, or ``{"type": "function", "function": {"name": ...}}``.

    Raises:
        ValueError: For anything else; the legacy form had no ``"required"``.
    """
    if function_call in ("auto", "none"):
        return function_call
    if isinstance(function_call, Mapping) and isinstance(function_call.get("name"), str):
        return {"type": "function", "function": {"name": function_call["name"]}}
    raise ValueError(f'function_call must be "auto", "none" or {{"name": ...}}, not {function_call!r}')


def _as_dict(message: Any) -> dict[str, Any]:
    """A message as a plain dict: SDK objects are dumped without their null fields."""
    if isinstance(message, Mapping):
        return dict(message)
    return message.model_dump(exclude_none=True)


def _legacy_call(call: Any, index: int) -> tuple[str, str]:
    """A ``function_call``'s name and arguments; a ValueError naming ``messages[index]`` if malformed."""
    try:
        call = _as_dict(call)
    except AttributeError:
        call = None  # neither a mapping nor an SDK object
    name = call.get("name") if call is not None else None
    arguments = call.get("arguments", "{}") if call is not None else None
    if not isinstance(name, str) or not name or not isinstance(arguments, str):
        raise ValueError(
            f"messages[{index}].function_call must be an object with a text name and text arguments, "
            f"not {call!r:.200}"
        )
    return name, arguments


def messages_from_legacy(messages: Iterable[Any], id_prefix: str = "call_legacy_") -> list[dict[str, Any]]:
    """Rewrite a legacy conversation with ``tool_calls`` and ``role: "tool"`` messages.

    Each assistant ``function_call`` becomes a one-call ``tool_calls`` list with
    an invented id (``call_legacy_1``, ``call_legacy_2``...), and the
    ``role: "function"`` message after it becomes the ``role: "tool"`` message
    answering that id. Other messages are copied unchanged.

    Args:
        messages: The conversation: dicts, or SDK message objects.
        id_prefix: What the invented call ids start with.

    Returns:
        A new list; the messages passed in are not changed.

    Raises:
        ValueError: A function message answers no pending call of that name, or
            a ``function_call`` is not an object with a text ``name`` (and
            text ``arguments``, when given); the message names the index.
    """
    converted: list[dict[str, Any]] = []
    pending: tuple[str, str] | None = None  # (call id, function name) awaiting its result
    calls = 0
    for index, raw in enumerate(messages):
        message = _as_dict(raw)
        if message.get("role") == "function":
            name = message.get("name")
            if pending is None or pending[1] != name:
                raise ValueError(f"messages[{index}] answers {name!r}, but no call to it is waiting")
            content = message.get("content")
            converted.append({"role": "tool", "tool_call_id": pending[0], "content": content or ""})
            pending = None
            continue
        call = message.pop("function_call", None)
        pending = None
        if message.get("role") == "assistant" and call:
            name, arguments = _legacy_call(call, index)
            calls += 1
            call_id = f"{id_prefix}{calls}"
            function = {"name": name, "arguments": arguments}
            message["tool_calls"] = [{"id": call_id, "type": "function", "function": function}]
            pending = (call_id, name)
        converted.append(message)
    return converted
