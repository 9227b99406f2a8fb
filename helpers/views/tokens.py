"""Token bars, one row per turn: ``token_bars(...)`` (lessons 02, 06).

Each row draws a response's ``usage``: the prompt tokens (what the request
cost as input), then the completion tokens (what the model wrote), the
reasoning tokens marked inside them (part of the completion, never shown).
Where the tool definitions' share of the prompt is known, from
``tokenize.prompt_share``, it is marked inside the prompt bar.

An SVG picture in notebooks, a table as text: both the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .turns import Usage, turns_of

WIDTH, LEFT, ROW, SCALE_TO = 680, 70, 26, 560  # pixels
COLOURS = {"prompt": "#9ec5fe", "tools": "#3d8bfd", "completion": "#a3cfbb", "reasoning": "#479f76"}
STYLE = "font-family: sans-serif; font-size: 11px"


@dataclass(frozen=True)
class TokenBars:
    """Each turn's token usage, as bars and as a table.

    Attributes:
        usages: Each turn's usage, None where a response had none.
        tools: Tokens of each prompt taken by the tool definitions, where known.
        tools_label: How ``tools`` was found, said in the legend.
    """

    usages: tuple[Usage | None, ...]
    tools: int | None = None
    tools_label: str = ""

    def _scale(self) -> float:
        """Pixels per token, so that the longest row fills the width."""
        longest = max((u.prompt + u.completion for u in self.usages if u), default=0)
        return SCALE_TO / longest if longest else 0.0

    def _row(self, number: int, usage: Usage | None, y: int) -> str:
        """One turn's bars, with its numbers on them."""
        head = f'<text x="6" y="{y + 14}">turn {number}</text>'
        if usage is None:
            return head + f'<text x="{LEFT}" y="{y + 14}" fill="#666">no usage in this response</text>'
        scale, x, parts = self._scale(), float(LEFT), []
        segments = [("prompt", usage.prompt), ("completion", usage.completion)]
        for kind, tokens in segments:
            w = tokens * scale
            parts.append(
                f'<rect class="{kind}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" '
                f'fill="{COLOURS[kind]}"/>'
            )
            inner = {"prompt": self.tools, "completion": usage.reasoning}[kind]
            if inner:
                name = "tools" if kind == "prompt" else "reasoning"
                parts.append(
                    f'<rect class="{name}" x="{x:.1f}" y="{y + 4}" width="{inner * scale:.1f}" height="10" '
                    f'fill="{COLOURS[name]}"/>'
                )
            parts.append(f'<text x="{x + 3:.1f}" y="{y + 13}">{tokens}</text>')
            x += w
        return head + "".join(parts)

    def _repr_svg_(self) -> str:
        return self.svg()

    def svg(self) -> str:
        """The bars as an SVG document, a legend under them."""
        rows = "".join(self._row(n, u, 8 + ROW * (n - 1)) for n, u in enumerate(self.usages, start=1))
        y = 8 + ROW * len(self.usages) + 10
        legend = []
        for kind, text in self._legend():  # one line each: a label may be long
            legend.append(f'<rect x="{LEFT}" y="{y - 9}" width="10" height="10" fill="{COLOURS[kind]}"/>')
            legend.append(f'<text x="{LEFT + 14}" y="{y}">{escape(text)}</text>')
            y += 16
        height = y
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" style="{STYLE}">'
            f'<rect width="{WIDTH}" height="{height}" fill="white"/>'
            f"{rows}{''.join(legend)}</svg>"
        )

    def _legend(self) -> list[tuple[str, str]]:
        """The colours' meanings, only for what is drawn."""
        shown = [("prompt", "prompt")]
        if self.tools:
            shown.append(("tools", f"tools: {self.tools} of each prompt ({self.tools_label})"))
        shown.append(("completion", "completion"))
        if any(u and u.reasoning for u in self.usages):
            shown.append(("reasoning", "reasoning (part of completion)"))
        return shown

    def __repr__(self) -> str:
        lines = [f"{'turn':<6}{'prompt':>8}{'completion':>12}{'reasoning':>11}{'total':>8}"]
        for number, usage in enumerate(self.usages, start=1):
            if usage is None:
                lines.append(f"{number:<6}{'no usage in this response':>39}")
                continue
            reasoning = "-" if usage.reasoning is None else usage.reasoning
            total = usage.prompt + usage.completion
            lines.append(f"{number:<6}{usage.prompt:>8}{usage.completion:>12}{reasoning:>11}{total:>8}")
        if self.tools:
            lines.append(f"tools: {self.tools} tokens of each prompt ({self.tools_label})")
        return "\n".join(lines)


def token_bars(source: Any, tools: int | None = None, tools_label: str = "") -> TokenBars:
    """Bars of each turn's prompt, completion and reasoning tokens.

    Args:
        source: Anything ``turns_of`` reads (a ``Conversation``, ``exchanges()``,
            ``(request, response)`` pairs), or a list of ``Usage``.
        tools: How many tokens of each prompt the tool definitions take, if known.
        tools_label: How that number was found (say "measured" only if it was).

    Returns:
        ``TokenBars``: SVG in notebooks, a table as text.
    """
    items = list(source) if isinstance(source, list | tuple) else None
    if items and all(isinstance(item, Usage) for item in items):
        return TokenBars(tuple(items), tools, tools_label)
    return TokenBars(tuple(turn.usage for turn in turns_of(source)), tools, tools_label)
