"""Step through a conversation turn by turn: ``stepper(...)`` (lesson 06).

In JupyterLab it is a widget: Previous and Next buttons and a slider choose the
turn, and the panel below shows what that request sent, what came back, each
tool call with its arguments and result, ``finish_reason`` and token usage.

A stored notebook keeps the widget's state (the lessons' writer stores it, ids
renumbered), so JupyterLab shows the stepper as stored before the cell is run;
its buttons work once the cell runs again. nbval does not compare widgets (it
skips ``application/vnd.jupyter.widget-view+json``), and GitHub cannot show
them. So the widget's ``text/plain`` is every turn written out, the same on
every run: that is what nbval compares, and what GitHub shows.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .turns import Turn, arguments_text, turns_of

WIDTH = 100  # characters per line in the text form
MORE = "…"
EMPTY = "(empty)"


def _cut(line: str, width: int | None) -> str:
    """One line of at most ``width`` characters (all of it when width is None)."""
    return line if width is None or len(line) <= width else line[: width - 1] + MORE


def _indented(indent: str, text: str) -> list[str]:
    """A text's lines, each under the same indent; an empty text as (empty)."""
    return [(indent + line).rstrip() for line in (text or EMPTY).splitlines()]


def usage_text(turn: Turn) -> str:
    """A turn's token usage in one phrase."""
    if turn.usage is None:
        return "usage: none"
    usage = turn.usage
    reasoning = f" ({usage.reasoning} reasoning)" if usage.reasoning is not None else ""
    return f"usage: {usage.prompt} prompt + {usage.completion} completion{reasoning}"


def describe(turn: Turn, number: int, total: int, width: int | None = WIDTH) -> str:
    """One turn as text: what was sent, what came back, the calls and their results.

    Args:
        turn: The turn.
        number: Its number, from 1.
        total: How many turns the conversation has.
        width: Cut each line to this many characters (None: keep whole).

    Returns:
        The lines, without a final newline.
    """
    head = f"turn {number} of {total} · {turn.finish_name}: {turn.finish_reason} · {usage_text(turn)}"
    offered = f"; tools offered: {', '.join(turn.tools)}" if turn.tools else ""
    fresh = ", a new conversation" if turn.new_conversation else ""
    lines = [head, f"sent ({len(turn.sent)} new message{'s' * (len(turn.sent) != 1)}{fresh}{offered}):"]
    for role, text in turn.sent:
        lines += _indented(f"  {role}: ", text)[:1] + _indented("    ", text)[1:]
    lines.append("reply:")
    if turn.text is not None or not turn.calls:
        lines.append("  text:" if turn.text else f"  text: {turn.text}")
        lines += _indented("    ", turn.text) if turn.text else []
    for call in turn.calls:
        lines.append(f"  → {call.name}({arguments_text(call.arguments)})  [{call.id}]")
        result = "(no result sent)" if call.result is None else call.result
        lines += _indented("    ← ", result)[:1] + _indented("      ", result)[1:]
    return "\n".join(_cut(line, width) for line in lines)


def summary(turns: list[Turn], width: int | None = WIDTH) -> str:
    """Every turn as text, one block after another: the stepper's text form."""
    if not turns:
        return "no turns: nothing was sent"
    return "\n\n".join(describe(turn, n, len(turns), width) for n, turn in enumerate(turns, start=1))


class Stepper(widgets.VBox):
    """Previous/Next buttons and a slider over the turns, and the chosen turn below.

    Attributes:
        turns: The conversation's turns.
        slider: The turn shown, from 1.
        panel: The shown turn, as preformatted HTML.
    """

    def __init__(self, turns: list[Turn]) -> None:
        self.turns = turns
        count = max(len(turns), 1)
        self.previous = widgets.Button(description="Previous", icon="arrow-left")
        self.next = widgets.Button(description="Next", icon="arrow-right")
        self.slider = widgets.IntSlider(value=1, min=1, max=count, description="turn", disabled=count == 1)
        self.panel = widgets.HTML()
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(1))
        self.slider.observe(lambda _: self._show(), names="value")
        super().__init__([widgets.HBox([self.previous, self.slider, self.next]), self.panel])
        self._show()

    @property
    def shown(self) -> int:
        """The number of the turn shown, from 1."""
        return self.slider.value

    def step(self, by: int) -> None:
        """Show the turn ``by`` places on, staying within the first and the last."""
        self.slider.value = min(max(self.slider.value + by, self.slider.min), self.slider.max)

    def text(self) -> str:
        """The shown turn as text, lines kept whole."""
        if not self.turns:
            return summary(self.turns)
        return describe(self.turns[self.shown - 1], self.shown, len(self.turns), width=None)

    def _show(self) -> None:
        """Put the chosen turn in the panel and enable only the buttons that move."""
        self.panel.value = f"<pre style='white-space: pre-wrap'>{html.escape(self.text())}</pre>"
        self.previous.disabled = self.shown <= self.slider.min
        self.next.disabled = self.shown >= self.slider.max

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget for JupyterLab, and every turn as text for nbval and GitHub."""
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = summary(self.turns)
        return data


def stepper(source: Any) -> Stepper:
    """A widget to step through a conversation, turn by turn.

    Args:
        source: A ``Conversation`` from ``run_conversation``, or the client's
            ``exchanges()`` (Chat Completions or Responses API), or
            ``(request, response)`` pairs of JSON dicts.

    Returns:
        The ``Stepper``: shown as a widget in JupyterLab, as text elsewhere.
    """
    return Stepper(turns_of(source))
