"""Tests for helpers.tools.machine: the memory tool, and write_file's refusals."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import docstring_parser
import pytest

from helpers.tools import sandbox
from helpers.tools.machine import (
    MAX_BYTES,
    UnsafeWriteError,
    get_memory_info,
    memory_percent,
    workspace,
    write_file,
)
from helpers.tools.tape import Tape, is_observation, use_tape

# The article's own run (a Windows machine, where free equals available).
ARTICLE = {"total": 34219794432, "available": 12072124416, "used": 22147670016, "free": 12072124416}


def make_workspace(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace, with an 'outside' folder next to it, written to the ``mode`` way."""
    if mode == "race-free" and not sandbox.RACE_FREE:
        pytest.skip("no dir_fd here: only the fallback runs on this platform")
    monkeypatch.setattr(sandbox, "RACE_FREE", mode == "race-free")
    root = tmp_path / "workspace"
    (tmp_path / "outside").mkdir()
    monkeypatch.setenv("LESSONS_WORKDIR", str(root))
    return root


@pytest.fixture(params=["race-free", "fallback"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace, written to through open folders, then by path as on Windows."""
    return make_workspace(request.param, tmp_path, monkeypatch)


def link(path: Path, target: Path) -> None:
    """Make path a symbolic link to target, or skip where links need privileges (Windows)."""
    try:
        path.symlink_to(target, target_is_directory=target.is_dir())
    except OSError as err:
        pytest.skip(f"cannot create symbolic links here: {err}")


def listing(root: Path) -> list[str]:
    """Every path below root, relative, sorted (links are listed, not followed)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_get_memory_info_gives_four_int_byte_counts() -> None:
    text = get_memory_info()
    info = json.loads(text)
    assert list(info) == ["total", "available", "used", "free"]
    assert all(type(v) is int and v >= 0 for v in info.values())
    assert info["total"] >= info["available"]
    # The article's format: json.dumps with its default separators.
    assert text == json.dumps(info)


def test_get_memory_info_is_an_observation_replayed_from_the_tape() -> None:
    recorded = json.dumps(ARTICLE)
    assert is_observation(get_memory_info)
    use_tape(Tape("replay", {"get_memory_info": [recorded]}))
    try:
        assert get_memory_info() == recorded
    finally:
        use_tape(None)


def test_article_format_is_byte_for_byte() -> None:
    assert json.dumps(ARTICLE) == (
        '{"total": 34219794432, "available": 12072124416, "used": 22147670016, "free": 12072124416}'
    )


@pytest.mark.parametrize("info", [json.dumps(ARTICLE), ARTICLE])
def test_memory_percent_of_the_article_run(info: str | dict[str, int]) -> None:
    # The model claimed 64.75%; the arithmetic says otherwise.
    assert memory_percent(info) == 64.72


def test_memory_percent_is_rounded_to_two_decimals() -> None:
    assert memory_percent({"total": 3, "available": 1}) == 66.67
    assert memory_percent({"total": 8, "available": 8}) == 0.0


def test_memory_percent_refuses_a_zero_total() -> None:
    with pytest.raises(ValueError, match="total must be positive"):
        memory_percent({"total": 0, "available": 0})


def test_workspace_is_read_at_call_time_and_created(ws: Path, tmp_path: Path) -> None:
    assert not ws.exists()
    assert workspace() == ws.resolve()
    assert ws.is_dir()


def test_workspace_follows_a_changed_variable(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    monkeypatch.setenv("LESSONS_WORKDIR", str(other))
    assert workspace() == other.resolve()


def test_write_file_writes_utf8_text_exactly(ws: Path) -> None:
    text = "内存使用率：64.72%\n第二行\r\nend"
    assert write_file("mem_ok.txt", text) is None
    assert (ws / "mem_ok.txt").read_bytes() == text.encode("utf-8")
    assert listing(ws) == ["mem_ok.txt"]


def test_write_file_creates_subfolders_inside_the_workspace(ws: Path) -> None:
    write_file("logs/2024/mem.txt", "ok\n")
    assert (ws / "logs" / "2024" / "mem.txt").read_text(encoding="utf-8") == "ok\n"
    assert listing(ws) == ["logs", "logs/2024", "logs/2024/mem.txt"]


def test_write_file_accepts_backslashes_and_dot_components(ws: Path) -> None:
    write_file("logs\\mem.txt", "a")
    write_file("./logs//other.txt", "b")
    assert listing(ws) == ["logs", "logs/mem.txt", "logs/other.txt"]


def test_write_file_overwrites(ws: Path) -> None:
    write_file("mem_high.txt", "first, and longer")
    write_file("mem_high.txt", "second")
    assert (ws / "mem_high.txt").read_text(encoding="utf-8") == "second"
    assert listing(ws) == ["mem_high.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_write_file_gives_new_files_the_usual_mode(ws: Path) -> None:
    write_file("mem_ok.txt", "ok")
    assert (ws / "mem_ok.txt").stat().st_mode & 0o777 == 0o644


BAD_NAMES = {
    "empty": ("", "the name is empty"),
    "blank": ("   ", "the name is empty"),
    "posix absolute": ("/tmp/x.txt", "absolute paths"),
    "windows absolute": ("C:\\x.txt", "absolute paths"),
    "windows absolute forward slash": ("C:/x.txt", "absolute paths"),
    "drive relative": ("C:x.txt", "absolute paths"),
    "unc": ("\\\\server\\share\\x.txt", "absolute paths"),
    "leading backslash": ("\\x.txt", "absolute paths"),
    "parent": ("../x.txt", "'..' would leave"),
    "parent in the middle": ("logs/../../x.txt", "'..' would leave"),
    "parent with backslash": ("logs\\..\\..\\x.txt", "'..' would leave"),
    "bare parent": ("..", "'..' would leave"),
    "nul": ("mem\x00.txt", "control character"),
    "newline": ("mem\n.txt", "control character"),
    "escape": ("mem\x1b[31m.txt", "control character"),
    "del": ("mem\x7f.txt", "control character"),
    "right-to-left override": ("report\u202etxt.exe", "U+202E, which makes it read differently"),
    "left-to-right isolate": ("mem\u2066.txt", "U+2066"),
    "reserved con": ("CON", "reserved device name"),
    "reserved nul lower with extension": ("nul.txt", "reserved device name"),
    "reserved com1": ("COM1.log", "reserved device name"),
    "reserved lpt1": ("lpt1", "reserved device name"),
    "reserved aux folder": ("aux/x.txt", "reserved device name"),
    "stream": ("mem.txt:hidden", "Windows forbids"),
    "wildcard": ("mem?.txt", "Windows forbids"),
    "trailing dot": ("mem.txt.", "ends with a dot or a space"),
    "trailing space": ("mem.txt ", "ends with a dot or a space"),
    "trailing separator": ("logs/", "names no file"),
    "only dots": ("./.", "no file name"),
}


@pytest.mark.parametrize(("name", "problem"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_write_file_refuses_unsafe_names(ws: Path, tmp_path: Path, name: str, problem: str) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(UnsafeWriteError, match="Allowed: a relative file name") as info:
        write_file(name, "text")
    assert problem in str(info.value)
    assert repr(name) in str(info.value)
    # Nothing at all was created: not the workspace, and nothing next to it.
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert listing(tmp_path / "outside") == []


def test_write_file_refuses_a_name_that_is_not_a_string(ws: Path) -> None:
    with pytest.raises(UnsafeWriteError, match="must be a string, not NoneType"):
        write_file(None, "text")  # type: ignore[arg-type]
    assert not ws.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "it must be a string, not NoneType"),
        (b"bytes", "it must be a string, not bytes"),
        ({"a": 1}, "it must be a string, not dict"),
        ("lone \ud800 surrogate", "it is not valid Unicode"),
        ("x" * (MAX_BYTES + 1), f"it is {MAX_BYTES + 1} bytes in UTF-8; at most {MAX_BYTES}"),
        # Counted in UTF-8 bytes, not characters: 3 bytes each.
        ("内" * (MAX_BYTES // 3 + 1), f"it is {MAX_BYTES // 3 * 3 + 3} bytes"),
    ],
    ids=["none", "bytes", "dict", "surrogate", "too large", "too large in utf8"],
)
def test_write_file_refuses_bad_text(ws: Path, text: object, problem: str) -> None:
    with pytest.raises(UnsafeWriteError, match="write_file refused the text") as info:
        write_file("mem_ok.txt", text)  # type: ignore[arg-type]
    assert problem in str(info.value)
    assert not ws.exists()


def test_write_file_accepts_exactly_max_bytes(ws: Path) -> None:
    write_file("big.txt", "x" * MAX_BYTES)
    assert (ws / "big.txt").stat().st_size == MAX_BYTES


def test_write_file_refuses_a_folder_target(ws: Path) -> None:
    (ws / "logs").mkdir(parents=True)
    with pytest.raises(UnsafeWriteError, match="it is a folder, not a file"):
        write_file("logs", "text")
    assert listing(ws) == ["logs"]


def test_write_file_refuses_an_escape_through_a_linked_subfolder(ws: Path, tmp_path: Path) -> None:
    ws.mkdir()
    link(ws / "link", tmp_path / "outside")
    for name in ("link/x.txt", "link/new/sub/x.txt"):
        with pytest.raises(UnsafeWriteError, match="resolves to a place outside the workspace"):
            write_file(name, "text")
    # Neither the file nor the folders below the link were made outside.
    assert listing(tmp_path / "outside") == []
    assert listing(ws) == ["link"]


def test_write_file_refuses_a_planted_link_to_a_file_outside(ws: Path, tmp_path: Path) -> None:
    ws.mkdir()
    outside = tmp_path / "outside" / "secret.txt"
    outside.write_text("keep me", encoding="utf-8")
    link(ws / "mem_ok.txt", outside)
    with pytest.raises(UnsafeWriteError, match="it is a symbolic link"):
        write_file("mem_ok.txt", "overwritten")
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert listing(ws) == ["mem_ok.txt"]


def test_write_file_refuses_a_dangling_link(ws: Path, tmp_path: Path) -> None:
    ws.mkdir()
    missing = tmp_path / "outside" / "new.txt"
    link(ws / "mem_ok.txt", missing)
    with pytest.raises(UnsafeWriteError, match="it is a symbolic link"):
        write_file("mem_ok.txt", "text")
    assert not missing.exists()


def test_write_file_allows_a_link_to_a_folder_inside(ws: Path) -> None:
    (ws / "real").mkdir(parents=True)
    link(ws / "alias", ws / "real")
    write_file("alias/mem.txt", "ok")
    assert (ws / "real" / "mem.txt").read_text(encoding="utf-8") == "ok"


def test_write_file_is_atomic_when_the_replace_fails(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file("mem_ok.txt", "old content")

    def fail(src: str, dst: str, **dir_fds: int | None) -> None:
        raise OSError(errno.EIO, "disk on fire", str(ws / src))

    monkeypatch.setattr(sandbox.os, "replace", fail)
    with pytest.raises(UnsafeWriteError) as info:
        write_file("mem_ok.txt", "new content")
    assert str(info.value) == (
        "write_file could not write 'mem_ok.txt': the operating system reported EIO; nothing was written. "
        "Allowed: a relative file name inside the workspace, such as 'mem_ok.txt' or 'logs/mem.txt'."
    )
    assert (ws / "mem_ok.txt").read_text(encoding="utf-8") == "old content"
    assert listing(ws) == ["mem_ok.txt"]


def test_write_file_leaves_nothing_when_a_first_write_fails(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sandbox.os, "fsync", fail)
    with pytest.raises(UnsafeWriteError, match="'logs/a/mem_ok.txt': the disk is full; nothing was written"):
        write_file("logs/a/mem_ok.txt", "text")
    # Neither the file, nor its temporary file, nor the folders made for it are left.
    assert listing(ws) == []


def test_docstrings_describe_the_tools_for_a_model() -> None:
    doc = docstring_parser.parse(write_file.__doc__ or "", docstring_parser.DocstringStyle.GOOGLE)
    assert doc.short_description == (
        "Write text to a file in the workspace folder, replacing any earlier content."
    )
    assert [(p.arg_name, p.description) for p in doc.params] == [
        ("file_name", 'A relative file name, such as "mem_ok.txt" or "logs/mem.txt".'),
        ("text", "The complete content of the file, written as UTF-8 exactly as given."),
    ]
    memory = docstring_parser.parse(get_memory_info.__doc__ or "")
    assert memory.short_description == "Get this computer's memory usage, as byte counts in JSON."
    assert memory.params == []
