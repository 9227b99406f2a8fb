"""What must not leave the recording machine: keys, credentials and absolute paths.

Recording replaces this machine's own folders in request and response bodies
with placeholders before a cassette is written (``redact``); the check command
refuses any key or absolute path left in a cassette (``leak_finder``); the
record command shows a ``--base-url`` without its user, password or query
values, and never prints a key (``Scrubber``).

An absolute path is one of the usual kinds (``/home/<user>/…``, ``/Users/…``,
``/root/…``, ``/tmp/…``, macOS's ``/var/folders/…``, ``C:\\Users\\…``, raw or
JSON-escaped) or lies under this machine's workspace, project, home or temp
folder. A path inside a URL (``https://host/home/x``) or an API path
(``/v1/chat/completions``) is not one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..settings import PROVIDERS, ROOT, SettingsError, load_settings

SECRET = re.compile(
    r"sk-[A-Za-z0-9_-]{12,}|Bearer\s+[A-Za-z0-9._-]{8,}|[Aa]pi[-_]?[Kk]ey[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9_-]{16,}"
)
# Literal hints of SECRET, each found fast; SECRET itself runs only where one is.
_SECRET_HINT = re.compile(r"sk-|Bearer|pi[-_]?[Kk]ey")
_S = r"(?:/|\\/)"  # a slash, or a JSON-escaped one
_B = r"(?:\\{1,2}|/)"  # a backslash, JSON-escaped or not, or a slash
_KINDS = rf"(?:home|Users|root|tmp|var{_S}tmp|var{_S}folders|private{_S}(?:tmp|var)|mnt{_S}\w{_S}Users)"
_WINDOWS_KINDS = rf"(?:Users|Documents and Settings|Windows{_B}Temp)"
_INSIDE = re.compile(r"[\w.~%+\-]")  # before a path: a word, a host name, a relative path
_DRIVE = re.compile(r"[A-Za-z]:")
_PATH_TEXT = re.compile(r"[^\s\"'<>]{1,80}")  # a path as shown in a message
PLACEHOLDERS = {"workspace": "<workspace>", "project": "<project>", "home": "~", "tmp": "<tmp>"}


def machine_paths(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This machine's own folders, by the placeholder that replaces them in a cassette.

    Args:
        env: The variables to read ``LESSONS_WORKDIR`` from (``os.environ`` by default).

    Returns:
        ``{path: placeholder}`` for the workspace, the project, home and the
        temp folder, each as given and with links resolved.
    """
    found: dict[str, str] = {}
    folders: list[tuple[str, Path]] = [("project", ROOT), ("home", Path.home())]
    folders.append(("tmp", Path(tempfile.gettempdir())))
    with contextlib.suppress(SettingsError):  # no workspace to name: the others are still redacted
        folders.insert(0, ("workspace", load_settings(env).workdir))
    for name, folder in folders:
        for path in (folder.expanduser().absolute(), folder.expanduser().resolve()):
            if len(path.parts) > 1:  # never "/" itself
                found.setdefault(str(path), PLACEHOLDERS[name])
    return found


def _folder(path: str) -> tuple[str, str]:
    """A folder as (drive, pattern from its first separator): any separator, raw or JSON-escaped."""
    parts = [p for p in re.split(r"[/\\]", path) if p]
    drive = parts.pop(0) if parts and _DRIVE.fullmatch(parts[0]) else ""
    spelled = []
    for part in parts:
        escaped = json.dumps(part)[1:-1]  # a non-ASCII name may be sent as \u escapes
        spelled.append(re.escape(part) if escaped == part else f"(?:{re.escape(part)}|{re.escape(escaped)})")
    sep = _B if drive else _S
    # "/tmp" or "/root" alone is no machine detail; "/tmp/x" and "/home/me" are.
    end = r"(?=/|\\)" if len(parts) == 1 else r"(?![\w.~%+\-])"
    return drive, (":" if drive else "") + sep + sep.join(spelled) + end


def _starts_path(text: str | bytes, at: int) -> bool:
    """Whether a path may start at ``at``: after a space, quote or bracket, or a JSON escape such as \\n."""
    before = text[max(0, at - 2) : at]
    before = before.decode("latin-1") if isinstance(before, bytes) else before
    if not before or not _INSIDE.match(before[-1]):
        return True
    return len(before) == 2 and before[0] == "\\" and before[1] in "nrtbf"


@cache
def _redactor(key: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[bytes], list[str]]:
    """One byte pattern with a group per machine folder (the longest first), and their placeholders."""
    folders = sorted(key, key=lambda item: len(item[0]), reverse=True)
    groups = []
    for path, _ in folders:
        drive, tail = _folder(path)
        groups.append(f"({re.escape(drive[:1])}{tail})" if drive else f"({tail})")
    return re.compile("|".join(groups).encode() or b"(?!)"), [placeholder for _, placeholder in folders]


def redact(body: bytes, paths: Mapping[str, str] | None = None) -> bytes:
    """A body with this machine's folders replaced by placeholders.

    Args:
        body: A request or response body, as recorded.
        paths: ``{path: placeholder}``; ``machine_paths()`` by default.

    Example:
        >>> redact(b'{"error": "/home/me/x.txt exists"}', {"/home/me": "~"})
        b'{"error": "~/x.txt exists"}'
    """
    pattern, placeholders = _redactor(tuple((machine_paths() if paths is None else paths).items()))

    def replace(match: re.Match[bytes]) -> bytes:
        if not _starts_path(body, match.start()):
            return match.group(0)
        return placeholders[(match.lastindex or 1) - 1].encode()

    return pattern.sub(replace, body)


@cache
def _finder(key: tuple[tuple[str, str], ...]) -> Callable[[str], list[str]]:
    """``leak_finder`` for one set of machine folders, compiled once."""
    posix, windows = [f"{_KINDS}{_S}[\\w.@~+\\-]"], [f"{_WINDOWS_KINDS}{_B}[\\w.$ \\-]"]
    for path, _ in sorted(key, key=lambda item: len(item[0]), reverse=True):
        drive, tail = _folder(path)
        (windows if drive else posix).append(tail[len(_B) + 1 :] if drive else tail[len(_S) :])
    # Every alternative starts at a slash or at a drive's colon, where the regex
    # engine skips ahead fast; _starts_path then says whether a path starts there.
    paths = re.compile(f"{_S}(?:{'|'.join(posix)})|:{_B}(?:{'|'.join(windows)})")

    def find(text: str) -> list[str]:
        found = []
        if _SECRET_HINT.search(text) and SECRET.search(text):
            found.append("something that looks like a key or bearer token")
        for match in paths.finditer(text):
            at = match.start()
            if text[at] == ":":  # a Windows path starts at its drive letter
                at -= 1
                if at < 0 or not _DRIVE.match(text, at):
                    continue
            if _starts_path(text, at):
                found.append(f"an absolute path ('{_shorten(text, at)}')")
                break
        return found

    return find


def leak_finder(paths: Mapping[str, str] | None = None) -> Callable[[str], list[str]]:
    """A function saying what in a text must not be in a cassette: a key, an absolute path.

    Each kind is said once per text. Absolute paths are those of the usual kinds
    and those under this machine's folders.

    Args:
        paths: This machine's folders, ``{path: placeholder}``; ``machine_paths()`` by default.

    Example:
        >>> leak_finder({})('{"content": "saved to /home/ann/notes.txt"}')
        ["an absolute path ('/home/ann/…')"]
    """
    return _finder(tuple(sorted((machine_paths() if paths is None else paths).items())))


def _shorten(text: str, at: int) -> str:
    """The path found at ``at``, unescaped and up to its second folder, for the message."""
    head = _PATH_TEXT.match(text, at)
    shown = (head.group(0) if head else "").replace("\\/", "/").replace("\\\\", "\\")
    parts = re.split(r"(?<=[/\\])", shown)
    return "".join(parts[:3]) + ("…" if len(parts) > 3 else "")


def redact_url(url: str) -> str:
    """A URL as it may be shown: no user, no password, no query or fragment values.

    Example:
        >>> redact_url("http://u:p@host:8000/v1?api-key=abc")
        'http://***@host:8000/v1?api-key=***'
    """
    try:
        parts = urlsplit(url)
        netloc = ("***@" if "@" in parts.netloc else "") + parts.netloc.rpartition("@")[2]
        query = "&".join(f"{k}=***" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
        return urlunsplit((parts.scheme, netloc, parts.path, query, "***" if parts.fragment else ""))
    except ValueError:
        return "***"


class Scrubber:
    """Takes a URL's credentials and the providers' keys out of text about to be printed.

    Args:
        url: A base URL given on the command line, if any.
        env: Where the keys are read (``os.environ`` by default).
    """

    def __init__(self, url: str | None = None, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.replace: dict[str, str] = {}
        if url and redact_url(url) != url:
            self.replace[url] = redact_url(url)
            parts = urlsplit(url) if redact_url(url) != "***" else None
            if parts is not None:
                secrets = [parts.username, parts.password, parts.fragment]
                secrets += [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
                self.replace.update({s: "***" for s in secrets if s and len(s) >= 4})
        keys = {env.get(p.key_env, "").strip() for p in PROVIDERS.values() if p.key_env}
        self.replace.update({k: "***" for k in keys if len(k) >= 6})

    def __call__(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in sorted(self.replace, key=len, reverse=True):
            text = text.replace(secret, self.replace[secret])
        return text
