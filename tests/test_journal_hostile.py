"""A recording journal found on disk is a plan to overwrite files: only one this project wrote is carried out.

Planted journals (absolute and ``..`` targets, links, huge or broken files,
wrong types, another checkout's journal, a staged file changed after the
journal) must change nothing anywhere; read-only commands (``check``, replay
``setup()``) must write nothing even for a genuine journal; and only the
record and refresh commands, given the lesson's notebook, finish one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.__main__ import main
from helpers.recording.journal import FORMAT, JOURNAL, VERSION, commit, interrupted, recover
from helpers.recording.journal_trust import MAX_JOURNAL_BYTES, JournalRefused, read_journal
from helpers.recording.record import record

HOSTILE_NAMES = ["/etc/x", "../x", "a/../../x", "..", ".", "", "C:\\x.yaml", "x\0.yaml", "../demo.yaml"]
HOSTILE_NAMES += ["demo.yaml/../../x", "sub/demo.yaml", "other.yaml", "demo.ipynb.yaml/..", "\\demo.yaml"]


NOTEBOOK_TEXT = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("%s")]))


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file and link under ``root``, by relative path: a file's bytes, a link's target."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[rel] = path.read_bytes()
    return found


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def project(root: Path) -> tuple[Path, Path, Path]:
    """Old cassette and notebook in place, new ones staged: (scratch, cassette, notebook)."""
    cassette, notebook = root / "cassettes" / "demo.yaml", root / "notebooks" / "demo.ipynb"
    for path, text in ((cassette, "old cassette\n"), (notebook, NOTEBOOK_TEXT % "old")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    scratch = cassette.parent / ".recording-demo"
    scratch.mkdir()
    (scratch / "demo.yaml").write_text("new cassette\n", encoding="utf-8")
    (scratch / "demo.ipynb").write_text(NOTEBOOK_TEXT % "new", encoding="utf-8")
    (root / "outside").mkdir()
    (root / "outside" / "x").write_text("must stay\n", encoding="utf-8")
    return scratch, cassette, notebook


def genuine(scratch: Path, notebook: Path) -> dict:
    """The journal ``commit`` writes for this scratch folder."""
    files = [{"name": n, "sha256": sha((scratch / n).read_bytes())} for n in ("demo.yaml", "demo.ipynb")]
    return {
        "format": FORMAT,
        "version": VERSION,
        "lesson": "demo",
        "cassette_dir": str(scratch.parent.resolve()),
        "notebook": str(notebook.resolve()),
        "files": files,
    }


def plant(scratch: Path, journal: object) -> None:
    text = journal if isinstance(journal, str) else json.dumps(journal)
    (scratch / JOURNAL).write_text(text, encoding="utf-8")


def assert_untouched_by_every_entry_point(root: Path, scratch: Path, notebook: Path, capsys) -> None:
    """check, recover for the named notebook, and record all leave every file as it was."""
    before = snapshot(root)
    assert main(["check", str(scratch.parent / "demo.yaml")]) == 1
    out = capsys.readouterr().out
    assert "cannot be trusted" in out and "nothing was changed" in out, out
    said = recover(scratch.parent, [notebook])
    assert len(said) == 1 and "cannot be trusted" in said[0]
    with mock.patch.dict(os.environ, {"LESSONS_CASSETTE_DIR": str(scratch.parent)}):
        outcome = record(notebook)
    assert not outcome.ok and "cannot be trusted" in outcome.message
    assert snapshot(root) == before


def test_the_genuine_journal_is_trusted_and_finished_only_for_its_notebook(tmp_path):
    scratch, cassette, notebook = project(tmp_path)
    plant(scratch, genuine(scratch, notebook))
    before = snapshot(tmp_path)
    assert recover(cassette.parent, [tmp_path / "notebooks" / "other.ipynb"]) == [
        f"the recording of demo was stopped while it replaced its files; finish it with: "
        f"python -m helpers refresh {notebook.resolve()}"
    ]
    assert snapshot(tmp_path) == before
    assert recover(cassette.parent, [notebook]) == ["finished the interrupted recording of demo"]
    assert cassette.read_text() == "new cassette\n" and notebook.read_text() == NOTEBOOK_TEXT % "new"
    assert not scratch.exists() and (tmp_path / "outside" / "x").read_text() == "must stay\n"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda j: j["files"].__setitem__(0, {"name": "/etc/x", "sha256": "0" * 64}), id="absolute"
        ),
        pytest.param(lambda j: j["files"][0].__setitem__("name", "../x.yaml"), id="dotdot"),
        pytest.param(lambda j: j["files"][0].__setitem__("name", "a/../../x"), id="a-dotdot"),
        pytest.param(lambda j: j.__setitem__("notebook", "/etc/demo.ipynb"), id="notebook-elsewhere"),
        pytest.param(lambda j: j.__setitem__("notebook", "../notebooks/demo.ipynb"), id="notebook-relative"),
        pytest.param(lambda j: j.__setitem__("cassette_dir", "/elsewhere/cassettes"), id="other-checkout"),
        pytest.param(lambda j: j["files"][0].__setitem__("sha256", "0" * 64), id="changed-file"),
        pytest.param(lambda j: j.__setitem__("files", "demo.yaml"), id="files-not-a-list"),
        pytest.param(lambda j: j["files"].__setitem__(0, ["demo.yaml", "../x"]), id="old-pair-form"),
        pytest.param(lambda j: j.__setitem__("format", "something else"), id="format"),
        pytest.param(lambda j: j.__setitem__("lesson", "other"), id="lesson"),
        pytest.param(lambda j: j["files"].pop(), id="no-notebook"),
        pytest.param(lambda j: j["files"].append(dict(j["files"][0])), id="twice"),
    ],
)
def test_a_planted_journal_changes_nothing_anywhere(tmp_path, capsys, change):
    scratch, _, notebook = project(tmp_path)
    journal = genuine(scratch, notebook)
    change(journal)
    plant(scratch, journal)
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "",
        "[]",
        "null",
        '{"install": [["demo.yaml", "/etc/x"]]}',
        "\udc80".encode("utf-8", "surrogatepass"),
    ],
    ids=["not-json", "empty", "list", "null", "old-format", "not-utf8"],
)
def test_a_broken_journal_changes_nothing(tmp_path, capsys, text):
    scratch, _, notebook = project(tmp_path)
    (scratch / JOURNAL).write_bytes(text if isinstance(text, bytes) else text.encode())
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)


def test_a_huge_journal_is_refused_unread(tmp_path, capsys):
    scratch, _, notebook = project(tmp_path)
    journal = genuine(scratch, notebook)
    journal["padding"] = "x" * MAX_JOURNAL_BYTES
    plant(scratch, journal)
    with pytest.raises(JournalRefused, match=f"larger than {MAX_JOURNAL_BYTES} bytes"):
        read_journal(scratch)
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)


def test_links_are_never_followed(tmp_path, capsys):
    scratch, cassette, notebook = project(tmp_path)
    real = tmp_path / "outside" / "commit.json"
    real.write_text(json.dumps(genuine(scratch, notebook)), encoding="utf-8")
    (scratch / JOURNAL).symlink_to(real)  # the journal itself a link
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)
    (scratch / JOURNAL).unlink()
    plant(scratch, genuine(scratch, notebook))
    (scratch / "demo.yaml").unlink()
    (scratch / "demo.yaml").symlink_to(tmp_path / "outside" / "x")  # a staged file a link
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)
    cassette.unlink()
    cassette.symlink_to(tmp_path / "outside" / "x")  # the target a link
    (scratch / "demo.yaml").unlink()
    (scratch / "demo.yaml").write_text("new cassette\n", encoding="utf-8")
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)


def test_a_planted_temporary_file_is_not_followed(tmp_path):
    scratch, cassette, notebook = project(tmp_path)
    (cassette.parent / ".demo.yaml.installing").symlink_to(tmp_path / "outside" / "x")
    plant(scratch, genuine(scratch, notebook))
    assert recover(cassette.parent, [notebook]) == ["finished the interrupted recording of demo"]
    assert (tmp_path / "outside" / "x").read_text() == "must stay\n"
    assert cassette.read_text() == "new cassette\n" and not cassette.is_symlink()


def test_a_linked_scratch_folder_is_refused(tmp_path, capsys):
    scratch, _, notebook = project(tmp_path)
    plant(scratch, genuine(scratch, notebook))
    moved = tmp_path / "outside" / "scratch"
    scratch.rename(moved)
    scratch.symlink_to(moved, target_is_directory=True)
    assert_untouched_by_every_entry_point(tmp_path, scratch, notebook, capsys)


def test_a_journal_from_another_checkout_is_refused(tmp_path, capsys):
    """A genuine journal, written by commit in one checkout, copied with its folder into another."""
    first = tmp_path / "first"
    scratch, cassette, notebook = project(first)
    plant(scratch, genuine(scratch, notebook))
    second = tmp_path / "second"
    shutil.copytree(first, second, symlinks=True)
    assert_untouched_by_every_entry_point(
        second, second / "cassettes" / ".recording-demo", second / "notebooks" / "demo.ipynb", capsys
    )


def test_read_only_entry_points_never_write_even_for_a_genuine_journal(tmp_path, capsys, monkeypatch):
    scratch, cassette, notebook = project(tmp_path)
    plant(scratch, genuine(scratch, notebook))
    before = snapshot(tmp_path)
    assert main(["check", str(cassette)]) == 1
    assert "finish it with: python -m helpers refresh" in capsys.readouterr().out
    assert interrupted(cassette.parent) == interrupted(cassette.parent, ["demo"]) != []
    assert snapshot(tmp_path) == before
    cassette.unlink()  # replay reads the old cassette's metadata, and this one is only text
    before = snapshot(tmp_path)
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(cassette.parent))
    monkeypatch.setenv("LESSONS_MODE", "replay")
    from helpers.recording.client import current_session, setup

    setup("demo")
    current_session().close()
    assert "the recording of demo was stopped" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_commit_refuses_to_journal_what_recovery_would_refuse(tmp_path):
    scratch, cassette, notebook = project(tmp_path)
    before = snapshot(tmp_path)
    for target in (tmp_path / "outside" / "x", tmp_path / "outside" / "demo.yaml"):
        with pytest.raises(JournalRefused):
            commit(scratch, [(scratch / "demo.yaml", target), (scratch / "demo.ipynb", notebook)])
    assert snapshot(tmp_path) == before


NAMES = st.sampled_from([*HOSTILE_NAMES, "demo.yaml", "demo.ipynb", "demo.s.yaml"]) | st.text(max_size=12)
ENTRY = st.fixed_dictionaries({"name": NAMES, "sha256": st.sampled_from(["good", "0" * 64, 7, None])})
JOURNALS = st.fixed_dictionaries(
    {
        "format": st.sampled_from([FORMAT, "other", None]),
        "version": st.sampled_from([VERSION, 2, "1"]),
        "lesson": st.sampled_from(["demo", "../demo", "", 3]),
        "cassette_dir": st.sampled_from(["good", "/", "../cassettes", None]),
        "notebook": st.sampled_from(["good", "/etc/demo.ipynb", "../notebooks/demo.ipynb", "demo.ipynb", 1]),
        "files": st.lists(ENTRY, max_size=4) | st.sampled_from(["x", None, {}]),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journal=JOURNALS)
def test_any_journal_writes_only_the_lessons_own_files(journal):
    """Whatever a journal says, recovery writes at most demo's cassettes and the named notebook."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        scratch, _, notebook = project(root)
        good = genuine(scratch, notebook)
        for key in ("cassette_dir", "notebook"):
            journal[key] = good[key] if journal[key] == "good" else journal[key]
        for entry in journal["files"] if isinstance(journal["files"], list) else []:
            staged = scratch / entry["name"] if isinstance(entry["name"], str) else None
            if entry["sha256"] == "good":
                entry["sha256"] = sha(staged.read_bytes()) if staged and staged.is_file() else "1" * 64
        plant(scratch, journal)
        before = snapshot(root)
        recover(scratch.parent, [notebook])
        after = snapshot(root)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        allowed = {"notebooks/demo.ipynb", "cassettes/demo.yaml"}
        assert {p for p in changed if not p.startswith("cassettes/.recording-demo")} <= allowed
        if changed & allowed:  # only a journal as commit writes it is carried out
            assert {**journal, "files": None} == {**good, "files": None}
            assert all(entry in good["files"] for entry in journal["files"])
