"""The model's tool calls, run safely and answered with ``role: "tool"`` messages.

Lesson 04 answers each call of a response with a tool message; lesson 05 shows
what goes wrong (an unknown tool, arguments that are not JSON, a tool that
raises): each mistake comes back to the model as a message it can act on, and a
misplaced tool message is explained before sending, not by the API's 400 error.

Whatever the call and whatever the tool does, the answer is a tool message: a
call of any shape is read by ``helpers.calling.toolcall``, JSON is parsed and text is
bounded by ``helpers.calling.untrusted``, and ``check_conversation`` lives in
``helpers.calling.conversation``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic

from ..tools.tape import is_observation
from .answers import MAX_ERROR_CHARS, MAX_RESULT_CHARS, Reply, bounded, run_tool
from .conversation import ConversationError, check_conversation
from .schema import arguments_model
from .toolcall import ToolCall, read_call
from .untrusted import replace_surrogates

__all__ = [
    "MAX_ERROR_CHARS",
    "MAX_RESULT_CHARS",
    "ConversationError",
    "Functions",
    "check_conversation",
    "run_tool_call",
    "run_tool_calls",
    "time_limit",
]

Functions = Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]]
_Registry = Mapping[str, Callable[..., Any]]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Limits:
    """How long a tool may run and how long its message may be."""

    timeout: float | None
    max_chars: int


def _seconds(value: Any, what: str) -> float | None:
    """A time limit checked: None, or a positive finite number of seconds."""
    good = value is None or (
        isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf
    )
    if not good:
        raise ValueError(f"{what} must be a positive number of seconds or None, not {value!r}")
    return value


def _limits(timeout: Any, max_chars: Any) -> _Limits:
    """The caller's limits, checked before any tool runs."""
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1000:
        raise ValueError(f"max_chars must be an int of at least 1000, not {max_chars!r}")
    return _Limits(_seconds(timeout, "timeout"), max_chars)


def time_limit(seconds: float) -> Callable[[F], F]:
    """Give one tool its own time limit, which wins over ``run_tool_call``'s ``timeout``.

    Python cannot stop a thread: a tool past its limit is answered with an error
    and abandoned, but goes on running in the background until it returns.

    Args:
        seconds: How long the tool may run, a positive number.

    Returns:
        A decorator that marks the function (and returns it unchanged).

    Raises:
        ValueError: ``seconds`` is not a positive number.
    """
    checked = _seconds(seconds, "seconds")

    def mark(func: F) -> F:
        func.__time_limit__ = checked  # type: ignore[attr-defined]
        return func

    return mark


def _registry(functions: Functions) -> dict[str, Callable[..., Any]]:
    """The tools by name: a mapping as given, callables keyed by ``__name__``."""
    if isinstance(functions, Mapping):
        return dict(functions)
    funcs = list(functions)
    nameless = [func for func in funcs if not isinstance(getattr(func, "__name__", None), str)]
    if nameless:
        raise TypeError(f"{nameless[0]!r} has no __name__: pass a mapping of name to tool")
    registry = {func.__name__: func for func in funcs}
    if len(registry) < len(funcs):
        raise ValueError("two functions have the same __name__: pass a mapping of name to tool")
    return registry


def _message(call: ToolCall, content: str) -> dict[str, Any]:
    """The tool message answering ``call``."""
    return {"role": "tool", "tool_call_id": replace_surrogates(call.id), "content": content}


def _run(raw_call: Any, registry: _Registry, limits: _Limits) -> dict[str, Any]:
    """The tool message answering one call."""
    call = read_call(raw_call)
    func = registry.get(call.name) if call.problem is None and not call.custom else None
    # Outside the guard below: a tool that cannot be described is the programmer's error.
    model = None if func is None else arguments_model(func)
    seconds = limits.timeout if func is None else getattr(func, "__time_limit__", limits.timeout)
    try:
        reply = run_tool(call, func, model, registry, seconds)
    except Exception as error:  # a gap in the dispatcher must not cost the model its answer
        reply = Reply(
            f"Error: the dispatcher could not answer this call ({type(error).__name__}). "
            "Tell the user the tool call failed.",
            ok=False,
        )
    return _message(call, bounded(reply, limits.max_chars))


