"""A person approves a side effect before it happens: lesson 11's approval widget.

``Approval`` shows one pending tool call, its name and arguments, with Approve
and Deny buttons, and keeps what was clicked in ``decision``. A click cannot
reach a cell that is still running, so a notebook asks in two cells: one shows
the widget, the learner clicks, the next reads ``decision_or(default)``. Under
nbval and in replay nobody clicks: the lesson reads the decision through an
``@observation`` function, so the cassette's tape gives back the recorded one.

The widget's ``text/plain`` form is fixed text, built from the call alone, so
that a stored output is the same on every run.
"""

from __future__ import annotations

import html
import json
from typing import Any, Literal

import ipywidgets as widgets

from ..calling.untrusted import clip

Decision = Literal["approved", "denied"]


def call_parts(call: Any) -> tuple[str, str, str]:
    """``(id, name, arguments)`` of a tool call given as an SDK object or a dict."""
    if isinstance(call, dict):
        function = call.get("function") or {}
        return str(call.get("id", "")), str(function.get("name", "")), str(function.get("arguments", ""))
    return str(call.id), str(call.function.name), str(call.function.arguments)


def describe(name: str, arguments: str, limit: int = 200) -> str:
    """The call as a person should read it: each argument on its own line, long values shortened."""
    try:
        values = json.loads(arguments)
    except ValueError:
        values = None
    if not isinstance(values, dict):
        return f"{name}({clip(arguments, limit)})"
    lines = [
        f"  {key} = {clip(json.dumps(value, ensure_ascii=False), limit)}" for key, value in values.items()
    ]
    return "\n".join([f"{name}(", *lines, ")"])


class Approval:
    """One pending tool call, shown with Approve and Deny buttons.

    Args:
        call: The tool call (an SDK ``tool_call`` or its dict form).

    Attributes:
        call_id, name, arguments: The call's id, tool name and JSON arguments.
        decision: ``"approved"`` or ``"denied"`` once a button is clicked, else None.
    """

    def __init__(self, call: Any) -> None:
        self.call_id, self.name, self.arguments = call_parts(call)
        self.decision: Decision | None = None
        self.approve = widgets.Button(description="Approve", button_style="success", icon="check")
        self.deny = widgets.Button(description="Deny", button_style="danger", icon="times")
        self.status = widgets.Label(value="Waiting for your decision.")
        self.approve.on_click(lambda _: self.decide("approved"))
        self.deny.on_click(lambda _: self.decide("denied"))
        text = html.escape(describe(self.name, self.arguments))
        self.box = widgets.VBox(
            [
                widgets.HTML(value=f"<b>The model asks to run:</b><pre>{text}</pre>"),
                widgets.HBox([self.approve, self.deny]),
                self.status,
            ]
        )

    def decide(self, decision: Decision) -> None:
        """Record a decision (what a click does); the buttons are then disabled."""
        self.decision = decision
        self.approve.disabled = self.deny.disabled = True
        self.status.value = f"Decision: {decision}. Run the next cell."

    def decision_or(self, default: Decision = "denied") -> Decision:
        """What was clicked, or ``default`` if nothing was (a run with nobody there)."""
        return self.decision or default

    def __repr__(self) -> str:
        return f"Approval pending: {describe(self.name, self.arguments)}\n[Approve] [Deny]"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        return bundle


def decision_message(call_id: str, decision: str, name: str, result: str = "") -> dict[str, Any]:
    """The tool message that tells the model what the person decided, and what happened.

    Args:
        call_id: The call's id.
        decision: ``"approved"`` or ``"denied"``.
        name: The tool's name, for the message.
        result: What the tool returned when it ran (approved only).
    """
    if decision == "approved":
        content = f"The user approved this call; {name} ran." + (f" Result: {result}" if result else "")
    else:
        content = f"The user denied this call; {name} did not run. Do not retry it; tell the user."
    return {"role": "tool", "tool_call_id": call_id, "content": content}
