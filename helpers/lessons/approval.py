"""A person approves a side effect before it happens: lesson 11's approval widget.

``Approval`` shows one pending tool call, its name and arguments, with Approve
and Deny buttons, and keeps what was clicked in ``decision``. A click cannot
reach a cell that is still running, so a notebook asks in two cells: one shows
the widget, the learner clicks, the next reads ``decision_or(default)``. Under
nbval and in replay nobody clicks: the lesson reads the decision through an
``@observation`` function, so the cassette's tape gives back the recorded one.

The widget's ``text/plain`` form is fixed text, built from the call alone, so
that a stored output is the same on every run.

The name and arguments are the model's, and the model may be repeating a
stranger's text, so what a person reads must be what the tool will get. Both
forms show every character that could hide or disguise text as an escape: a
file name "report", right-to-left override (U+202E), "txt.exe" displays as
"reportexe.txt", and is shown as ``report\\u202etxt.exe``. See ``visible``.
"""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any, Literal

import ipywidgets as widgets

from ..calling.untrusted import clip

Decision = Literal["approved", "denied"]

# Unicode categories that are invisible or reorder text: control, format (bidi
# overrides and isolates, zero-width characters, tags), surrogates, private
# use, unassigned, and line, paragraph and space separators other than " ".
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}
# Letters and marks that draw nothing: Hangul fillers, Khmer invisible vowels,
# the combining grapheme joiner, Mongolian and standard variation selectors.
_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810)}
_INVISIBLE |= {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}


def _escape(char: str) -> str:
    """One character as a Python-style escape: ``\\u202e``, or ``\\U000e0041`` beyond U+FFFF."""
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every character that hides or reorders text shown as an escape.

    Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
    U+061C), zero-width and other format characters, control characters, and
    spaces other than U+0020 become ``\\uXXXX``; everything else is kept as it is.

    Args:
        text: Text from a model or a stranger.

    Returns:
        The text, safe to show a person who must decide on it.
    """
    return "".join(
        _escape(char)
        if char != " " and (unicodedata.category(char) in _HIDDEN_CATEGORIES or ord(char) in _INVISIBLE)
        else char
        for char in text
    )


def call_parts(call: Any) -> tuple[str, str, str]:
    """``(id, name, arguments)`` of a tool call given as an SDK object or a dict."""
    if isinstance(call, dict):
        function = call.get("function") or {}
        return str(call.get("id", "")), str(function.get("name", "")), str(function.get("arguments", ""))
    return str(call.id), str(call.function.name), str(call.function.arguments)


def describe(name: str, arguments: str, limit: int = 200) -> str:
    """The call as a person should read it: one argument a line, long values shortened, nothing hidden."""
    try:
        values = json.loads(arguments)
    except (ValueError, RecursionError):
        values = None
    if not isinstance(values, dict):
        return f"{visible(name)}({visible(clip(arguments, limit))})"
    lines = [
        f"  {visible(key)} = {visible(clip(json.dumps(value, ensure_ascii=False), limit))}"
        for key, value in values.items()
    ]
    return "\n".join([f"{visible(name)}(", *lines, ")"])


class Approval:
    """One pending tool call, shown with Approve and Deny buttons.

    Args:
        call: The tool call (an SDK ``tool_call`` or its dict form).

    Attributes:
        call: The tool call, as given (to run it once approved).
        call_id, name, arguments: The call's id, tool name and JSON arguments.
        decision: ``"approved"`` or ``"denied"`` once a button is clicked, else None.
    """

    def __init__(self, call: Any) -> None:
        self.call = call
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
