"""Budgets of tokens and money per conversation, read from each response's ``usage`` (lesson 11).

``run_conversation(max_tokens_total=..., max_cost=..., prices=...)`` builds a
``Budget`` with ``make_budget`` and checks it after each turn's tool calls are
answered; a budget used up raises ``BudgetExceeded``.
"""

from __future__ import annotations

from dataclasses import dataclass

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
            prompt += response.usage.prompt_tokens
            completion_tokens += response.usage.completion_tokens
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


def make_budget(
    max_tokens_total: int | None, max_cost: float | None, prices: dict[str, float] | None
) -> Budget:
    """The budget asked for, checked: a cost needs both prices."""
    if max_tokens_total is not None and max_tokens_total < 1:
        raise ValueError(f"max_tokens_total must be at least 1, not {max_tokens_total}")
    if max_cost is not None and max_cost <= 0:
        raise ValueError(f"max_cost must be positive, not {max_cost}")
    if max_cost is not None and (prices is None or not {"input", "output"} <= prices.keys()):
        raise ValueError('max_cost needs prices={"input": ..., "output": ...} per million tokens')
    return Budget(max_tokens_total, max_cost, prices)
