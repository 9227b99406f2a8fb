"""Budgets of tokens and money per conversation, read from each response's ``usage`` (lesson 11).

``run_conversation(max_tokens_total=..., max_cost=..., prices=...)`` builds a
``Budget`` with ``make_budget`` and checks it after each turn's tool calls are
answered; a budget used up raises ``BudgetExceeded``.

A budget that could never be reached is refused before any request: NaN
(every comparison with it is false), infinity (``None`` already means no
budget), negative or zero limits, negative prices. A response whose ``usage``
is missing, or is not counts of tokens (null, negative, NaN, text), cannot be
counted: the loop stops with ``BudgetExceeded``, as it never lets a server's
numbers lower what was spent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from openai.types.chat import ChatCompletion

from .outcome import BudgetExceeded, Conversation


@dataclass(frozen=True)
class Budget:
    """Limits on what one conversation may use; ``prices`` are per million tokens."""

    max_tokens_total: int | None = None
    max_cost: float | None = None
    prices: dict[str, float] | None = None

    def spent(self, responses: list[ChatCompletion]) -> tuple[int, float | None]:
        """The tokens used by ``responses``, and their cost if prices are known."""
        prompt = completion_tokens = 0
        for response in responses:
            if response.usage is None:
                raise ValueError("a response has no usage, so the budget cannot be counted")
            prompt += _tokens(response.usage, "prompt_tokens")
            completion_tokens += _tokens(response.usage, "completion_tokens")
        if self.prices is None:
            return prompt + completion_tokens, None
        cost = (prompt * self.prices["input"] + completion_tokens * self.prices["output"]) / 1_000_000
        return prompt + completion_tokens, cost

    def check(self, conversation: Conversation) -> None:
        """Raise ``BudgetExceeded`` if the conversation has used up a budget."""
        if self.max_tokens_total is None and self.max_cost is None:
            return
        try:
            tokens, cost = self.spent(conversation.responses)
        except ValueError as problem:
            raise BudgetExceeded(f"budget not enforceable: {problem}", conversation, 0, None) from None
        over = []
        if self.max_tokens_total is not None and tokens >= self.max_tokens_total:
            over.append(f"{tokens:,} tokens used (max_tokens_total={self.max_tokens_total:,})")
        if self.max_cost is not None and cost is not None and cost >= self.max_cost:
            over.append(f"{cost:.6f} spent (max_cost={self.max_cost})")
        if over:
            raise BudgetExceeded(
                f"budget reached after {conversation.turns} request{'s' * (conversation.turns != 1)}: "
                + "; ".join(over),
                conversation,
                tokens,
                cost,
            )


def _tokens(usage: Any, name: str) -> int:
    """One count of a response's ``usage``, if it is a count of tokens (a whole number, 0 or more)."""
    value = getattr(usage, name, None)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a response's usage has {name}={value!r}, not a count of tokens")
    return value


def _number(value: Any) -> bool:
    """A real, finite number a float can hold (not a bool, not NaN, not infinite, not 10**400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float: the cost could not be computed
        return False


def _shown(value: Any) -> str:
    """``repr(value)`` in at most 40 characters, even for an int too long to print."""
    try:
        text = repr(value)
    except ValueError:  # Python refuses to print an int of over 4,300 digits
        text = f"an int of {value.bit_length():,} bits"
    return text if len(text) <= 40 else text[:37] + "..."


def make_budget(
    max_tokens_total: int | None, max_cost: float | None, prices: dict[str, float] | None
) -> Budget:
    """The budget asked for, checked: whole positive tokens, a finite positive cost, both prices.

    Raises:
        ValueError: A limit or price is not a finite number in range, or
            ``max_cost`` has no prices.
    """
    tokens_ok = isinstance(max_tokens_total, int) and not isinstance(max_tokens_total, bool)
    if max_tokens_total is not None and not (tokens_ok and max_tokens_total >= 1):
        shown = _shown(max_tokens_total)
        raise ValueError(f"max_tokens_total must be a whole number at least 1, not {shown}")
    if max_cost is not None and not (_number(max_cost) and max_cost > 0):
        raise ValueError(f"max_cost must be a finite number above 0, not {_shown(max_cost)}")
    if max_cost is not None and prices is None:
        raise ValueError('max_cost needs prices={"input": ..., "output": ...} per million tokens')
    if prices is not None:
        if not isinstance(prices, dict) or not {"input", "output"} <= prices.keys():
            raise ValueError('max_cost needs prices={"input": ..., "output": ...} per million tokens')
        wrong = {k: _shown(v) for k in ("input", "output") if not (_number(v := prices[k]) and v >= 0)}
        if wrong:
            raise ValueError(f"prices must be finite numbers, 0 or more, per million tokens, not {wrong}")
    return Budget(max_tokens_total, max_cost, prices)
