"""Tests of the loop's budgets (lesson 11): tokens and money per conversation, from ``usage``."""

from __future__ import annotations

from typing import Any

import pytest
from support import FakeServer

from helpers.calling.loop import BudgetExceeded, LoopError, MaxTurnsExceeded, run_conversation
from tests.test_loop import MEMORY_CALL, MODEL, USER, WRITE_CALL, Tools, calls, text

PRICES = {"input": 0.25, "output": 2.0}  # per million tokens


def used(reply: dict[str, Any], prompt: int, completion: int) -> dict[str, Any]:
    """``reply`` with a ``usage`` block, as the API reports it."""
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return {**reply, "usage": usage}


def script() -> FakeServer:
    """Three turns of 1,000 tokens each: 800 prompt, 200 completion."""
    return FakeServer(
        used(calls(MEMORY_CALL), 800, 200), used(calls(WRITE_CALL), 800, 200), used(text("done"), 800, 200)
    )


def run(server: FakeServer, **budget: Any) -> Any:
    tools = Tools()
    return run_conversation(server.client(), MODEL, [USER], tools.definitions, tools.functions, **budget)


def test_a_token_budget_stops_before_the_next_request() -> None:
    server = script()
    with pytest.raises(BudgetExceeded) as caught:
        run(server, max_tokens_total=2000)
    assert str(caught.value) == "budget reached after 2 requests: 2,000 tokens used (max_tokens_total=2,000)"
    assert caught.value.tokens == 2000 and caught.value.cost is None
    assert len(server.bodies) == 2
    # The last calls are answered, as for MaxTurnsExceeded, so the run can go on.
    assert caught.value.conversation.messages[-1]["role"] == "tool"
    assert isinstance(caught.value, LoopError)


def test_a_budget_not_reached_changes_nothing() -> None:
    result = run(script(), max_tokens_total=10_000, max_cost=1.0, prices=PRICES)
    assert result.final_text == "done" and result.turns == 3


def test_a_final_answer_over_budget_is_still_returned() -> None:
    # The money is spent once the answer arrives: stopping then would only lose it.
    server = FakeServer(used(text("done"), 5000, 5000))
    assert run(server, max_tokens_total=100).final_text == "done"


def test_a_money_budget_counts_prompt_and_completion_prices() -> None:
    # One turn: 800 * 0.25 / 1e6 + 200 * 2.0 / 1e6 = 0.0006.
    with pytest.raises(BudgetExceeded) as caught:
        run(script(), max_cost=0.0006, prices=PRICES)
    assert str(caught.value) == "budget reached after 1 request: 0.000600 spent (max_cost=0.0006)"
    assert caught.value.cost == pytest.approx(0.0006)
    assert caught.value.tokens == 1000


def test_no_usage_means_the_budget_cannot_be_enforced() -> None:
    server = FakeServer(calls(MEMORY_CALL), text("done"))
    with pytest.raises(BudgetExceeded, match="no usage"):
        run(server, max_tokens_total=10_000)


def test_without_a_budget_usage_is_not_needed() -> None:
    server = FakeServer(calls(MEMORY_CALL), text("done"))
    assert run(server).final_text == "done"


def test_the_turn_limit_still_comes_first_at_the_last_turn() -> None:
    with pytest.raises(MaxTurnsExceeded):
        run(script(), max_turns=1, max_tokens_total=500)


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ({"max_cost": 1.0}, "max_cost needs prices"),
        ({"max_cost": 1.0, "prices": {"input": 1.0}}, "max_cost needs prices"),
        ({"max_tokens_total": 0}, "at least 1"),
        ({"max_cost": 0, "prices": PRICES}, "positive"),
        ({"max_tokens_total": 10, "api": "responses"}, "Chat Completions only"),
    ],
)
def test_a_budget_is_checked_before_any_request(budget: dict[str, Any], message: str) -> None:
    server = script()
    with pytest.raises(ValueError, match=message):
        run(server, **budget)
    assert server.bodies == []