def run_tool_call(
    call: Any, functions: Functions, *, timeout: float | None = None, max_chars: int = MAX_RESULT_CHARS
) -> dict[str, Any]:
    """Run one tool call and answer it, whatever the call and whatever the tool does.

    Args:
        call: The SDK's tool call (``.id``, ``.function.name``,
            ``.function.arguments``) or a dict of the same shape. Arguments may
            also be a dict, taken as already parsed. Any other shape (None, no
            ``function``, a custom tool call) is answered with an error.
        functions: The tools: a mapping of name to function, or functions
            (keyed by their ``__name__``).
        timeout: Seconds a tool may run (None: no limit), unless the tool has
            its own ``time_limit``. A tool with a limit runs in a daemon thread;
            past its limit it is answered with an error but, since Python
            cannot stop a thread, goes on running in the background.
        max_chars: The most characters of a message's content (at least 1000).
            A longer result is cut, and ends with a line saying so; an error is
            cut in its middle to at most ``MAX_ERROR_CHARS``.

    Returns:
        ``{"role": "tool", "tool_call_id": ..., "content": ...}``: the result (None
        as "", a str as it is, the rest as JSON), or ``Error: ...`` saying what to
        do when the model named an unknown tool or sent bad arguments, or the tool
        raised, timed out or returned what cannot be sent. ``tool_call_id`` is ""
        for a call without an id. Quotes of the model's input are cut short, and
        lone surrogates become U+FFFD, so the content encodes to UTF-8.

    Raises:
        TypeError: The function cannot be described (see ``schema.arguments_model``),
            or a function given in a list has no ``__name__``.
        ValueError: Two functions have the same name, or ``timeout`` or
            ``max_chars`` is out of range. ``KeyboardInterrupt`` passes through;
            nothing else the call or the tool does is raised.
    """
    return _run(call, _registry(functions), _limits(timeout, max_chars))


def _batches(calls: list[Any], registry: _Registry, concurrent: bool) -> list[list[Any]]:
    """The calls in order, consecutive observation calls grouped, every other call alone."""
    batches: list[list[Any]] = []
    reading: set[str] = set()  # the tools in the batch of reads being gathered
    for call in calls:
        read = read_call(call)
        func = registry.get(read.name) if read.problem is None and not read.custom else None
        reads = concurrent and func is not None and is_observation(func)
        # A write between two reads splits them, so no read can overtake it; two
        # calls to the same tool stay in order, so replay pairs each with its result.
        if reads and reading and read.name not in reading:
            batches[-1].append(call)
            reading.add(read.name)
        else:
            batches.append([call])
            reading = {read.name} if reads else set()
    return batches


def _as_list(calls: Any) -> list[Any]:
    """The calls as a list: None is none, one call (a dict, an SDK object) is one."""
    if calls is None:
        return []
    if isinstance(calls, (Mapping, pydantic.BaseModel, str, bytes)) or not isinstance(calls, Iterable):
        return [calls]
    return list(calls)


def run_tool_calls(
    calls: Iterable[Any] | None,
    functions: Functions,
    *,
    concurrent: bool = True,
    timeout: float | None = None,
    max_chars: int = MAX_RESULT_CHARS,
) -> list[dict[str, Any]]:
    """Run the tool calls of one response and answer each.

    Args:
        calls: The tool calls, in the order the model listed them (None: no
            calls; a single call is answered as one).
        functions: The tools, as for ``run_tool_call``.
        concurrent: Run consecutive calls to different ``@observation`` tools in
            parallel threads, since reading cannot conflict. Every other call runs
            alone, in the model's order.
        timeout: Seconds each tool may run, as for ``run_tool_call``.
        max_chars: The most characters of each message's content, as for
            ``run_tool_call``.

    Returns:
        One tool message per call, in the order of ``calls``.

    Raises:
        TypeError: A function cannot be described (see ``schema.arguments_model``),
            or a function given in a list has no ``__name__``.
        ValueError: Two functions have the same name, or a limit is out of range.
    """
    registry = _registry(functions)
    limits = _limits(timeout, max_chars)
    messages: list[dict[str, Any]] = []
    for batch in _batches(_as_list(calls), registry, concurrent):
        if len(batch) == 1:
            messages.append(_run(batch[0], registry, limits))
            continue
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            messages.extend(pool.map(lambda call: _run(call, registry, limits), batch))
    return messages
