"""The article's two example tools: read the machine's memory, write a file.

Lesson 01 defines them. ``get_memory_info`` returns exactly what the article's
version returned, so a published exchange replays byte for byte, and it is an
``@observation`` so that replay hands the model the memory it saw when the
session was recorded. ``write_file`` keeps the article's signature and empty
result, but writes only inside the lessons' workspace (``LESSONS_WORKDIR``), and
only plain files, atomically: a model chooses its arguments, so they are checked
like any other untrusted input. The names are checked here; ``helpers.tools.sandbox``
does the writing, without following links out of the workspace even while
another process changes the folders.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from ..settings import load_settings
from .sandbox import UnsafeWriteError, refuse, shown, write_inside
from .tape import observation

MAX_BYTES = 1_000_000
# Longer names are refused before any is looked at: a 10 MB name costs nothing.
MAX_NAME_CHARS = 1024
MAX_PART_BYTES = 255  # what most file systems allow for one file or folder name
# Names Windows maps to devices, whatever the extension ("nul.txt" is the NUL device).
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"}
)
# Windows cannot store these; ":" would also reach a drive (C:x) or an NTFS stream.
FORBIDDEN_CHARS = '<>:"|?*'
# Unicode's bidirectional controls: invisible, they reorder what is shown after them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DRIVE = re.compile(r"^[A-Za-z]:")


@observation
def get_memory_info() -> str:
    """Get this computer's memory usage, as byte counts in JSON.

    The result has four integer fields: "total" is the physical memory installed;
    "available" is what can be given to programs at once without swapping; "used"
    is what the operating system counts as in use; "free" is memory not used at
    all (on Windows it is reported equal to "available"). The share of memory in
    use is (total - available) / total.

    Returns:
        The JSON text ``{"total": ..., "available": ..., "used": ..., "free": ...}``.
    """
    mem = psutil.virtual_memory()
    info = {"total": mem.total, "available": mem.available, "used": mem.used, "free": mem.free}
    return json.dumps(info)


def memory_percent(info: str | dict[str, Any]) -> float:
    """The share of memory in use, computed in code rather than by the model.

    Args:
        info: What ``get_memory_info`` returned, as JSON text or as a dict.

    Returns:
        ``(total - available) / total * 100``, as psutil computes it, rounded to
        two decimals.

    Raises:
        KeyError: ``total`` or ``available`` is missing.
        ValueError: The text is not JSON, or ``total`` is not positive.
    """
    data = json.loads(info) if isinstance(info, str) else info
    total, available = data["total"], data["available"]
    if total <= 0:
        raise ValueError(f"total must be positive, got {total!r}")
    return round((total - available) / total * 100, 2)


def workspace() -> Path:
    """The only folder ``write_file`` may write into, created if missing.

    Returns:
        ``LESSONS_WORKDIR`` (default ``notebooks/workspace/``), read at each call
        and fully resolved.
    """
    folder = Path(load_settings().workdir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def write_file(file_name: str, text: str) -> None:
    """Write text to a file in the workspace folder, replacing any earlier content.

    Only relative names inside the workspace are accepted: no absolute paths, no "..".

    Args:
        file_name: A relative file name, such as "mem_ok.txt" or "logs/mem.txt".
        text: The complete content of the file, written as UTF-8 exactly as given.

    Raises:
        UnsafeWriteError: The name leaves the workspace, is not a plain file
            name, names a link or a folder, or the text is not a string or is
            larger than ``MAX_BYTES`` in UTF-8; or the system could not write
            (no permission, disk full). Nothing is written then, and the
            message names no absolute path.
    """
    write_file_in(workspace, file_name, text)


def write_file_in(folder: Callable[[], Path], file_name: str, text: str) -> None:
    """``write_file`` into another folder: the same checks, the same sandbox (lesson 12's evaluation).

    Args:
        folder: Returns the folder to write into, fully resolved.
        file_name: A relative file name, as for ``write_file``.
        text: The complete content of the file.

    Raises:
        UnsafeWriteError: As for ``write_file``.
    """
    write_inside(folder, _check_name(file_name), _check_text(text), file_name)


def _check_name(file_name: object) -> list[str]:
    """The name's components, or an error if the name is not a safe relative path."""
    if not isinstance(file_name, str):
        raise refuse(file_name, f"the name must be a string, not {type(file_name).__name__}")
    if len(file_name) > MAX_NAME_CHARS:
        raise refuse(
            file_name, f"the name is {len(file_name)} characters long; at most {MAX_NAME_CHARS} are allowed"
        )
    if not file_name.strip():
        raise refuse(file_name, "the name is empty")
    if any(unicodedata.category(c) == "Cc" for c in file_name):
        raise refuse(file_name, "the name contains a control character")
    if bidi := next((c for c in file_name if c in BIDI_CONTROLS), None):
        # U+202E turns "report\u202etxt.exe" into "reportexe.txt" on screen.
        raise refuse(
            file_name, f"the name contains U+{ord(bidi):04X}, which makes it read differently from what it is"
        )
    if any(unicodedata.category(c) == "Cs" for c in file_name):
        raise refuse(file_name, "the name contains a lone surrogate, which no file system can store")
    # Either separator counts, so a name means the same thing on every system.
    unified = file_name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(file_name):
        raise refuse(file_name, "absolute paths are not allowed")
    if bad := sorted({c for c in file_name if c in FORBIDDEN_CHARS}):
        raise refuse(file_name, f"the name contains {''.join(bad)!r}, which Windows forbids")
    if unified.endswith("/"):
        raise refuse(file_name, "the name ends with a separator, so it names no file")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    for part in parts:
        _check_part(file_name, part)
    if not parts:
        raise refuse(file_name, "the name has no file name in it")
    return parts


def _check_part(file_name: str, part: str) -> None:
    """Refuse one path component that escapes, is too long, or that Windows would rename or reserve."""
    if part == "..":
        raise refuse(file_name, "'..' would leave the workspace")
    if part.endswith((".", " ")):
        # Windows drops trailing dots and spaces, so "a.txt." would silently become "a.txt".
        raise refuse(file_name, f"{shown(part, 40)} ends with a dot or a space")
    if part.split(".")[0].rstrip(" ").upper() in RESERVED_NAMES:
        raise refuse(file_name, f"{shown(part, 40)} is a reserved device name on Windows")
    if (size := len(part.encode("utf-8"))) > MAX_PART_BYTES:
        raise refuse(
            file_name,
            f"{shown(part, 40)} is {size} bytes long in UTF-8; at most {MAX_PART_BYTES} are allowed",
        )


def _check_text(text: object) -> bytes:
    """The text in UTF-8, or an error if it is not a string, cannot be UTF-8, or is too large."""
    if not isinstance(text, str):
        raise UnsafeWriteError(
            f"write_file refused the text: it must be a string, not {type(text).__name__}."
        )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise UnsafeWriteError(f"write_file refused the text: it is not valid Unicode ({err}).") from err
    if len(data) > MAX_BYTES:
        raise UnsafeWriteError(
            f"write_file refused the text: it is {len(data)} bytes in UTF-8; at most {MAX_BYTES} are allowed."
        )
    return data
