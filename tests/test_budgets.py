"""Tests of the loop's budgets (lesson 11): tokens and money per conversation, from ``usage``."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import FakeServer

from helpers.calling.budget import make_budget
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
        ({"max_cost": 0, "prices": PRICES}, "above 0"),
        ({"max_tokens_total": 10, "api": "responses"}, "Chat Completions only"),
    ],
)
def test_a_budget_is_checked_before_any_request(budget: dict[str, Any], message: str) -> None:
    server = script()
    with pytest.raises(ValueError, match=message):
        run(server, **budget)
    assert server.bodies == []


# A budget nothing could reach (NaN compares false with everything) is refused, not ignored.
NOT_WHOLE_POSITIVE = [math.nan, math.inf, -math.inf, -1, 0, 1.5, True, "10"]
# 10**400 is too large for a float: the cost could not be computed.
NOT_POSITIVE = [math.nan, math.inf, -math.inf, -1.0, 0.0, True, "1", 10**400]
NOT_A_PRICE = [math.nan, math.inf, -0.5, True, "1", 10**400]


@pytest.mark.parametrize("value", NOT_WHOLE_POSITIVE)
def test_a_token_budget_that_is_not_a_whole_positive_number_is_refused(value: Any) -> None:
    server = script()
    with pytest.raises(ValueError, match=r"max_tokens_total must be a whole number at least 1, not "):
        run(server, max_tokens_total=value)
    assert server.bodies == []


@pytest.mark.parametrize("value", NOT_POSITIVE)
def test_a_money_budget_that_is_not_finite_and_positive_is_refused(value: Any) -> None:
    server = script()
    with pytest.raises(ValueError, match=r"max_cost must be a finite number above 0, not "):
        run(server, max_cost=value, prices=PRICES)
    assert server.bodies == []


@pytest.mark.parametrize("key", ["input", "output"])
@pytest.mark.parametrize("value", NOT_A_PRICE)
def test_a_price_that_is_not_finite_and_at_least_zero_is_refused(key: str, value: Any) -> None:
    server = script()
    with pytest.raises(ValueError, match=r"prices must be finite numbers, 0 or more"):
        run(server, max_cost=1.0, prices={**PRICES, key: value})
    assert server.bodies == []


def test_a_number_too_long_to_print_is_refused_in_a_short_line() -> None:
    with pytest.raises(ValueError) as refused:
        make_budget(None, 10**5000, PRICES)
    assert str(refused.value) == "max_cost must be a finite number above 0, not an int of 16,610 bits"
    with pytest.raises(ValueError) as refused:
        make_budget(None, 1.0, {**PRICES, "input": -(10**50)})
    assert str(refused.value) == (
        "prices must be finite numbers, 0 or more, per million tokens, "
        "not {'input': '-100000000000000000000000000000000000...'}"
    )


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_money_budget_is_accepted_exactly_when_finite_and_positive(value: float) -> None:
    ok = math.isfinite(value) and value > 0
    try:
        make_budget(None, value, PRICES)
    except ValueError:
        assert not ok
    else:
        assert ok


def test_free_prices_are_a_budget_of_tokens_only() -> None:
    # A local model costs nothing: 0 is a price, and the cost never reaches max_cost.
    result = run(script(), max_cost=0.01, prices={"input": 0, "output": 0.0})
    assert result.final_text == "done"


# The SDK reads "800" as 800 and true as 1; what it cannot read as a count is kept as sent.
ODD_COUNTS = [None, -5000, math.nan, 1.5, "many"]


class RawServer(FakeServer):
    """A FakeServer whose bodies may hold NaN, as Python's json writes it."""

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        headers = {"content-type": "application/json"}
        return httpx2.Response(200, content=json.dumps(self.replies.pop(0)).encode(), headers=headers)


@pytest.mark.parametrize("field", ["prompt_tokens", "completion_tokens"])
@pytest.mark.parametrize("value", ODD_COUNTS)
def test_usage_that_is_not_a_count_stops_the_loop_with_the_work_done(field: str, value: Any) -> None:
    odd = used(calls(WRITE_CALL), 800, 200)
    odd["usage"][field] = value
    server = RawServer(used(calls(MEMORY_CALL), 800, 200), odd, used(text("done"), 800, 200))
    with pytest.raises(BudgetExceeded) as caught:
        run(server, max_tokens_total=1_000_000, max_cost=1.0, prices=PRICES)
    assert str(caught.value) == (
        f"budget not enforceable: a response's usage has {field}={value!r}, not a count of tokens"
    )
    # Stopped before a third request, never letting the count go down; both calls were answered.
    assert len(server.bodies) == 2
    assert [m["role"] for m in caught.value.conversation.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
    ]
