"""Replace a lesson's cassettes and notebook together or not at all, even if the process is killed.

No file system renames two files in one step, so ``python -m helpers record``
commits a lesson's new cassettes and notebook through a journal:

1. every new file is written complete into the lesson's scratch folder,
   ``<cassette_dir>/.recording-<stem>/``;
2. a journal, ``commit.json`` in that folder, is written atomically: it names
   the lesson, the cassette folder and the notebook, and each new file with
   its SHA-256. From this moment the commit is decided;
3. each file is installed: copied beside its destination and renamed over it
   (a rename within one folder is atomic, and the copy works across disks);
4. the journal is removed, then the scratch folder.

A kill before step 2 leaves the old files untouched; from step 2 on, the
commit is finished (rolled forward) by ``recover()``, which only the record and
refresh commands call, for the notebooks they were given. Every other reader
of cassettes (``check``, a lesson's ``setup()``, ``eval``, a pytest session)
only calls ``interrupted()``, which writes nothing and names the command that
finishes the commit.

A journal is a plan to overwrite files, so it is trusted only as far as it
says what ``commit`` itself writes (``helpers.recording.journal_trust``): for
this very cassette folder, the lesson's own cassettes and the notebook the
command was given, each staged file still as journalled, no links. Anything
else is refused whole, and nothing is changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from collections.abc import Iterable
from pathlib import Path

from .journal_trust import (
    FORMAT,
    JOURNAL,
    SCRATCH_PREFIX,
    VERSION,
    Journal,
    JournalRefused,
    digest,
    parse_journal,
    read_journal,
)

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


def _verify(journal: Journal) -> list[tuple[Path, Path]]:
    """The installs still to do; raises JournalRefused unless every file is exactly what was journalled."""
    todo = []
    for source, target, sha in journal.installs:
        if target.is_symlink():
            raise JournalRefused(f"{target.name} is a link")
        if os.path.lexists(source):
            if digest(source) != sha:
                raise JournalRefused(f"{source.name} is not the file the journal recorded")
            todo.append((source, target))
        elif not target.exists() or digest(target) != sha:
            raise JournalRefused(f"{source.name} is gone, and {target.name} does not hold it")
    return todo


def _install(source: Path, target: Path) -> None:
    """Put ``source`` in place of ``target``, atomically, then remove ``source``."""
    temp = target.with_name(f".{target.name}.installing")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()  # left by a kill, or planted as a link: copying must not follow it
    shutil.copyfile(source, temp)
    _fsync(temp)
    os.replace(temp, target)
    _fsync(target.parent)
    source.unlink()


def _finish(folder: Path, journal: Journal) -> None:
    """Carry out a checked journal (idempotent), then remove it and the scratch folder."""
    todo = _verify(journal)  # all checked before anything is installed
    done = len(journal.installs) - len(todo)
    for i, (source, target) in enumerate(todo, done + 1):
        _install(source, target)
        crash_point(f"installed-{i}")
    (folder / JOURNAL).unlink(missing_ok=True)
    crash_point("cleaned")
    shutil.rmtree(folder, ignore_errors=True)


def commit(folder: Path, installs: Iterable[tuple[Path, Path]]) -> None:
    """Install new files from a scratch folder in place of old ones, all or none.

    Args:
        folder: The lesson's scratch folder, ``<cassette_dir>/.recording-<stem>``.
        installs: ``(source, target)`` pairs, in the order to install them: each
            source a file in ``folder``, written complete; each target the
            cassette of the same name in ``folder``'s parent, or the lesson's notebook.

    Raises:
        JournalRefused: A pair is one that recovery would refuse; nothing was changed.
    """
    pairs = [(Path(s), Path(t)) for s, t in installs]
    notebooks = [t.resolve() for _, t in pairs if t.suffix == ".ipynb"]
    data = {
        "format": FORMAT,
        "version": VERSION,
        "lesson": folder.name.removeprefix(SCRATCH_PREFIX),
        "cassette_dir": str(folder.parent.resolve()),
        "notebook": str(notebooks[0]) if notebooks else None,
        "files": [],
    }
    for source, target in pairs:
        expected = notebooks[0] if target.suffix == ".ipynb" else folder.parent.resolve() / source.name
        if source.parent != folder or target.resolve() != expected:
            raise JournalRefused(f"{source} cannot be installed as {target}")
        _fsync(source)
        data["files"].append({"name": source.name, "sha256": digest(source)})
    journal = parse_journal(folder, data)  # never write a journal that recovery would refuse
    crash_point("staged")
    temp = folder / f"{JOURNAL}.tmp"
    temp.write_text(json.dumps(data), encoding="utf-8")
    _fsync(temp)
    os.replace(temp, folder / JOURNAL)
    _fsync(folder)
    crash_point("journalled")
    _finish(folder, journal)


def discard(folder: Path) -> None:
    """Remove a scratch folder, unless a journal says its files must be installed."""
    if folder.is_symlink():
        folder.unlink()  # never follow it: the link alone goes
    elif not os.path.lexists(folder / JOURNAL):
        shutil.rmtree(folder, ignore_errors=True)


def _journalled(cassette_dir: Path, lessons: Iterable[str] | None) -> list[Path]:
    """The scratch folders in a cassette folder that hold a journal (by name; nothing is followed)."""
    if lessons is not None:
        folders = [Path(cassette_dir) / f"{SCRATCH_PREFIX}{lesson}" for lesson in lessons]
    elif Path(cassette_dir).is_dir():
        folders = sorted(p for p in Path(cassette_dir).iterdir() if p.name.startswith(SCRATCH_PREFIX))
    else:
        folders = []
    return [folder for folder in folders if os.path.lexists(folder / JOURNAL)]


def _shown(path: Path) -> str:
    """A path as a command line would name it: relative to the current folder where it is inside it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd().resolve()))
    return str(path)


def _refused(folder: Path, err: Exception) -> str:
    return (
        f"{folder}: a recording journal that cannot be trusted ({err}); nothing was changed. "
        "If no recording of yours was stopped there, delete that folder"
    )


def interrupted(cassette_dir: Path, lessons: Iterable[str] | None = None) -> list[str]:
    """Say which recordings a kill interrupted in this folder; write nothing.

    Args:
        cassette_dir: The cassette folder, whose ``.recording-*`` scratch
            folders may hold a journal.
        lessons: Only these lessons' scratch folders (every one by default).

    Returns:
        One line for each journal: the command that finishes it, or why it is not trusted.
    """
    said = []
    for folder in _journalled(cassette_dir, lessons):
        try:
            journal = read_journal(folder)
            _verify(journal)  # reads only: every staged file still as journalled
        except (OSError, JournalRefused) as err:
            said.append(_refused(folder, err))
            continue
        said.append(
            f"the recording of {journal.lesson} was stopped while it replaced its files; "
            f"finish it with: python -m helpers refresh {_shown(journal.notebook)}"
        )
    return said


def recover(cassette_dir: Path, notebooks: Iterable[Path]) -> list[str]:
    """Finish the commits a kill interrupted for these notebooks (roll forward); others are only reported.

    Args:
        cassette_dir: The cassette folder, whose ``.recording-*`` scratch
            folders may hold a journal.
        notebooks: The notebooks the record or refresh command was given: only
            their journals are carried out.

    Returns:
        One line for each journal: finished, not finished and why, or left for another command.
    """
    named = {Path(n).resolve() for n in notebooks}
    said = []
    for folder in _journalled(cassette_dir, None):
        try:
            journal = read_journal(folder)
        except (OSError, JournalRefused) as err:
            said.append(_refused(folder, err))
            continue
        if journal.notebook not in named:
            said += interrupted(cassette_dir, [journal.lesson])
            continue
        try:
            _finish(folder, journal)
        except JournalRefused as err:
            said.append(_refused(folder, err))
        except OSError as err:
            if os.path.lexists(folder / JOURNAL):  # else another process finished it meanwhile
                said.append(f"could not finish the interrupted recording of {journal.lesson}: {err}")
        else:
            said.append(f"finished the interrupted recording of {journal.lesson}")
    return said
