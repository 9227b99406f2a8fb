"""Whether a recording journal may be trusted: it says only what ``journal.commit`` writes.

A journal is a plan to overwrite files, and a scratch folder can come from
anywhere (a copied or downloaded cassette folder), so ``read_journal`` accepts
one only when it is a small regular file in this project's format, written
for this very cassette folder (resolved), naming the lesson's own cassettes
(``<stem>.yaml``, ``<stem>.<session>.yaml``) and its notebook (``<stem>.ipynb``,
an absolute resolved path in a folder beside the cassette folder, as
``notebooks/`` is beside ``cassettes/``), each with the SHA-256 of the staged file. Every
read is bounded in bytes and follows no link.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

JOURNAL = "commit.json"
SCRATCH_PREFIX = ".recording-"
FORMAT = "helpers-recording-journal"
VERSION = 1
MAX_JOURNAL_BYTES = 64 * 1024  # a journal names a few files: anything larger was not written here
MAX_FILE_BYTES = 256 * 1024 * 1024  # the largest cassette or notebook recovery will hash
MAX_FILES = 100
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


class JournalRefused(ValueError):
    """A journal this project would not have written, or one that names a file it may not install."""


@dataclass(frozen=True)
class Journal:
    """A checked journal: the lesson, its notebook, and each staged file with where it goes."""

    lesson: str
    notebook: Path
    installs: tuple[tuple[Path, Path, str], ...]  # (staged file, target, sha256)


def _open_regular(path: Path) -> int:
    """A read-only descriptor of a regular file that is not a link; raises JournalRefused otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise JournalRefused(f"{path.name} cannot be opened ({err.strerror or err})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode) or path.is_symlink():
        os.close(fd)
        raise JournalRefused(f"{path.name} is not a regular file")
    return fd


def _read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; raises JournalRefused when it holds more."""
    with os.fdopen(_open_regular(path), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise JournalRefused(f"{path.name} is larger than {limit} bytes")
    return data


def digest(path: Path) -> str:
    """The SHA-256 of a regular file of at most ``MAX_FILE_BYTES``, read in chunks."""
    sha, size = hashlib.sha256(), 0
    with os.fdopen(_open_regular(path), "rb") as f:
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise JournalRefused(f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
            sha.update(chunk)
    return sha.hexdigest()


def _plain_name(name: object, lesson: str) -> str:
    """A staged file's name, if it is one the record command writes for this lesson."""
    if not isinstance(name, str) or name != Path(name).name or any(c in name for c in "/\\:\0"):
        raise JournalRefused(f"file name {name!r} is not a plain file name")
    if not (name == f"{lesson}.ipynb" or (name.startswith(f"{lesson}.") and name.endswith(".yaml"))):
        raise JournalRefused(f"{name!r} is neither a cassette nor the notebook of lesson {lesson!r}")
    return name


def parse_journal(folder: Path, data: object) -> Journal:
    """Check a journal's content against what ``commit`` writes for ``folder``."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise JournalRefused(f"it is not a {FORMAT} version {VERSION} file")
    lesson, cassette_dir = folder.name.removeprefix(SCRATCH_PREFIX), folder.parent.resolve()
    if data.get("lesson") != lesson or not lesson:
        raise JournalRefused(f"it names lesson {data.get('lesson')!r}, not {lesson!r}")
    if data.get("cassette_dir") != str(cassette_dir):
        raise JournalRefused(f"it was written for another folder, {str(data.get('cassette_dir'))[:200]!r}")
    notebook = data.get("notebook")
    if not isinstance(notebook, str) or not Path(notebook).is_absolute():
        raise JournalRefused("its notebook is not an absolute path")
    notebook_path = Path(notebook)
    if notebook_path.name != f"{lesson}.ipynb" or notebook_path != notebook_path.resolve():
        raise JournalRefused(f"its notebook {notebook[:200]!r} is not {lesson}.ipynb, resolved")
    if notebook_path.parent.parent != cassette_dir.parent:  # as notebooks/ sits beside cassettes/
        raise JournalRefused(
            f"its notebook {notebook[:200]!r} is not in a folder beside {cassette_dir.name}/"
        )
    files = data.get("files")
    if not isinstance(files, list) or not 0 < len(files) <= MAX_FILES:
        raise JournalRefused(f"its files are not a list of 1 to {MAX_FILES} entries")
    installs = []
    for entry in files:
        if not isinstance(entry, dict) or not _SHA256.fullmatch(str(entry.get("sha256"))):
            raise JournalRefused("a file entry has no name and SHA-256")
        name = _plain_name(entry.get("name"), lesson)
        target = notebook_path if name.endswith(".ipynb") else cassette_dir / name
        installs.append((folder / name, target, entry["sha256"]))
    names = [source.name for source, _, _ in installs]
    if len(set(names)) != len(names) or f"{lesson}.ipynb" not in names:
        raise JournalRefused("it names a file twice, or not the lesson's notebook")
    return Journal(lesson, notebook_path, tuple(installs))


def read_journal(folder: Path) -> Journal:
    """Read and check the journal in a scratch folder; raises JournalRefused when it is not trusted."""
    if folder.is_symlink() or not folder.is_dir():
        raise JournalRefused(f"{folder.name} is a link or not a folder")
    raw = _read_bounded(folder / JOURNAL, MAX_JOURNAL_BYTES)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise JournalRefused(f"{JOURNAL} is not JSON") from None
    return parse_journal(folder, data)
