"""Streamed tool-call arguments, shown as they arrive: ``LiveArguments`` (lesson 08).

Feed it each ``Change`` that ``StreamAssembler.add`` returns. In JupyterLab a
text box per call grows with every fragment: the widget's value changes, and
the front end redraws it, with no ``clear_output`` and no display ``update()``.

A stored notebook keeps the widget's last state (the lessons' writer stores
it), which JupyterLab shows before the cell is run. Its ``text/plain`` was
fixed when it was displayed, before any chunk came, so it says only what the
view is; ``text()`` gives the final state to print at the end of the cell, the
same on every run, for nbval and GitHub.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

WAITING = "live view of streamed tool-call arguments: it fills in JupyterLab as chunks arrive"


class LiveArguments(widgets.VBox):
    """A status line, and one growing text box per tool call of a streamed reply.

    Attributes:
        chunks: How many changes were added.
        names: Each call's name, by its position in ``tool_calls``.
        arguments: Each call's arguments so far.
        finish_reason: The finish reason, once a chunk carried one.
    """

    def __init__(self) -> None:
        self.chunks, self.finish_reason = 0, None
        self.names: list[str | None] = []
        self.arguments: list[str] = []
        self.status = widgets.HTML(value="waiting for the first chunk")
        self.boxes: list[widgets.Textarea] = []
        super().__init__([self.status])

    def add(self, change: Any) -> None:
        """Show what one chunk changed.

        Args:
            change: A ``Change`` from ``StreamAssembler.add`` (anything with its
                ``call``, ``name``, ``arguments`` and ``finish_reason``).
        """
        self.chunks += 1
        if change.call is not None:
            while len(self.arguments) <= change.call:  # a call seen for the first time
                self.names.append(None)
                self.arguments.append("")
                self.boxes.append(widgets.Textarea(layout=widgets.Layout(width="100%", height="7em")))
                self.children = (self.status, *self.boxes)
            self.names[change.call] = change.name or self.names[change.call]
            self.arguments[change.call] += change.arguments
            box = self.boxes[change.call]
            box.description, box.value = self.names[change.call] or "", self.arguments[change.call]
        self.finish_reason = change.finish_reason or self.finish_reason
        self.status.value = f"{self.chunks} chunks · finish_reason: {self.finish_reason}"

    def text(self) -> str:
        """The final state: the chunk count, each call's name and whole arguments."""
        lines = [f"{self.chunks} chunks · finish_reason: {self.finish_reason}"]
        for position, (name, arguments) in enumerate(zip(self.names, self.arguments, strict=True)):
            lines.append(f"call {position} · {name} · {len(arguments)} characters of arguments:")
            lines.append(f"  {arguments}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget for JupyterLab; for nbval and GitHub, what it is (it is empty when shown)."""
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = WAITING
        return data
