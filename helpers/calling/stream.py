"""Assemble a streamed Chat Completions reply into the assistant message to append.

Lesson 08 writes this out by hand, by ``index``, and then shows where that
breaks: OpenAI-compatible servers stream tool calls in ways OpenAI does not.
``StreamAssembler`` survives each of them:

- ``"id": ""`` (or ``null``, or a number) is no id at all; a call left without
  one gets a local id (``call_local_1``) in the message, so that its answer can
  name it;
- the name repeated on every delta is kept once; ``"arguments": null`` adds nothing;
- no ``finish_reason`` at all: ``finish_reason`` stays None, for the caller to
  decide (tool calls present means the calls are to be run);
- ``content`` absent, ``null`` or ``""``: the message has no ``content`` key
  when it has tool calls, as with ``model_dump(exclude_none=True)``;
- a usage-only final chunk (``choices: []``), sent with
  ``stream_options={"include_usage": True}``: kept as ``usage``;
- reasoning deltas (DeepSeek's and DashScope's ``reasoning_content``, Ollama's
  ``reasoning``): joined and kept in the message under the same name, since
  DeepSeek refuses a tool-calling message sent back without it (lesson 13).

Which call a tool-call delta belongs to, in order:

1. An id already seen names its call: the delta continues it.
2. Otherwise the delta's ``index`` names a call; a delta without ``index``
   belongs with the last call. No such call yet: it starts one.
3. A new id, where that call already has one, starts a new call (two calls
   sent under one ``index``, or without any).
4. A call is known to be over when it has a name and its arguments already
   form a whole JSON object. After that, a delta that brings a name starts a
   new call if the name is another tool's, or if it also brings the start of
   new arguments: two calls sent whole with no index and empty ids stay two
   calls. The same name with no new arguments (a server that repeats the name
   on every delta, then sends ``""``) continues the call.

A chunk of the wrong shape (a choice that is not an object, a name that is a
number, an ``index`` that is a list) raises ``BadChunk`` with one line naming
the chunk and the field; ``null`` in a field is the field left out.

Only the first choice is assembled (requests with ``n`` above 1 are not covered).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .chunk import REASONING_FIELDS, BadChunk, Piece, items, plain, read_piece, typed
from .toolcall import kind, local_ids

__all__ = ["BadChunk", "Change", "StreamAssembler", "assemble_stream"]


@dataclass
class Change:
    """What one chunk added, for showing a reply as it arrives.

    Attributes:
        content: Text added to the message's content ("" when none).
        call: Position in ``tool_calls`` of the call this chunk added to (the
            last one, when a chunk touches several), or None.
        started: The call at ``call`` began with this chunk.
        name: The call's name, when this chunk set it.
        arguments: Text added to that call's arguments ("" when none).
        finish_reason: The finish reason this chunk carried, if any.
        usage: The usage this chunk carried, if any (as a dict).
    """

    content: str = ""
    call: int | None = None
    started: bool = False
    name: str | None = None
    arguments: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None


def _first_choice(data: dict[str, Any], where: str) -> tuple[dict[str, Any] | None, str]:
    """The choice at index 0 (or without an index), and where it is, or None."""
    for choice, place in items(data, "choices", where):
        if (typed(choice, "index", int, place) or 0) == 0:
            return choice, place
    return None, where


@dataclass
class _Call:
    """One tool call as far as it has arrived."""

    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def complete(self) -> bool:
        """It has a name, and its arguments are already a whole JSON object."""
        last = next((piece for piece in reversed(self.arguments) if piece.strip()), "")
        if not (self.name and last.rstrip().endswith("}")):  # cheap: most fragments end elsewhere
            return False
        try:
            return isinstance(json.loads("".join(self.arguments)), dict)
        except (ValueError, RecursionError):
            return False


class StreamAssembler:
    """Builds one assistant message from a stream's chunks, one chunk at a time.

    Defined in lesson 08. Feed it every chunk (``ChatCompletionChunk`` objects or
    dicts) with ``add``, then take ``message()``.

    Example:
        >>> assembler = StreamAssembler()
        >>> for chunk in client.chat.completions.create(..., stream=True):  # doctest: +SKIP
        ...     change = assembler.add(chunk)
        ...     print(change.arguments or change.content, end="")
        >>> messages.append(assembler.message())  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._content: list[str] = []
        self._refusal: list[str] = []
        self._reasoning: dict[str, list[str]] = {}
        self._calls: list[_Call] = []
        self._by_index: dict[int, int] = {}
        self._by_id: dict[str, int] = {}
        self.finish_reason: str | None = None
        """The last finish reason sent, or None when the server sent none."""
        self.usage: dict[str, Any] | None = None
        """The usage sent (``stream_options={"include_usage": True}``), or None."""
        self.chunks = 0
        """How many chunks were added."""

    def add(self, chunk: Any) -> Change:
        """Add one chunk and say what it changed.

        Args:
            chunk: A ``ChatCompletionChunk``, or the same as a dict.

        Returns:
            The text, call and finish reason this chunk added.

        Raises:
            BadChunk: The chunk, or a field in it, is not of the type the API
                gives it; nothing of that chunk is added.
        """
        self.chunks += 1
        data, where = plain(chunk), f"chunk {self.chunks}: "
        if not isinstance(data, dict):
            raise BadChunk(f"chunk {self.chunks} is {kind(data)}, not an object")
        usage = typed(data, "usage", dict, where)
        choice, where = _first_choice(data, where)
        if choice is None:
            change = Change()
        else:
            delta = typed(choice, "delta", dict, where) or {}
            finish = typed(choice, "finish_reason", str, where)
            change = self._add_delta(delta, f"{where}delta.")
            if finish:
                self.finish_reason = change.finish_reason = finish
        if usage:
            self.usage = change.usage = usage
        return change

    def _add_delta(self, delta: dict[str, Any], where: str) -> Change:
        """Add a delta's text and tool calls; the delta is checked whole before any of it is kept."""
        texts = {key: typed(delta, key, str, where) for key in ("content", "refusal", *REASONING_FIELDS)}
        pieces = [read_piece(piece, place) for piece, place in items(delta, "tool_calls", where)]
        change = Change(content=texts["content"] or "")
        self._content.append(change.content)
        self._refusal.append(texts["refusal"] or "")
        for name in REASONING_FIELDS:
            if texts[name] is not None:
                self._reasoning.setdefault(name, []).append(texts[name])
        for piece in pieces:
            self._add_call_delta(piece, change)
        return change

    def _add_call_delta(self, piece: Piece, change: Change) -> None:
        """Add one checked tool-call delta to the call it belongs to."""
        index, call_id, name, arguments = piece.index, piece.id, piece.name, piece.arguments
        position = self._position(index, call_id, name, arguments or "")
        if position is None:
            self._calls.append(_Call())
            position = len(self._calls) - 1
            change.started = True
        if index is not None:
            self._by_index[index] = position
        call = self._calls[position]
        if call_id and not call.id:
            call.id, self._by_id[call_id] = call_id, position
        call.type = piece.type or call.type
        if name and name != call.name:
            call.name += name  # a name sent in pieces; the same name repeated is kept once
            change.name = call.name
        if arguments is not None:
            call.arguments.append(arguments)
            change.arguments += arguments
        change.call = position

    def _position(self, index: int | None, call_id: str, name: str, arguments: str) -> int | None:
        """Which call a delta continues, or None when it starts a new one (the module's rules 1-4)."""
        if call_id in self._by_id:
            return self._by_id[call_id]
        position = self._by_index.get(index) if index is not None else len(self._calls) - 1
        if position is None or position < 0:
            return None
        call = self._calls[position]
        if call_id and call.id:
            return None
        if name and (name != call.name or arguments.strip()) and call.complete():
            return None
        return position

    @property
    def content(self) -> str:
        """The text so far ("" when none)."""
        return "".join(self._content)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, as dicts, in the order they started (local ids where none was sent)."""
        ids = local_ids(call.id for call in self._calls)
        return [
            {
                "id": call_id,
                "type": call.type,
                "function": {"name": call.name, "arguments": "".join(call.arguments)},
            }
            for call_id, call in zip(ids, self._calls, strict=True)
        ]

    def message(self) -> dict[str, Any]:
        """The assistant message, ready to append to ``messages``.

        Shaped like ``message.model_dump(exclude_none=True)``: ``content`` only
        when there is text or no tool call, ``tool_calls`` only when there are
        calls, ``refusal`` only when one was sent, and a reasoning field
        (``reasoning_content`` or ``reasoning``) only when the server streamed one.
        """
        message: dict[str, Any] = {"role": "assistant"}
        if self.content or not self._calls:
            message["content"] = self.content
        if "".join(self._refusal):
            message["refusal"] = "".join(self._refusal)
        for name, pieces in self._reasoning.items():
            message[name] = "".join(pieces)
        if self._calls:
            message["tool_calls"] = self.tool_calls
        return message


def assemble_stream(chunks: Iterable[Any]) -> StreamAssembler:
    """Add every chunk of a stream to a new ``StreamAssembler`` and return it.

    Args:
        chunks: The stream, or a list of its chunks (SDK objects or dicts).

    Returns:
        The assembler: ``.message()``, ``.finish_reason``, ``.usage``.

    Raises:
        BadChunk: A chunk is of the wrong shape (``StreamAssembler.add``).
    """
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler
