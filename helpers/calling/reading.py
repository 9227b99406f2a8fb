"""Reading one response for ``run_conversation``: what it asks for, or why it cannot be used.

The SDK reads a response leniently: a 200 whose body is not JSON raises
``JSONDecodeError`` (or another ``ValueError``, or ``RecursionError``), one that
is not labelled JSON comes back as a ``str``, and JSON of the wrong shape still
becomes a ``ChatCompletion``, with ``choices`` empty, missing, or holding a
``str``, ``None`` or a message of ``None``. A client made with
``_strict_response_validation=True`` raises ``openai.APIResponseValidationError``
instead. Here each case becomes an ``Unusable`` whose message says, in one
line, what the server sent; the loop turns it into its own error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
from openai.types.chat import ChatCompletion, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice

from .stream import BadChunk, StreamAssembler
from .toolcall import local_ids
from .untrusted import replace_surrogates

if TYPE_CHECKING:
    from openai._legacy_response import LegacyAPIResponse

T = TypeVar("T")
_SHOWN = 80  # characters of a server's body quoted in an error
# A reply that says it wants tools run; "function_call" is the deprecated form.
ANNOUNCING = ("tool_calls", "function_call")
INCOMPLETE = {
    "length": "was cut off at the token limit (finish_reason 'length'); raise max_completion_tokens "
    "or ask for less",
    "content_filter": "was withheld by the provider's content filter (finish_reason 'content_filter')",
}


class Unusable(Exception):
    """A response the loop cannot go on from; ``finish_reason`` is set when the reply is unfinished."""

    def __init__(self, message: str, finish_reason: str | None = None) -> None:
        super().__init__(message)
        self.finish_reason = finish_reason


def _clip(text: str) -> str:
    """Text cut to ``_SHOWN`` characters, marked when cut."""
    return text[:_SHOWN] + "…" if len(text) > _SHOWN else text


def _preview(value: Any) -> str:
    """A value a server sent, as one short line: a string quoted, anything else as JSON."""
    if isinstance(value, str):
        return repr(_clip(value))
    return _clip(json.dumps(value, ensure_ascii=False, default=repr))


def _described(raw: LegacyAPIResponse[Any]) -> str:
    """What the body of a response is: its content type, size and start."""
    http = raw.http_response
    kind = http.headers.get("content-type") or "no content-type"
    return f"{kind}, {len(http.content)} bytes: {_preview(http.text)}"


def completion(raw: LegacyAPIResponse[Any]) -> ChatCompletion:
    """The chat completion the SDK reads from a 200 response.

    Raises:
        Unusable: The body is empty, not JSON, or not a JSON object.
    """
    return parsed(raw, ChatCompletion, "chat completion")


def parsed(raw: LegacyAPIResponse[Any], expected: type[T], what: str) -> T:
    """What the SDK reads from a 200 response, when it is an ``expected`` (called ``what`` in errors).

    Raises:
        Unusable: The body is empty, not JSON, or not a JSON object.
    """
    if not raw.http_response.content:
        kind = raw.http_response.headers.get("content-type") or "no content-type"
        raise Unusable(f"the server answered 200 with an empty body ({kind})")
    try:
        response = raw.parse()
    except (ValueError, RecursionError) as error:  # JSONDecodeError, too many digits, bad UTF-8, deep
        reason = _clip(str(error).splitlines()[0]) if str(error) else type(error).__name__
        body = _described(raw)
        raise Unusable(f"the server answered 200 with a body that is not JSON ({reason}): {body}") from None
    if not isinstance(response, expected):  # not labelled JSON, or a JSON list, string, null...
        raise Unusable(f"the server answered 200 with no {what}: {_described(raw)}")
    return response


def assembled(stream: Iterable[Any], model: str = "") -> ChatCompletion:
    """The chat completion a stream adds up to, assembled by ``StreamAssembler`` (lesson 08).

    A stream without ``finish_reason`` is read by its calls: ``tool_calls`` when
    it made some, else ``stop``.

    Raises:
        Unusable: The stream had no chunk, or a chunk that is not JSON or not
            shaped like a chunk.
    """
    assembler = StreamAssembler()
    try:
        for chunk in stream:
            assembler.add(chunk)
    except BadChunk as error:
        raise Unusable(f"the server's stream cannot be read: {error}") from None
    except (ValueError, RecursionError) as error:  # a data: line that is not JSON
        reason = _clip(str(error).splitlines()[0]) if str(error) else type(error).__name__
        raise Unusable(f"the server's stream has a chunk that is not JSON ({reason})") from None
    finally:
        close = getattr(stream, "close", None)
        if callable(close):  # a stream left half-read holds its connection until closed
            close()
    if not assembler.chunks:
        raise Unusable("the server's stream ended before its first chunk")
    message = assembler.message()
    reason = assembler.finish_reason or ("tool_calls" if message.get("tool_calls") else "stop")
    choice = {"index": 0, "message": message, "finish_reason": reason}
    data = {"id": "assembled", "object": "chat.completion", "created": 0, "model": model, "choices": [choice]}
    # construct, not validate: the loop's own checks say what is wrong, in its words.
    response = ChatCompletion.construct(**data, usage=assembler.usage)
    return response


def _choice(response: ChatCompletion) -> Choice:
    """The first choice of a completion, if there is one."""
    choices = response.choices
    if not isinstance(choices, list) or not choices:
        shown = "no 'choices'" if choices is None else f"'choices': {_preview(choices)}"
        raise Unusable(f"the server's chat completion has no choice to read ({shown})")
    if not isinstance(choices[0], Choice):
        raise Unusable(f"choices[0] of the server's chat completion is not an object: {_preview(choices[0])}")
    return choices[0]


def _problem(error: pydantic.ValidationError) -> str:
    """The first thing the SDK's type says is wrong, as ``tool_calls[0].function: ...``."""
    first = error.errors(include_url=False)[0]
    # Union members are named in the location by their class: leave them out.
    parts = [p for p in first["loc"] if not (isinstance(p, str) and p[:1].isupper())]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    more = error.error_count() - 1
    return f"{where or 'message'}: {first['msg']}" + (f" (and {more} more)" if more else "")


