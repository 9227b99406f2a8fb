"""Tests for helpers.tools.sandbox: how write_file fails, links inside, and a folder swapped mid-write."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_machine import link, listing, make_workspace

from helpers.tools import sandbox
from helpers.tools.machine import UnsafeWriteError, write_file

ALLOWED = "Allowed: a relative file name inside the workspace, such as 'mem_ok.txt' or 'logs/mem.txt'."
# An absolute path, POSIX or Windows, starting a word or a quoted name.
ABSOLUTE = re.compile(r"(^|[\s'\"(=])(/|[A-Za-z]:\\)")


@pytest.fixture(params=["race-free", "fallback"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace, written to through open folders, then by path as on Windows."""
    return make_workspace(request.param, tmp_path, monkeypatch)


def refusal(name: object, text: object = "text") -> str:
    """The message of the UnsafeWriteError that write_file raises, checked to hold no path."""
    with pytest.raises(UnsafeWriteError) as info:
        write_file(name, text)  # type: ignore[arg-type]
    message = str(info.value)
    assert isinstance(info.value, ValueError)  # the dispatcher catches ValueError
    assert not ABSOLUTE.search(message), message
    assert len(message) < 500
    # Not chained to an OSError, whose text and filename hold absolute paths.
    assert info.value.__cause__ is None and (info.value.__suppress_context__ or not info.value.__context__)
    return message


def test_a_10_mb_name_is_refused_at_once_and_shown_cut(ws: Path) -> None:
    start = time.perf_counter()
    message = refusal("a" * 10_000_000)
    assert time.perf_counter() - start < 0.5
    shown = "'" + "a" * 57 + "..." + "a" * 58 + "'"
    assert message == (
        f"write_file refused {shown}: the name is 10000000 characters long; "
        f"at most 1024 are allowed. {ALLOWED}"
    )


def test_a_part_longer_than_file_systems_allow_is_refused(ws: Path) -> None:
    name = "logs/" + "é" * 128  # 256 bytes in UTF-8
    part = "'" + "é" * 17 + "..." + "é" * 18 + "'"
    assert refusal(name) == (
        f"write_file refused 'logs/{'é' * 52}...{'é' * 58}': "
        f"{part} is 256 bytes long in UTF-8; at most 255 are allowed. {ALLOWED}"
    )
    assert not ws.exists()


def test_a_lone_surrogate_in_a_name_is_refused(ws: Path) -> None:
    assert refusal("mem\ud800.txt") == (
        "write_file refused 'mem\\ud800.txt': the name contains a lone surrogate, "
        f"which no file system can store. {ALLOWED}"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("logs/mem.txt", "'logs/mem.txt': 'logs' is a file, not a folder."),
        ("logs/new/mem.txt", "'logs/new/mem.txt': 'logs' is a file, not a folder."),
        ("sub/logs/mem.txt", "'sub/logs/mem.txt': 'sub/logs' is a file, not a folder."),
    ],
)
def test_a_file_where_a_folder_is_needed_is_refused(ws: Path, name: str, expected: str) -> None:
    (ws / "sub").mkdir(parents=True)
    (ws / "logs").write_text("a file", encoding="utf-8")
    (ws / "sub" / "logs").write_text("a file", encoding="utf-8")
    assert refusal(name) == f"write_file refused {expected} {ALLOWED}"
    assert listing(ws) == ["logs", "sub", "sub/logs"]


# What the OS says (with an absolute path in it), and what the model is told.
OS_ERRORS = [
    ("mkdir", "ENAMETOOLONG", "refused", "a part of it is too long for this file system"),
    ("mkdir", "EACCES", "could not write", "permission denied"),
    ("replace", "ENOENT", "could not write", "a folder on its way was removed while it was written"),
    ("fsync", "ENOSPC", "could not write", "the disk is full"),
    ("fsync", "EDQUOT", "could not write", "the disk quota is used up"),
    ("replace", "EROFS", "could not write", "the workspace is on a read-only file system"),
    ("replace", "EISDIR", "refused", "it is a folder, not a file"),
    ("replace", "ELOOP", "refused", "through links, it loops or goes too deep"),
    ("replace", "EIO", "could not write", "the operating system reported EIO"),
]


@pytest.mark.parametrize(("function", "code", "verb", "problem"), OS_ERRORS, ids=[e[1] for e in OS_ERRORS])
def test_an_os_error_becomes_one_error_without_paths_and_leaves_nothing(
    ws: Path, monkeypatch: pytest.MonkeyPatch, function: str, code: str, verb: str, problem: str
) -> None:
    number = getattr(errno, code, None)
    if number is None:
        pytest.skip(f"no {code} on this platform")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number), str(ws / "logs" / "mem.txt"))

    ws.mkdir()
    monkeypatch.setattr(sandbox.os, function, fail)
    end = "; nothing was written." if verb == "could not write" else "."
    assert refusal("logs/mem.txt") == f"write_file {verb} 'logs/mem.txt': {problem}{end} {ALLOWED}"
    assert listing(ws) == []  # no file, no temporary file, no folder made for it


def test_write_file_removes_its_temp_file_when_interrupted(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_file("logs/mem_ok.txt", "text")
    assert listing(ws) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="POSIX modes, which root ignores")
