"""JSON and text that are safe to take from a model and to send back to it.

The dispatcher (``helpers.calling.dispatch``) parses arguments a model wrote and quotes
them back in its error messages. Python's ``json`` reads more than JSON (NaN,
Infinity) and fails in ways other than ``JSONDecodeError`` (deep nesting, very
long integers); a model's text may be megabytes long, or hold lone surrogates
that no request can encode. The lines are drawn here, once: what is parsed, how
much is quoted back, and what text may be sent.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_ITEMS = 10  # items of a list or dict shown in a preview
_DEPTH = 3  # levels of nesting shown in a preview


class UnusableJSON(ValueError):
    """JSON text Python can read only unsafely, or not at all, whatever its syntax."""


def _constant(name: str) -> Any:
    """Refuse NaN and Infinity: Python reads them, but they are not JSON."""
    raise UnusableJSON(f"{name} is not a JSON number")


def _float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused when it overflows to infinity."""
    value = float(text)
    if math.isinf(value):
        raise UnusableJSON(f"the number {clip(text, 40)} is too large")
    return value


def _int(text: str) -> int:
    """A JSON integer, refused past Python's limit on digits (4,300 by default)."""
    try:
        return int(text)
    except ValueError:
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        digits = len(text.lstrip("-"))
        raise UnusableJSON(
            f"an integer has {digits:,} digits, more than the {limit:,} Python reads"
        ) from None


def loads(text: str) -> Any:
    """Parse JSON text a model wrote, refusing what Python cannot use safely.

    Args:
        text: The JSON text.

    Returns:
        The value, as ``json.loads`` gives it.

    Raises:
        json.JSONDecodeError: The text is not JSON.
        UnusableJSON: It holds NaN or Infinity, a number too large for a float
            or too long for an int, or nesting too deep for Python's stack.
    """
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise UnusableJSON("it is nested too deeply to read") from None


def dumps_result(result: Any) -> str:
    """A tool's result as text: None is empty, a str is kept, the rest is JSON.

    Values JSON has no type for (a date) are written with ``str``. Any exception
    (a circular reference, a key that is not a string) is the result's fault.
    """
    if result is None:
        return ""
    if isinstance(result, str):
        return str.__str__(result)  # a plain str, whatever a subclass's __str__ does
    return json.dumps(result, ensure_ascii=False, default=str)


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it encodes to UTF-8.

    A surrogate pair held as two characters becomes the one character it stands for.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clip(text: str, limit: int) -> str:
    """``text``'s first ``limit`` characters, followed by how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def clip_middle(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut in the middle so that both ends stay."""
    if len(text) <= limit:
        return text
    marker = f" …({len(text):,} characters, cut to {limit:,})… "
    keep = max(limit - len(marker), 0)
    return f"{text[: keep - keep // 2]}{marker}{text[len(text) - keep // 2 :]}"[:limit]


def quoted(text: str, limit: int) -> str:
    """``text`` as a Python string literal of its first ``limit`` characters, with how many more."""
    shown = repr(text[:limit])
    return shown if len(text) <= limit else f"{shown}… ({len(text) - limit:,} more characters)"


def _safe_str(value: Any, limit: int) -> str:
    """``str(value)``, cut short, or its type's name when ``str`` fails."""
    try:
        return clip(str(value), limit)
    except Exception:
        return f"<{type(value).__name__}>"


def _shrunk(value: Any, limit: int, depth: int = 0) -> Any:
    """A JSON-ready copy of ``value`` with long strings, lists and dicts cut, and deep levels elided."""
    if isinstance(value, int) and value.bit_length() > 1024:
        return f"<a {value.bit_length():,}-bit integer>"  # too long for str() past 4,300 digits
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return clip(value, limit)
    if depth >= _DEPTH and isinstance(value, (list, tuple, dict)):
        return "…"
    if isinstance(value, (list, tuple)):
        shown = [_shrunk(item, limit, depth + 1) for item in value[:_ITEMS]]
        return shown + [f"… ({len(value) - _ITEMS:,} more items)"] * (len(value) > _ITEMS)
    if isinstance(value, dict):
        items = list(value.items())[:_ITEMS]
        shown = {_safe_str(key, limit): _shrunk(item, limit, depth + 1) for key, item in items}
        if len(value) > _ITEMS:
            shown["…"] = f"{len(value) - _ITEMS:,} more keys"
        return shown
    return _safe_str(value, limit)


def preview(value: Any, limit: int) -> str:
    """A value the model sent, as JSON, short enough to quote back (about ``limit`` characters)."""
    if isinstance(value, str):
        # Cut before encoding, so that a long string is never encoded whole.
        shown = json.dumps(value[:limit], ensure_ascii=False)
        return shown if len(value) <= limit else f"{shown}… ({len(value) - limit:,} more characters)"
    return clip(json.dumps(_shrunk(value, limit), ensure_ascii=False), limit)