def _with_ids(message: dict[str, Any]) -> dict[str, Any]:
    """The message with each call's id usable and its type said (see ``reply``)."""
    calls = message.get("tool_calls")
    if not isinstance(calls, list) or not all(isinstance(call, dict) for call in calls):
        return message  # the SDK's type says what is wrong
    ids = local_ids(call.get("id") for call in calls)
    calls = [
        {
            **call,
            "id": call_id,
            **({"type": "function"} if call.get("type") is None and "function" in call else {}),
        }
        for call_id, call in zip(ids, calls, strict=True)
    ]
    return {**message, "tool_calls": calls}


def _message(choice: Choice) -> dict[str, Any]:
    """The choice's message, checked by the SDK's own type, as the dict the loop appends."""
    message = choice.message
    if not isinstance(message, ChatCompletionMessage):
        shown = _preview(message)
        raise Unusable(f"choices[0] of the server's chat completion has no message ('message': {shown})")
    try:
        ChatCompletionMessage.model_validate(
            _with_ids(message.model_dump(exclude_unset=True, warnings=False))
        )
    except pydantic.ValidationError as error:
        raise Unusable(f"the model's message cannot be used: {_problem(error)}") from None
    # exclude_none drops the null content and refusal, so the next request
    # matches the published exchange the lessons replay.
    return valid_utf8(_with_ids(message.model_dump(exclude_none=True, warnings=False)))


def reply(response: ChatCompletion) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The assistant message to append, and the tool calls in it to run (none for a final answer).

    A call's id is how its answer names it. A call whose id is missing, ``""``,
    ``null`` or not a string gets a local one (``call_local_1``), in the message
    appended and so in its answer: the server gave it no id to pair with.
    Two calls sharing one non-empty id are refused, and neither is run: the id
    is the server's own label, so they may be one call sent twice, and the
    server would see ids it never issued (Mistral refuses any id not of its own
    form). A call without ``type`` (Mistral's) is a ``function`` call.

    Raises:
        Unusable: The reply is unfinished (``finish_reason`` set) or cannot be used.
    """
    choice = _choice(response)
    reason = choice.finish_reason if isinstance(choice.finish_reason, str) else None
    if reason in INCOMPLETE:
        raise Unusable(INCOMPLETE[reason], reason)
    message = _message(choice)
    calls = message.get("tool_calls") or []
    if not calls:
        made = "an empty tool_calls list" if "tool_calls" in message else "no tool_calls"
        if reason in ANNOUNCING:
            raise Unusable(f"announced tool calls (finish_reason {reason!r}) but made none ({made})", reason)
        message.pop("tool_calls", None)  # [] would be refused if the conversation goes on
    ids = [call["id"] for call in calls]
    twice = next((call_id for call_id in ids if ids.count(call_id) > 1), None)
    if twice is not None:
        raise Unusable(
            f"the model's message makes two tool calls with the same id {_preview(twice)}: each call "
            "needs its own id for its answer to name it, so none was run"
        )
    return message, calls


def valid_utf8(value: T) -> T:
    """``value`` with each lone surrogate in its text replaced by U+FFFD, which UTF-8 can carry.

    A model can send ``"\\ud800"`` in its JSON; the string it becomes cannot be
    encoded, so the next request would fail. A pair of surrogates is joined.
    """
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.loads(replace_surrogates(text))
    return value