def test_a_folder_without_write_permission_is_reported(ws: Path) -> None:
    (ws / "locked").mkdir(parents=True)
    (ws / "locked").chmod(0o500)
    try:
        assert refusal("locked/new/mem.txt") == (
            "write_file could not write 'locked/new/mem.txt': permission denied; "
            f"nothing was written. {ALLOWED}"
        )
    finally:
        (ws / "locked").chmod(0o700)
    assert listing(ws) == ["locked"]


def test_a_workspace_that_cannot_be_made_is_reported(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.write_text("a file, not a folder", encoding="utf-8")
    assert refusal("mem_ok.txt") == (
        "write_file could not write 'mem_ok.txt': the workspace folder cannot be made or opened: "
        f"the operating system reported EEXIST; nothing was written. {ALLOWED}"
    )


def test_a_loop_of_links_is_refused(ws: Path) -> None:
    ws.mkdir()
    link(ws / "a", Path("b"))
    link(ws / "b", Path("a"))
    assert refusal("a/mem.txt") == (
        f"write_file refused 'a/mem.txt': through links, it loops or goes too deep. {ALLOWED}"
    )
    assert refusal("a") == (
        f"write_file refused 'a': it is a symbolic link, and write_file does not follow links. {ALLOWED}"
    )


@pytest.mark.parametrize(
    ("at", "target", "name"),
    [("up", "../outside", "up/x.txt"), ("real/up", "../../outside", "real/up/new/x.txt")],
)
def test_a_relative_link_out_is_refused(ws: Path, tmp_path: Path, at: str, target: str, name: str) -> None:
    (ws / "real").mkdir(parents=True)
    link(ws / at, Path(target))
    assert refusal(name) == (
        f"write_file refused {name!r}: through a link, it resolves to a place outside the workspace. "
        + ALLOWED
    )
    assert listing(tmp_path / "outside") == []


def test_relative_links_that_stay_inside_are_followed_as_the_os_would(ws: Path) -> None:
    (ws / "real" / "sub").mkdir(parents=True)
    link(ws / "alias", Path("real"))
    link(ws / "again", Path("alias"))
    link(ws / "real" / "parent", Path(".."))
    write_file("again/sub/a.txt", "a")
    write_file("real/parent/real/b.txt", "b")
    assert (ws / "real" / "sub" / "a.txt").read_text(encoding="utf-8") == "a"
    assert (ws / "real" / "b.txt").read_text(encoding="utf-8") == "b"


NAME_PIECES = ["a", "é", ".", "..", "/", "\\", "link", "CON", " ", ":", "\x00", "\ud800", "x" * 130]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(NAME_PIECES), max_size=8).map("".join))
def test_any_name_is_written_inside_or_refused_without_a_path(ws: Path, tmp_path: Path, name: str) -> None:
    ws.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):  # made once; Windows may not allow it
        (ws / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    try:
        write_file(name, "text")
    except UnsafeWriteError as error:
        # The model's own name may be absolute; the workspace's path is never shown.
        assert str(tmp_path) not in str(error) and len(str(error)) < 500
    assert listing(tmp_path / "outside") == []


@dataclass
class Race:
    """What happened while a folder was swapped for a link to a folder outside."""

    attempted: int = 0
    refused: int = 0
    written: list[str] = field(default_factory=list)
    swaps: int = 0


def swap(root: Path, outside: Path, stop: threading.Event, race: Race) -> None:
    """Swap root/d between a real folder (parked inside when away) and a link to ``outside``."""
    folder = root / "d"
    while not stop.is_set():
        race.swaps += 1
        parked = root / f".parked{race.swaps}"
        with contextlib.suppress(OSError):
            os.rename(folder, parked)
        with contextlib.suppress(OSError):
            os.symlink(outside, folder, target_is_directory=True)
        with contextlib.suppress(OSError):
            if folder.is_symlink():
                os.unlink(folder)
        with contextlib.suppress(OSError):
            os.rename(parked, folder)


def run_race(root: Path, outside: Path, seconds: float) -> Race:
    """Write into root/d and root/d/sub for ``seconds`` while another thread swaps d."""
    race, stop = Race(), threading.Event()
    (root / "d").mkdir(parents=True)
    swapper = threading.Thread(target=swap, args=(root, outside, stop, race), daemon=True)
    swapper.start()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            name = f"d/{'sub/' * (race.attempted % 2)}w{race.attempted}.txt"
            race.attempted += 1
            try:
                write_file(name, name)
            except UnsafeWriteError:
                race.refused += 1
            else:
                race.written.append(name.rsplit("/", 1)[-1])
    finally:
        stop.set()
        swapper.join()
    return race


def files_below(folder: Path) -> list[str]:
    """The names of all files below ``folder``, links not followed."""
    return sorted(name for _, _, names in os.walk(folder) for name in names)


@pytest.mark.skipif(not sandbox.RACE_FREE, reason="only a dir_fd walk is race-free; Windows has none")
def test_a_folder_swapped_for_a_link_never_gets_a_write_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "workspace", tmp_path / "outside"
    outside.mkdir()
    monkeypatch.setenv("LESSONS_WORKDIR", str(root))
    race = run_race(root, outside, seconds=1.5)
    # Whatever the interleaving: nothing outside (no file, no temporary file, no
    # folder), every write that succeeded is inside, and no temporary file is left.
    assert files_below(outside) == [] and listing(outside) == []
    inside = files_below(root)
    assert set(race.written) <= set(inside)
    assert [name for name in inside if name.endswith(".tmp")] == []
    assert race.attempted == race.refused + len(race.written) > 0
