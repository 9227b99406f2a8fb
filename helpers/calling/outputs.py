"""Reading one Responses API response for ``run_responses``: its calls, or why it cannot be used.

The SDK reads a Responses body as leniently as a chat completion (see
``reading.py``): ``output: null``, items that are strings, an item whose
``type`` is a number or a name no API has, ``content: null`` or no ``status``
all become a ``Response`` as sent. A response is used only when it is whole:
status ``completed``, no ``error``, and an ``output`` list whose every item is
an object of a type the loop knows. It is a final answer only when it holds a
``message`` and no call; anything else (an empty output, reasoning alone, a
call without a ``call_id``) is an ``Unusable`` that says what was sent, never a
final answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.responses import Response

from .reading import Unusable, valid_utf8
from .toolcall import field_of, kind
from .untrusted import preview

# Items a server adds for tools it ran itself: carried back, nothing to run.
HOSTED = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "image_generation_call",
        "mcp_call",
        "mcp_list_tools",
    }
)
KNOWN = frozenset({"message", "reasoning", "function_call", *HOSTED})


def _shown(value: Any) -> str:
    """A value the server sent, as short JSON."""
    return preview(value, 60)


def _as_dict(item: Any) -> Any:
    """An output item as the server sent it: an SDK object dumped, anything else as it is."""
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_unset=True, warnings=False)
    return dict(item) if isinstance(item, Mapping) else item


def _status(response: Response) -> None:
    """Raise unless the response says it is whole: status ``completed`` and no ``error``."""
    status, error = field_of(response, "status"), field_of(response, "error")
    if status == "incomplete":
        reason = field_of(field_of(response, "incomplete_details"), "reason")
        reason = reason if isinstance(reason, str) and reason else "incomplete"
        raise Unusable(f"is incomplete ({_shown(reason)})", reason)
    if status == "failed" or error is not None:
        shown = field_of(error, "message") or field_of(error, "code") or error
        raise Unusable(f"failed (status {_shown(status)}): {_shown(_as_dict(shown))}")
    if status != "completed":
        said = "has no status" if status is None else f"has status {_shown(status)}"
        raise Unusable(f'{said}, not "completed": it may not be finished')


def output_items(response: Response) -> list[dict[str, Any]]:
    """The response's output items as dicts, checked, each lone surrogate replaced (``valid_utf8``).

    Raises:
        Unusable: The response is not whole (see the module), or an item is
            not an object of a known type.
    """
    _status(response)
    output = field_of(response, "output")
    if not isinstance(output, list):
        raise Unusable(f"has no output list ('output': {_shown(_as_dict(output))})")
    if not output:
        raise Unusable("has an empty output: neither a message nor a function call")
    items = [_as_dict(item) for item in output]
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise Unusable(f"has output[{number}] that is {kind(item)}, not an item")
        if not (isinstance(item.get("type"), str) and item["type"] in KNOWN):
            shown = "no type" if item.get("type") is None else f"the type {_shown(item['type'])}"
            raise Unusable(f"has output[{number}] with {shown}, which this loop does not handle")
    return valid_utf8(items)


def function_calls(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The function calls among checked output items; none means the items are a final answer.

    Raises:
        Unusable: A call's ``call_id``, ``name`` or ``arguments`` is missing or
            not a string, two calls share a ``call_id``, or there is neither a
            call nor a message.
    """
    calls = [item for item in items if item["type"] == "function_call"]
    for call in calls:
        for key in ("call_id", "name", "arguments"):
            value = call.get(key)
            if not isinstance(value, str) or (key != "arguments" and not value):
                shown = "none" if value is None else _shown(value)
                raise Unusable(f"has a function_call whose {key} is {shown}: its answer could not name it")
    ids = [call["call_id"] for call in calls]
    twice = next((call_id for call_id in ids if ids.count(call_id) > 1), None)
    if twice is not None:
        raise Unusable(f"has function calls that share a call_id ({_shown(twice)}), so none was run")
    if not calls and not any(item["type"] == "message" for item in items):
        raise Unusable("has neither a message nor a function call")
    return calls


def response_id(response: Response) -> str:
    """The id a chained request names the response by (``previous_response_id``).

    Raises:
        Unusable: The response has no id, or one that is not text.
    """
    value = field_of(response, "id")
    if isinstance(value, str) and value:
        return value
    raise Unusable(f"has no id for the next request to name ('id': {_shown(value)})")


def output_text(response: Any) -> str:
    """The text of a response's ``output_text`` parts, whatever shape its output has ("" when none)."""
    texts = []
    output = field_of(response, "output")
    for item in output if isinstance(output, list) else []:
        content = field_of(item, "content") if field_of(item, "type") == "message" else None
        for part in content if isinstance(content, list) else []:
            text = field_of(part, "text")
            if field_of(part, "type") == "output_text" and isinstance(text, str):
                texts.append(text)
    return "".join(texts)
