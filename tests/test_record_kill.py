"""A recording stopped at any moment leaves a cassette and notebook that pass together.

A kill (SIGKILL) at each step of the commit, by ``LESSONS_RECORD_CRASH_AT``; one
through the real record command at the worst moment (new cassette, old
notebook), which ``check`` reports without writing and ``refresh`` finishes;
and Ctrl-C in the middle of a recording.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from support import ROOT, completion

from helpers.__main__ import INTERRUPTED, main
from helpers.recording.check import check_cassette
from helpers.recording.journal import CRASH_AT, JOURNAL, recover

POSIX = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
# The record command in a subprocess, as a maintainer runs it.
COMMAND = [sys.executable, "-m", "helpers"]
# The journal alone (it needs only the standard library), so that a subprocess starts in a
# tenth of a second.
JOURNAL_ALONE = """
import sys
from pathlib import Path
from helpers.recording import journal
"""
COMMIT = (
    JOURNAL_ALONE
    + """
folder, cassette, notebook = map(Path, sys.argv[1:])
journal.commit(folder, [(folder / cassette.name, cassette), (folder / notebook.name, notebook)])
"""
)
RECOVER = JOURNAL_ALONE + "journal.recover(Path(sys.argv[1]), [Path(sys.argv[2])])"
STEPS = {  # where the kill happens, and which pair is there once recovered
    "staged": "old",
    "journalled": "new",
    "installed-1": "new",  # the new cassette beside the old notebook, until recovered
    "installed-2": "new",
    "cleaned": "new",
}


def staged_project(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Old files in place, new ones complete in the scratch folder; (scratch, cassette, notebook)."""
    cassette, notebook = tmp_path / "cassettes" / "demo.yaml", tmp_path / "notebooks" / "demo.ipynb"
    scratch = cassette.parent / ".recording-demo"
    for path, text in ((cassette, "old cassette\n"), (notebook, "old notebook\n")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    scratch.mkdir()
    (scratch / "demo.yaml").write_text("new cassette\n", encoding="utf-8")
    (scratch / "demo.ipynb").write_text("new notebook\n", encoding="utf-8")
    return scratch, cassette, notebook


def commit_killed_at(step: str, scratch: Path, cassette: Path, notebook: Path) -> int:
    env = {**os.environ, CRASH_AT: step}
    args = [str(scratch), str(cassette), str(notebook)]
    return subprocess.run([sys.executable, "-c", COMMIT, *args], env=env, cwd=ROOT, timeout=30).returncode


def pair(cassette: Path, notebook: Path) -> tuple[str, str]:
    return cassette.read_text(encoding="utf-8"), notebook.read_text(encoding="utf-8")


@POSIX
@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_each_step_of_the_commit_leaves_one_pair(tmp_path, step):
    scratch, cassette, notebook = staged_project(tmp_path)
    assert commit_killed_at(step, scratch, cassette, notebook) == -signal.SIGKILL
    said = recover(cassette.parent, [notebook])
    which = STEPS[step]
    assert pair(cassette, notebook) == (f"{which} cassette\n", f"{which} notebook\n")
    assert said == (["finished the interrupted recording of demo"] if step.startswith(("j", "i")) else [])
    assert not (scratch / JOURNAL).exists()
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["demo.ipynb"]  # no temporary file left


@POSIX
def test_a_kill_while_recovering_is_finished_by_the_next_recovery(tmp_path):
    scratch, cassette, notebook = staged_project(tmp_path)
    assert commit_killed_at("journalled", scratch, cassette, notebook) == -signal.SIGKILL
    env = {**os.environ, CRASH_AT: "installed-1"}
    killed = subprocess.run(
        [sys.executable, "-c", RECOVER, str(cassette.parent), str(notebook)], env=env, cwd=ROOT, timeout=30
    )
    assert killed.returncode == -signal.SIGKILL
    assert pair(cassette, notebook) == ("new cassette\n", "old notebook\n")
    recover(cassette.parent, [notebook])
    assert pair(cassette, notebook) == ("new cassette\n", "new notebook\n")
    assert not scratch.exists()


def lesson(tmp_path: Path, cells: list[str], answer: str = "bonjour") -> Path:
    """A tiny lesson, and a loopback script that answers its one request."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "notebooks" / "demo.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    # Shaped as OpenAI's profile says and created today, so that record's check passes it.
    reply = {**completion({"content": answer, "annotations": []}), "created": int(time.time())}
    (tmp_path / "reply.json").write_text(json.dumps(reply), encoding="utf-8")
    script = {"provenance": "authored", "provider": "openai", "model": "gpt-5-mini", "note": "a test"}
    script["responses"] = [{"file": "reply.json"}]
    (tmp_path / "script.json").write_text(json.dumps(script), encoding="utf-8")
    return path


ASK = [
    'from helpers import setup\nclient, MODEL = setup("demo")',
    'reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])\n'
    "print(reply.choices[0].message.content)",
]


@pytest.fixture
def project_env(tmp_path, monkeypatch):
    env = {"LESSONS_CASSETTE_DIR": str(tmp_path / "cassettes"), "LESSONS_WORKDIR": str(tmp_path / "ws")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **env}


@POSIX
def test_the_record_command_killed_between_cassette_and_notebook_is_rolled_forward(tmp_path, project_env):
    notebook = lesson(tmp_path, ASK)
    cassette = tmp_path / "cassettes" / "demo.yaml"
    old_notebook = notebook.read_bytes()
    args = ["record", "--script", str(tmp_path / "script.json"), str(notebook)]
    env = {**project_env, CRASH_AT: "installed-1"}
    killed = subprocess.run([*COMMAND, *args], env=env, cwd=tmp_path, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert cassette.exists() and notebook.read_bytes() == old_notebook  # the broken pair
    staged = (cassette.parent / ".recording-demo" / "demo.ipynb").read_bytes()  # replayed on this cassette
    assert main(["check", str(cassette)]) == 1  # it reports the stopped recording, and writes nothing
    assert (cassette.parent / ".recording-demo" / "demo.ipynb").read_bytes() == staged
    assert notebook.read_bytes() == old_notebook
    assert main(["refresh", str(notebook)]) == 0  # the command the report names finishes it
    assert notebook.read_bytes() == staged and not (cassette.parent / ".recording-demo").exists()
    outputs = [o["text"] for c in nbformat.read(notebook, as_version=4).cells for o in c.outputs]
    assert outputs == ["replay · openai · gpt-5-mini · cassette demo.yaml (authored)\n", "bonjour\n"]
    assert check_cassette(cassette) == [] and "bonjour" in cassette.read_text(encoding="utf-8")


@POSIX
def test_ctrl_c_during_a_recording_says_one_line_and_keeps_the_old_files(tmp_path, project_env):
    started = tmp_path / "started"
    notebook = lesson(
        tmp_path, [f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(60)"]
    )
    cassette = tmp_path / "cassettes" / "demo.yaml"
    cassette.parent.mkdir()
    cassette.write_text("the old cassette\n", encoding="utf-8")
    before = notebook.read_bytes()
    args = ["record", "--script", str(tmp_path / "script.json"), str(notebook)]
    process = subprocess.Popen(
        [*COMMAND, *args],
        env=project_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert started.exists(), process.communicate()[0].decode()
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
    out, _ = process.communicate(timeout=30)
    assert (process.returncode, out.decode()) == (130, INTERRUPTED + "\n")
    assert cassette.read_text(encoding="utf-8") == "the old cassette\n" and notebook.read_bytes() == before
    assert sorted(p.name for p in cassette.parent.iterdir()) == ["demo.yaml"]
