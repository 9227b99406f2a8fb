"""How ``write_file`` (lesson 01) writes inside the workspace, and how it fails.

Where the platform can work relative to an open folder (``dir_fd``,
``O_NOFOLLOW``, ``O_DIRECTORY``: Linux, macOS, the BSDs; ``RACE_FREE`` is then
true), a write is race-free. The workspace is opened once; each folder below it
is opened, or made, through the folder above without following links; the text
goes to a temporary file made in the final folder, is synced, and is renamed
over the target within that folder. A link met on the way is read, never
followed, and its target is walked the same way from the workspace if it stays
inside. So a process that swaps a folder for a link at any moment cannot make a
write, a temporary file or a new folder land outside the workspace. (A process
that moves a whole folder out of the workspace takes along what is in it, as it
would a file written before: that is a move, not a link followed.)

Where it cannot (Windows), the same walk is done by path, and each folder is
checked with ``realpath`` before it is used. That stops links and junctions
present when the call starts, but a folder swapped for a link between a check
and the write could still redirect the write, or its temporary file, outside
and leave it there: the guarantee there is weaker.

Every failure is an ``UnsafeWriteError`` whose message names the file as given
(shortened if long), says what is allowed, and never holds an absolute path. On
failure the temporary file and any folder the call made are removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import reprlib
import secrets
import stat
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ALLOWED = "a relative file name inside the workspace, such as 'mem_ok.txt' or 'logs/mem.txt'"
MAX_LINKS = 40  # as Linux allows in one path
_RETRIES = 8  # looks at one folder that keeps changing, before giving up
# os.replace uses the same renameat as os.rename, which is the one listed.
RACE_FREE = (
    {os.open, os.mkdir, os.stat, os.readlink, os.rename, os.rmdir, os.unlink} <= os.supports_dir_fd
    and hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
)
_OUTSIDE = "through a link, it resolves to a place outside the workspace"
# What the model can be told about an OS error: no path, no locale-dependent text.
_OS_PROBLEMS = {
    getattr(errno, code): problem
    for code, problem in [
        ("EACCES", "permission denied"),
        ("EPERM", "permission denied"),
        ("ENOSPC", "the disk is full"),
        ("EDQUOT", "the disk quota is used up"),
        ("EROFS", "the workspace is on a read-only file system"),
        ("ENOENT", "a folder on its way was removed while it was written"),
    ]
    if hasattr(errno, code)
}
_NAME_PROBLEMS = {
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of it is a file, not a folder",
    errno.ELOOP: "through links, it loops or goes too deep",
    errno.ENAMETOOLONG: "a part of it is too long for this file system",
}


class UnsafeWriteError(ValueError):
    """``write_file`` refused a name or a text, or could not write; nothing was written."""


def shown(value: object, limit: int = 120) -> str:
    """``repr(value)``, cut in the middle if long: a 10 MB name is never echoed whole."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = limit
    return short.repr(value)


def refuse(file_name: object, problem: str) -> UnsafeWriteError:
    """An error that says what was wrong with a name and what is allowed."""
    return UnsafeWriteError(f"write_file refused {shown(file_name)}: {problem}. Allowed: {ALLOWED}.")


def failed(file_name: object, error: Exception, where: str = "") -> UnsafeWriteError:
    """The error for an OS failure (``where`` it happened, if not the name), never with its paths."""
    code = getattr(error, "errno", None)
    if code in _NAME_PROBLEMS and not where:
        return refuse(file_name, _NAME_PROBLEMS[code])
    if code in _OS_PROBLEMS:
        problem = _OS_PROBLEMS[code]
    elif code:
        problem = f"the operating system reported {errno.errorcode.get(code, code)}"
    else:
        problem = f"the operating system could not use the name ({type(error).__name__})"
    problem = f"{where}: {problem}" if where else problem
    return UnsafeWriteError(
        f"write_file could not write {shown(file_name)}: {problem}; nothing was written. Allowed: {ALLOWED}."
    )


def write_inside(workspace: Callable[[], Path], parts: list[str], data: bytes, file_name: str) -> None:
    """Write ``data`` to the checked relative path ``parts`` inside the workspace.

    Args:
        workspace: Returns the workspace folder, fully resolved; its errors are
            reported like the write's.
        parts: The path's components, already checked (no "..", no separators).
        data: The bytes to write.
        file_name: The name as the caller gave it, for messages.

    Raises:
        UnsafeWriteError: The write was refused or failed; nothing is left of it.
    """
    try:
        root = workspace()
    except (OSError, RuntimeError) as error:  # RuntimeError: resolve() meeting a link loop
        raise failed(file_name, error, "the workspace folder cannot be made or opened") from None
    done = False
    walk: _Walk | None = None
    try:
        walk = _Walk(root, file_name)
        walk.write(walk.reach(parts[:-1]), parts[-1], data)
        done = True
    except (OSError, ValueError) as error:
        if isinstance(error, UnsafeWriteError):
            raise
        # "from None": the OS error's text holds absolute paths.
        raise failed(file_name, error) from None
    finally:
        if walk is not None:
            walk.close(undo=not done)


@dataclass(frozen=True)
class _Folder:
    """An open folder (``fd``), or where the fallback finds one (``path``); never shown."""

    fd: int | None
    path: str

    def at(self, name: str) -> str:
        """How to name ``name`` in this folder for an ``os`` call given ``dir_fd=self.fd``."""
        return name if self.fd is not None else os.path.join(self.path, name)


