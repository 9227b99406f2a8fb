"""Assemble a streamed Chat Completions reply into the assistant message to append.

Lesson 08 writes this out by hand, by ``index``, and then shows where that
breaks: OpenAI-compatible servers stream tool calls in ways OpenAI does not.
``StreamAssembler`` survives each of them:

- a tool-call delta without ``index`` continues the last call, unless it
  carries an id of its own, which starts a new call;
- two calls sent under the same ``index``: a new non-empty id starts a new call;
- ``"id": ""`` (or ``null``) on continuation deltas is no id at all;
- the name repeated on every delta is kept once;
- ``"arguments": null`` adds nothing;
- no ``finish_reason`` at all: ``finish_reason`` stays None, for the caller to
  decide (tool calls present means the calls are to be run);
- ``content`` absent, ``null`` or ``""``: the message has no ``content`` key
  when it has tool calls, as with ``model_dump(exclude_none=True)``;
- a usage-only final chunk (``choices: []``), sent with
  ``stream_options={"include_usage": True}``: kept as ``usage``;
- reasoning deltas (DeepSeek's and DashScope's ``reasoning_content``, Ollama's
  ``reasoning``): joined and kept in the message under the same name, since
  DeepSeek refuses a tool-calling message sent back without it (lesson 13).

Only the first choice is assembled (requests with ``n`` above 1 are not covered).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Change", "StreamAssembler", "assemble_stream"]

# Fields in which compatible servers stream a model's reasoning.
REASONING_FIELDS = ("reasoning_content", "reasoning")


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


def _plain(value: Any) -> Any:
    """A chunk as plain data: SDK models are dumped without their None fields."""
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    return value


@dataclass
class _Call:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": "".join(self.arguments)},
        }


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
        """
        data = _plain(chunk) or {}
        self.chunks += 1
        change = Change()
        if data.get("usage"):
            self.usage = change.usage = _plain(data["usage"])
        choices = data.get("choices") or []
        choice = next((c for c in choices if (c.get("index") or 0) == 0), None)
        if choice is None:
            return change
        delta = choice.get("delta") or {}
        if isinstance(delta.get("content"), str):
            change.content = delta["content"]
            self._content.append(change.content)
        if isinstance(delta.get("refusal"), str):
            self._refusal.append(delta["refusal"])
        for name in REASONING_FIELDS:
            if isinstance(delta.get(name), str):
                self._reasoning.setdefault(name, []).append(delta[name])
        for piece in delta.get("tool_calls") or []:
            self._add_call_delta(piece, change)
        if choice.get("finish_reason"):
            self.finish_reason = change.finish_reason = choice["finish_reason"]
        return change

    def _add_call_delta(self, piece: dict[str, Any], change: Change) -> None:
        """Add one tool-call delta to the call it belongs to."""
        index, call_id = piece.get("index"), piece.get("id") or ""
        position = self._position(index, call_id)
        if position is None:
            self._calls.append(_Call())
            position = len(self._calls) - 1
            change.started = True
            if index is not None:
                self._by_index[index] = position
        call = self._calls[position]
        call.id = call.id or call_id
        call.type = piece.get("type") or call.type
        function = piece.get("function") or {}
        name = function.get("name") or ""
        if name and name != call.name:
            call.name += name  # a name sent in pieces; the same name repeated is kept once
            change.name = call.name
        if isinstance(function.get("arguments"), str):
            call.arguments.append(function["arguments"])
            change.arguments += function["arguments"]
        change.call = position

    def _position(self, index: int | None, call_id: str) -> int | None:
        """Which call a delta continues, or None when it starts a new one."""
        if index is None:
            if not self._calls:
                return None
            last = self._calls[-1]
            return None if call_id and last.id and call_id != last.id else len(self._calls) - 1
        position = self._by_index.get(index)
        if position is None:
            return None
        known = self._calls[position].id
        return None if call_id and known and call_id != known else position

    @property
    def content(self) -> str:
        """The text so far ("" when none)."""
        return "".join(self._content)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, as dicts, in the order they started."""
        return [call.as_dict() for call in self._calls]

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
        if self._refusal:
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
    """
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler
