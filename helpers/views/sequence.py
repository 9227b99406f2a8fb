"""A conversation as a sequence diagram, in SVG: ``sequence_diagram(...)`` (lessons 00, 06).

Four lanes, left to right: the user, the application (your code), the model,
the tools. Time runs down. Each message is one solid arrow:

- a user message goes from the user to the model (the application sends it);
- a system or developer message goes from the application to the model;
- an assistant message with tool calls goes from the model to the application:
  the model only names the functions;
- the application runs each call (a dashed arrow to the tool lane: not a message);
- a tool message goes from the tool lane to the model: the result, sent back;
- an assistant message in text goes from the model to the user.

The calls of one reply share a band: their tools' bars stand side by side in
the tool lane, and with more than one call a ``par`` frame marks them as
parallel. The SVG has no random ids and no timestamps, so the same conversation
always draws the same picture; its ``text/plain`` form lists the same arrows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .turns import arguments_text, as_json, line_of

LANES = {"user": 70, "application": 230, "model": 400, "tool": 580}
WIDTH, HEAD, ROW, BAR = 680, 56, 30, 14  # pixels
LABEL = 44  # columns of label text; a wide (CJK) character counts as two
STYLE = "font-family: sans-serif; font-size: 11px"


@dataclass(frozen=True)
class Arrow:
    """One arrow: a message (solid) or the application running a call (dashed)."""

    start: str
    end: str
    label: str
    message: int | None  # the message's number, from 1; None for a run
    band: int | None = None  # the reply whose calls this belongs to
    slot: int = 0  # which of the band's side-by-side bars it starts or ends at


def _short(text: str, columns: int = LABEL) -> str:
    """One line of at most ``columns`` display columns, ending in … when cut."""
    text, used, kept = " ".join(text.split()), 0, []
    for char in text:
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > columns - 1:
            return "".join(kept) + "…"
        kept.append(char)
    return text


def _arrows(messages: list[dict[str, Any]]) -> list[Arrow]:
    """The arrows of a conversation, in order."""
    arrows: list[Arrow] = []
    slots: dict[str, tuple[int, int]] = {}  # call id -> (band, slot)
    bands = 0
    for number, message in enumerate(messages, start=1):
        role, text = line_of(message)
        calls = message.get("tool_calls") or []
        if role == "user":
            arrows.append(Arrow("user", "model", f"user: {text}", number))
        elif role == "tool":
            band, slot = slots.get(message.get("tool_call_id"), (None, 0))
            arrows.append(
                Arrow("tool", "model", f"tool: {line_of(message)[1].split('] ', 1)[-1]}", number, band, slot)
            )
        elif role == "assistant" and calls:
            bands += 1
            names = ", ".join(call["function"]["name"] for call in calls)
            arrows.append(Arrow("model", "application", f"assistant: call {names}", number, bands))
            for slot, call in enumerate(calls):
                slots[call["id"]] = (bands, slot)
                run = f"runs {call['function']['name']}({arguments_text(call['function']['arguments'])})"
                arrows.append(Arrow("application", "tool", run, None, bands, slot))
        elif role == "assistant":
            arrows.append(Arrow("model", "user", f"assistant: {text}", number))
        else:
            arrows.append(Arrow("application", "model", f"{role}: {text}", number))
    return arrows


def _x(arrow: Arrow, lane: str, width: int) -> float:
    """Where an arrow meets a lane: in the tool lane, at its own bar of the band."""
    if lane != "tool":
        return LANES[lane]
    return LANES["tool"] + (arrow.slot - (width - 1) / 2) * (BAR + 4)


def _arrow_svg(arrow: Arrow, y: int, width: int) -> str:
    """One arrow, its label above the line."""
    x1, x2 = _x(arrow, arrow.start, width), _x(arrow, arrow.end, width)
    kind = "message" if arrow.message is not None else "run"
    dash = "" if arrow.message is not None else ' stroke-dasharray="4 3"'
    attrs = f' data-message="{arrow.message}"' if arrow.message is not None else ""
    attrs += f' data-band="{arrow.band}"' if arrow.band is not None else ""
    label = f"{arrow.message}. {arrow.label}" if arrow.message is not None else arrow.label
    return (
        f'<g class="{kind}"{attrs}><line x1="{x1:g}" y1="{y}" x2="{x2:g}" y2="{y}" stroke="#333"{dash} '
        f'marker-end="url(#sequence-arrow)"/><text x="{(x1 + x2) / 2:g}" y="{y - 5}" text-anchor="middle">'
        f"{escape(_short(label))}</text></g>"
    )


def _band_svg(band: int, top: int, bottom: int, width: int) -> str:
    """The side-by-side bars of one reply's calls, framed as ``par`` when there are several."""
    parts = []
    if width > 1:
        left = LANES["application"] - 20
        parts.append(
            f'<rect class="par" data-band="{band}" x="{left}" y="{top - 18}" width="{WIDTH - left - 10}" '
            f'height="{bottom - top + 26}" fill="#eef4ff" stroke="#88a"/>'
            f'<text x="{left + 4}" y="{top - 6}" font-weight="bold">par · {width} calls</text>'
        )
    for slot in range(width):
        x = LANES["tool"] + (slot - (width - 1) / 2) * (BAR + 4) - BAR / 2
        parts.append(
            f'<rect class="bar" data-band="{band}" x="{x:g}" y="{top - 4}" width="{BAR}" '
            f'height="{bottom - top + 8}" fill="#ffe9b3" stroke="#a80"/>'
        )
    return "".join(parts)


@dataclass(frozen=True)
class SequenceDiagram:
    """A conversation drawn as SVG; shown as the picture in notebooks, as text elsewhere.

    Attributes:
        arrows: Every arrow, in order: messages and runs.
    """

    arrows: tuple[Arrow, ...]

    def _repr_svg_(self) -> str:
        return self.svg()

    def svg(self) -> str:
        """The diagram as an SVG document."""
        height = HEAD + ROW * len(self.arrows) + 10
        widths: dict[int, int] = {}
        for arrow in self.arrows:
            if arrow.band is not None:
                widths[arrow.band] = max(
                    widths.get(arrow.band, 0), arrow.slot + 1 if arrow.message is None else 0
                )
        rows = {arrow: HEAD + ROW * i + 20 for i, arrow in enumerate(self.arrows)}
        bands = []
        for band, width in widths.items():
            ys = [y for arrow, y in rows.items() if arrow.band == band and arrow.start != "model"]
            bands.append(_band_svg(band, min(ys), max(ys), width) if ys and width else "")
        lanes = "".join(
            f'<rect x="{x - 45}" y="8" width="90" height="24" rx="4" fill="#f3f3f3" stroke="#333"/>'
            f'<text x="{x}" y="24" text-anchor="middle">{lane}</text>'
            f'<line x1="{x}" y1="32" x2="{x}" y2="{height - 4}" stroke="#bbb" stroke-dasharray="2 4"/>'
            for lane, x in LANES.items()
        )
        body = "".join(_arrow_svg(a, rows[a], widths.get(a.band or 0, 1) or 1) for a in self.arrows)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" style="{STYLE}"><defs><marker id="sequence-arrow" '
            'viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>'
            f'<rect width="{WIDTH}" height="{height}" fill="white"/>{lanes}{"".join(bands)}{body}</svg>'
        )

    def __repr__(self) -> str:
        messages = sum(arrow.message is not None for arrow in self.arrows)
        runs = len(self.arrows) - messages
        lines = [f"sequence diagram: {messages} messages (one arrow each), {runs} tool calls run"]
        for arrow in self.arrows:
            number = f"{arrow.message:>2}" if arrow.message is not None else "  "
            way = f"{arrow.start} {'→' if arrow.message is not None else '⇢'} {arrow.end}"
            band = f"  [band {arrow.band}]" if arrow.band is not None and arrow.start != "model" else ""
            lines.append(f"{number}  {way:<22}{_short(arrow.label, 60)}{band}")
        return "\n".join(lines)


def sequence_diagram(source: Any) -> SequenceDiagram:
    """Draw a Chat Completions conversation as a sequence diagram.

    Args:
        source: A ``Conversation`` (its ``messages`` are drawn), or a list of
            message dicts or SDK message objects.

    Returns:
        A ``SequenceDiagram``: an SVG picture in JupyterLab, on GitHub and in
        nbviewer, and a list of its arrows as text.
    """
    messages = as_json(list(getattr(source, "messages", source)))
    return SequenceDiagram(tuple(_arrows(messages)))