class _Walk:
    """One write: the folders opened and made on the way, closed or removed at the end."""

    def __init__(self, root: Path, file_name: str) -> None:
        self.root, self.file_name, self.race_free = root, file_name, RACE_FREE
        self.opened: list[int] = []
        self.made: list[tuple[_Folder, str]] = []
        # O_NOFOLLOW: root is resolved, so a link there now means a swap since.
        flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
        self.top = self._opened(os.open(root, flags)) if self.race_free else _Folder(None, str(root))

    def _opened(self, fd: int) -> _Folder:
        """``fd`` as a folder, closed with the walk."""
        self.opened.append(fd)
        return _Folder(fd, "")

    def close(self, undo: bool) -> None:
        """Remove the folders made (on failure, and only if still empty), then close the open ones."""
        for folder, name in reversed(self.made if undo else []):
            with contextlib.suppress(OSError):
                os.rmdir(folder.at(name), dir_fd=folder.fd)
        for fd in self.opened:
            os.close(fd)

    def reach(self, parts: list[str]) -> _Folder:
        """The folder ``parts`` names, made if missing, reached as the OS would but never leaving."""
        stack, pending, links = [self.top], deque(parts), 0
        names: list[str] = []  # the path walked so far, for messages
        while pending:
            part = pending.popleft()
            if part in ("", "."):
                continue
            if part == "..":  # only from a link's target: the names were checked
                if len(stack) == 1:
                    raise refuse(self.file_name, _OUTSIDE)
                stack.pop()
                names.pop()
                continue
            names.append(part)
            entered = self._enter(stack[-1], part, "/".join(names))
            if isinstance(entered, _Folder):
                stack.append(entered)
                continue
            names.pop()
            links += 1
            if links > MAX_LINKS:
                raise refuse(self.file_name, _NAME_PROBLEMS[errno.ELOOP])
            if os.path.isabs(entered) or os.path.splitdrive(entered)[0]:
                stack, names = [self.top], []
                entered = self._inside(entered)
            pending.extendleft(reversed(entered.replace("\\", "/").split("/")))
        return stack[-1]

    def _enter(self, folder: _Folder, part: str, where: str) -> _Folder | str:
        """The folder ``part`` below ``folder``, opened or made; or the target if it is a link."""
        for _ in range(_RETRIES):
            entered = self._open(folder, part)
            if entered:
                return entered
            try:
                mode = os.stat(folder.at(part), dir_fd=folder.fd, follow_symlinks=False).st_mode
            except FileNotFoundError:
                self._make(folder, part)
                continue
            if stat.S_ISLNK(mode):
                with contextlib.suppress(OSError):  # gone, or no longer a link
                    return os.readlink(folder.at(part), dir_fd=folder.fd)
            elif not stat.S_ISDIR(mode):
                raise refuse(self.file_name, f"{shown(where)} is a file, not a folder")
            # Otherwise it changed between two looks (a race): look again.
        raise refuse(self.file_name, f"{shown(where)} kept changing while write_file was reaching it")

    def _open(self, folder: _Folder, part: str) -> _Folder | None:
        """The folder ``part`` below ``folder`` if it is a folder now, else None."""
        if not self.race_free:
            with contextlib.suppress(FileNotFoundError):
                path = folder.at(part)
                if stat.S_ISDIR(os.lstat(path).st_mode):
                    self._inside(path)  # a Windows junction looks like a folder
                    return _Folder(None, path)
            return None
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        try:
            return self._opened(os.open(part, flags, dir_fd=folder.fd))
        except OSError as error:
            # Missing, not a folder, or a link (ELOOP; EMLINK on FreeBSD): the caller looks closer.
            if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EMLINK):
                return None
            raise

    def _make(self, folder: _Folder, part: str) -> None:
        """Make the folder ``part`` below ``folder``, unless it appeared meanwhile."""
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder.at(part), dir_fd=folder.fd)
            self.made.append((folder, part))

    def _inside(self, path: str) -> str:
        """Where ``path`` resolves, relative to the workspace; refused if outside it."""
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.root):
            raise refuse(self.file_name, _OUTSIDE)
        return real.relative_to(self.root).as_posix()

    def write(self, folder: _Folder, name: str, data: bytes) -> None:
        """Write ``data`` to a temporary file in ``folder``, then rename it over ``name`` in one step."""
        if not self.race_free:
            self._inside(folder.path)  # the fallback's last check, just before writing
        mode = self._mode(folder, name)
        fd, temp = self._temp(folder, name)
        try:
            with open(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                # The usual mode, not the temporary file's owner-only one.
                os.chmod(f.fileno() if os.chmod in os.supports_fd else folder.at(temp), mode)
            # Replacing the entry also means a hard link is never written through.
            os.replace(folder.at(temp), folder.at(name), src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(folder.at(temp), dir_fd=folder.fd)
            raise

    def _mode(self, folder: _Folder, name: str) -> int:
        """The mode the file should have: its present one, or 0o644; refused if a link or a folder."""
        try:
            mode = os.stat(folder.at(name), dir_fd=folder.fd, follow_symlinks=False).st_mode
        except FileNotFoundError:
            return 0o644
        if stat.S_ISLNK(mode):
            raise refuse(self.file_name, "it is a symbolic link, and write_file does not follow links")
        if stat.S_ISDIR(mode):
            raise refuse(self.file_name, _NAME_PROBLEMS[errno.EISDIR])
        return mode & 0o777

    def _temp(self, folder: _Folder, name: str) -> tuple[int, str]:
        """A new, empty temporary file next to ``name``, and its name."""
        # O_EXCL never opens an existing file or link; O_BINARY keeps Windows from adding "\r".
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            temp = f".{name[:40]}.{secrets.token_hex(4)}.tmp"
            with contextlib.suppress(FileExistsError):
                return os.open(folder.at(temp), flags, 0o600, dir_fd=folder.fd), temp
