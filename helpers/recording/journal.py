"""Replace several files together or not at all, even if the process is killed.

No file system renames two files in one step, so ``python -m helpers record``
commits a lesson's new cassettes and notebook through a journal:

1. every new file is written complete into the lesson's scratch folder,
   ``<cassette_dir>/.recording-<stem>/``;
2. a journal, ``commit.json`` in that folder, is written atomically: it lists
   each new file and the path it replaces. From this moment the commit is
   decided;
3. each file is installed: copied beside its destination and renamed over it
   (a rename within one folder is atomic, and the copy works across disks);
4. the journal is removed, then the scratch folder.

A kill before step 2 leaves the old files untouched; from step 2 on,
``recover()`` finishes the commit (it rolls forward). Installing is
idempotent, so a commit killed during recovery is simply finished by the next
one. Every entry point that reads cassettes calls ``recover()`` first: the
record, refresh and check commands, a pytest session, and a lesson's
``setup()`` in replay. A scratch folder without a journal is a recording in
progress or one that was abandoned; either way it changes nothing that is
read, and recording that lesson again clears it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from collections.abc import Iterable
from pathlib import Path

JOURNAL = "commit.json"
CRASH_AT = "LESSONS_RECORD_CRASH_AT"


def crash_point(step: str) -> None:
    """Test hook: kill this process here (SIGKILL) when ``LESSONS_RECORD_CRASH_AT`` names ``step``.

    The steps, in order: ``recorded`` (after the recording run), ``staged``
    (every new file in the scratch folder, no journal yet), ``journalled``,
    ``installed-1``, ``installed-2``... (after each file installed), and
    ``cleaned`` (journal removed, scratch folder not yet).
    """
    if os.environ.get(CRASH_AT) == step:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk (folders: where the platform allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _install(source: Path, target: Path) -> None:
    """Put ``source`` in place of ``target``; a no-op once done."""
    if not source.exists():
        return  # installed by an earlier, interrupted attempt
    temp = target.with_name(f".{target.name}.installing")
    shutil.copyfile(source, temp)
    _fsync(temp)
    os.replace(temp, target)
    _fsync(target.parent)
    source.unlink()


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` where possible, so a moved project still recovers."""
    try:
        return os.path.relpath(path, start)
    except ValueError:  # another drive, on Windows
        return str(path.resolve())


def commit(folder: Path, installs: Iterable[tuple[Path, Path]]) -> None:
    """Install new files from a scratch folder in place of old ones, all or none.

    Args:
        folder: The scratch folder; every source is a file in it, written complete.
        installs: ``(source, target)`` pairs, in the order to install them.
    """
    pairs = [(Path(s), Path(t)) for s, t in installs]
    for source, _ in pairs:
        _fsync(source)
    crash_point("staged")
    entries = [[source.name, _relative(target, folder)] for source, target in pairs]
    temp = folder / f"{JOURNAL}.tmp"
    temp.write_text(json.dumps({"install": entries}), encoding="utf-8")
    _fsync(temp)
    os.replace(temp, folder / JOURNAL)
    _fsync(folder)
    crash_point("journalled")
    _finish(folder)


def _finish(folder: Path) -> None:
    """Carry out a written journal, then remove it and the scratch folder."""
    entries = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))["install"]
    for i, (source, target) in enumerate(entries, 1):
        _install(folder / source, folder / target)
        crash_point(f"installed-{i}")
    (folder / JOURNAL).unlink(missing_ok=True)
    crash_point("cleaned")
    shutil.rmtree(folder, ignore_errors=True)


def discard(folder: Path) -> None:
    """Remove a scratch folder, unless a journal says its files must be installed."""
    if not (folder / JOURNAL).exists():
        shutil.rmtree(folder, ignore_errors=True)


def recover(cassette_dir: Path) -> list[str]:
    """Finish every commit a kill interrupted in this folder (roll forward).

    Args:
        cassette_dir: The cassette folder, whose ``.recording-*`` scratch
            folders may hold a journal.

    Returns:
        One line for each commit finished, or that could not be finished.
    """
    said: list[str] = []
    if not Path(cassette_dir).is_dir():
        return said
    for journal in sorted(Path(cassette_dir).glob(f".recording-*/{JOURNAL}")):
        stem = journal.parent.name.removeprefix(".recording-")
        try:
            _finish(journal.parent)
        except (OSError, ValueError, KeyError, TypeError) as err:
            if journal.exists():  # else another process finished it meanwhile
                said.append(f"could not finish the interrupted recording of {stem}: {err}")
        else:
            said.append(f"finished the interrupted recording of {stem}")
    return said
