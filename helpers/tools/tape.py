"""The tool tape: what observation tools returned while a cassette was recorded.

A tool that reads the world (memory, a clock, a disk) returns something new
every run, so the next request would no longer match the cassette. Marked with
``@observation``, such a tool has its results saved in the cassette while
recording, and returns them again on replay, so the model sees in replay what
it saw when the session was recorded. Tools with side effects (``write_file``)
are not on the tape: they really run, so the learner sees the file appear.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, MutableMapping
from typing import Any, Literal, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
TapeMode = Literal["replay", "record"]


class Tape:
    """Results of observation tools, by tool name, in the order they were returned.

    Args:
        mode: ``replay`` returns stored results; ``record`` runs the tool and
            stores what it returned.
        entries: The stored results (for ``record``, the cassette's own tape,
            filled in place).
        seed: In ``record`` mode, results to return instead of running the tool
            (a published exchange's tool output); they are stored as they are used.
        on_change: Called after each stored result, so it can be saved at once.
    """

    def __init__(
        self,
        mode: TapeMode,
        entries: MutableMapping[str, list[Any]] | None = None,
        *,
        seed: MutableMapping[str, list[Any]] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.mode = mode
        self.entries: MutableMapping[str, list[Any]] = {} if entries is None else entries
        self.seed = seed or {}
        self._on_change = on_change
        self._played: dict[str, int] = {}
        self._lock = threading.Lock()

    def _next(self, source: MutableMapping[str, list[Any]], name: str) -> Any:
        # Wraps around, so that re-running a cell in JupyterLab replays again.
        results = source[name]
        index = self._played.get(name, 0)
        self._played[name] = index + 1
        return results[index % len(results)]

    def call(self, name: str, func: Callable[[], Any]) -> Any:
        """Return the tool's result for this call, from the tape or by running it."""
        with self._lock:
            if self.mode == "replay" and self.entries.get(name):
                return self._next(self.entries, name)
            seeded = self.mode == "record" and bool(self.seed.get(name))
            result = self._next(self.seed, name) if seeded else None
        if not seeded:
            result = func()
            if self.mode == "replay":
                return result
        with self._lock:
            self.entries.setdefault(name, []).append(result)
        if self._on_change:
            self._on_change()
        return result

    def rewind(self) -> None:
        """Start every tool's results from the first again."""
        with self._lock:
            self._played.clear()


_active: Tape | None = None


def use_tape(tape: Tape | None) -> None:
    """Make ``tape`` the one observation tools use (``None``: run them live)."""
    global _active
    _active = tape


def active_tape() -> Tape | None:
    """The tape observation tools use now, if any."""
    return _active


def observation(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a tool that only reads the world, so its results go on the tape.

    In replay a marked tool returns what it returned when the cassette was
    recorded; in record mode its results are saved into the cassette; otherwise
    it simply runs. The loop also runs marked tools concurrently, since reading
    cannot conflict. Results must be JSON-serialisable.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        tape = _active
        if tape is None:
            return func(*args, **kwargs)
        return tape.call(func.__name__, lambda: func(*args, **kwargs))

    wrapper.__observation__ = True  # type: ignore[attr-defined]
    return wrapper


def is_observation(func: Callable[..., Any]) -> bool:
    """True when ``func`` was marked with ``@observation``."""
    return bool(getattr(func, "__observation__", False))


def taped(name: str, value: Any) -> Any:
    """What the tape holds for observation ``name`` in replay; otherwise ``value``, stored when recording.

    For a reading made somewhere the tape cannot wrap, such as an MCP server's
    process: call the tool, then pass its result through here.
    """
    tape = _active
    return value if tape is None else tape.call(name, lambda: value)
