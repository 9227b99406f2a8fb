"""One streamed chunk's fields, read and checked, for ``StreamAssembler`` (``stream.py``).

A server's chunk is JSON the SDK does not validate: ``choices: [null]``, a
delta that is a string, a name that is a number or an ``index`` that is a list
reach the assembler as they were sent. Each field is read here with the type
the API gives it; ``null`` is the field left out, any other type is a
``BadChunk`` whose one line names the chunk and the field. Ids are the
exception: an id that is not a string is read as no id, since the assembler
gives a call without one a local id anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .toolcall import kind

# Fields in which compatible servers stream a model's reasoning.
REASONING_FIELDS = ("reasoning_content", "reasoning")
_EXPECTED = {dict: "an object", list: "a list", str: "a string", int: "an integer"}


class BadChunk(ValueError):
    """A streamed chunk of the wrong shape; the message names the chunk and the field."""


@dataclass(frozen=True)
class Piece:
    """One tool-call delta, checked: ``id`` is "" when none was sent, ``arguments`` None when none."""

    index: int | None
    id: str
    type: str
    name: str
    arguments: str | None


def plain(value: Any) -> Any:
    """A chunk as plain data: SDK models are dumped without their None fields, junk kept as sent."""
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True, warnings=False)
    return value


def typed(data: dict[str, Any], key: str, expected: type, where: str) -> Any:
    """``data[key]``: None when absent or null, ``BadChunk`` when of another type than ``expected``."""
    value = data.get(key)
    if value is None or (isinstance(value, expected) and not isinstance(value, bool)):
        return value
    raise BadChunk(f"{where}{key} is {kind(value)}, not {_EXPECTED[expected]}")


def items(data: dict[str, Any], key: str, where: str) -> list[tuple[dict[str, Any], str]]:
    """The objects of the list ``data[key]``, each with where it is; ``BadChunk`` for anything else."""
    found = []
    for number, item in enumerate(typed(data, key, list, where) or []):
        if not isinstance(item, dict):
            raise BadChunk(f"{where}{key}[{number}] is {kind(item)}, not an object")
        found.append((item, f"{where}{key}[{number}]."))
    return found


def read_piece(piece: dict[str, Any], where: str) -> Piece:
    """A tool-call delta's fields, checked (``where`` says where it is, for the error)."""
    function = typed(piece, "function", dict, where) or {}
    call_id = piece.get("id")
    return Piece(
        index=typed(piece, "index", int, where),
        id=str.__str__(call_id) if isinstance(call_id, str) else "",
        type=typed(piece, "type", str, where) or "",
        name=typed(function, "name", str, f"{where}function.") or "",
        arguments=typed(function, "arguments", str, f"{where}function."),
    )
