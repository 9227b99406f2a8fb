"""Tests for helpers.tools.tape: observation tools recorded and replayed."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from helpers.tools.tape import Tape, active_tape, is_observation, observation, use_tape


class Probe:
    """A stand-in tool that returns 'live 1', 'live 2', ... and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> str:
        self.runs += 1
        return f"live {self.runs}"


@pytest.fixture(autouse=True)
def no_tape() -> Iterator[None]:
    """Every test starts without a tape, and leaves none behind."""
    before = active_tape()
    use_tape(None)
    yield
    use_tape(before)


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def reading(probe: Probe) -> Any:
    """An observation tool named 'reading' that runs the probe."""

    @observation
    def reading() -> str:
        """Read something."""
        return probe()

    return reading


def test_observation_keeps_the_name_and_docstring(reading: Any) -> None:
    assert reading.__name__ == "reading"
    assert reading.__doc__ == "Read something."
    assert is_observation(reading) is True
    assert is_observation(lambda: None) is False


def test_outside_any_tape_the_tool_runs(reading: Any, probe: Probe) -> None:
    assert active_tape() is None
    assert [reading(), reading()] == ["live 1", "live 2"]
    assert probe.runs == 2


def test_arguments_reach_the_tool_outside_a_tape() -> None:
    @observation
    def add(a: int, *, b: int) -> int:
        return a + b

    assert add(2, b=3) == 5


def test_record_stores_results_in_the_given_mapping(reading: Any, probe: Probe) -> None:
    entries: dict[str, list[Any]] = {}
    changes: list[dict[str, list[Any]]] = []

    def save() -> None:
        changes.append({name: list(results) for name, results in entries.items()})

    use_tape(Tape("record", entries, on_change=save))
    assert [reading(), reading()] == ["live 1", "live 2"]
    assert entries == {"reading": ["live 1", "live 2"]}
    # Called after each result is stored, so each save holds it.
    assert changes == [{"reading": ["live 1"]}, {"reading": ["live 1", "live 2"]}]
    assert probe.runs == 2


def test_record_appends_to_an_existing_tape(reading: Any) -> None:
    entries: dict[str, list[Any]] = {"reading": ["old"], "other": [1]}
    use_tape(Tape("record", entries))
    reading()
    assert entries == {"reading": ["old", "live 1"], "other": [1]}


def test_replay_returns_stored_results_in_order_and_wraps(reading: Any, probe: Probe) -> None:
    use_tape(Tape("replay", {"reading": ["first", {"n": 2}]}))
    assert [reading(), reading(), reading()] == ["first", {"n": 2}, "first"]
    assert probe.runs == 0


def test_replay_keeps_a_count_per_tool(reading: Any) -> None:
    @observation
    def other() -> str:
        return "live other"

    use_tape(Tape("replay", {"reading": ["r1", "r2"], "other": ["o1", "o2"]}))
    assert [reading(), other(), reading(), other()] == ["r1", "o1", "r2", "o2"]


def test_replay_without_entries_runs_the_tool_and_stores_nothing(reading: Any, probe: Probe) -> None:
    entries: dict[str, list[Any]] = {"other": ["x"], "reading": []}
    changes: list[None] = []
    use_tape(Tape("replay", entries, on_change=lambda: changes.append(None)))
    assert [reading(), reading()] == ["live 1", "live 2"]
    assert entries == {"other": ["x"], "reading": []}
    assert changes == []
    assert probe.runs == 2


def test_record_with_a_seed_returns_the_seed_and_stores_it(reading: Any, probe: Probe) -> None:
    entries: dict[str, list[Any]] = {}
    changes: list[None] = []
    seed = {"reading": ['{"total": 1}', '{"total": 2}']}
    use_tape(Tape("record", entries, seed=seed, on_change=lambda: changes.append(None)))
    assert [reading(), reading()] == ['{"total": 1}', '{"total": 2}']
    assert entries == {"reading": ['{"total": 1}', '{"total": 2}']}
    assert len(changes) == 2
    assert probe.runs == 0
    assert seed == {"reading": ['{"total": 1}', '{"total": 2}']}


def test_record_with_a_seed_runs_unseeded_tools(reading: Any, probe: Probe) -> None:
    entries: dict[str, list[Any]] = {}
    use_tape(Tape("record", entries, seed={"other": ["seeded"]}))
    assert reading() == "live 1"
    assert entries == {"reading": ["live 1"]}


def test_the_seed_is_ignored_in_replay(reading: Any) -> None:
    use_tape(Tape("replay", {"reading": ["taped"]}, seed={"reading": ["seeded"]}))
    assert reading() == "taped"


def test_rewind_starts_every_tool_again(reading: Any) -> None:
    tape = Tape("replay", {"reading": ["a", "b", "c"]})
    use_tape(tape)
    assert [reading(), reading()] == ["a", "b"]
    tape.rewind()
    assert [reading(), reading(), reading()] == ["a", "b", "c"]


def test_a_failing_tool_stores_nothing(probe: Probe) -> None:
    @observation
    def broken() -> str:
        raise RuntimeError("sensor unplugged")

    entries: dict[str, list[Any]] = {}
    use_tape(Tape("record", entries))
    with pytest.raises(RuntimeError, match="sensor unplugged"):
        broken()
    assert entries == {}


def test_use_tape_sets_and_clears_the_active_tape() -> None:
    tape = Tape("replay")
    use_tape(tape)
    assert active_tape() is tape
    assert tape.entries == {}
    use_tape(None)
    assert active_tape() is None


def test_concurrent_replay_hands_out_each_result_once() -> None:
    @observation
    def counter() -> int:
        raise AssertionError("replay must not run the tool")

    use_tape(Tape("replay", {"counter": list(range(200))}))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: counter(), range(200)))
    assert sorted(results) == list(range(200))


def test_concurrent_record_stores_every_result() -> None:
    @observation
    def square(n: int) -> int:
        return n * n

    entries: dict[str, list[Any]] = {}
    use_tape(Tape("record", entries))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(square, range(100)))
    assert results == [n * n for n in range(100)]
    assert sorted(entries["square"]) == [n * n for n in range(100)]
