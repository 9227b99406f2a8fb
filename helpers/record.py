"""``python -m helpers record``: re-record a lesson's cassette and refresh its outputs.

For each notebook: run it top to bottom in record mode against the provider
(or a scripted loopback endpoint), writing into a scratch cassette; check that
cassette; run the notebook again in replay against it, which gives the outputs
a learner sees offline; and only if all of that succeeded, move the cassette
and the notebook into place, each with one atomic rename. A failure anywhere
leaves the old cassette and notebook as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .cassettes import read_cassette
from .check import check_cassette
from .loopback import LoopbackServer, load_script
from .settings import PROVIDERS, load_settings

FAKE_KEY = "loopback-fake-key"  # what the SDK sends to a loopback endpoint
KEPT_NOTEBOOK_METADATA = ("kernelspec",)


@dataclass
class Outcome:
    """What recording one notebook did."""

    notebook: Path
    ok: bool
    message: str


@contextlib.contextmanager
def _environ(changes: Mapping[str, str | None]) -> Iterator[None]:
    # The kernel inherits this process's environment, so set it around a run.
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(path: Path, env: Mapping[str, str | None], timeout: int = 300) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel; raise CellExecutionError on failure."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    with _environ(env):
        client.execute()
    return nb


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run or machine to machine: timing, widget state."""
    nb.metadata = nbformat.NotebookNode(
        {k: nb.metadata[k] for k in KEPT_NOTEBOOK_METADATA if k in nb.metadata}
    )
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode({k: v for k, v in cell.metadata.items() if k in ("tags",)})
        for output in cell.get("outputs", []):
            output.pop("transient", None)
    return nb


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _failure(err: CellExecutionError) -> str:
    return f"{err.ename}: {err.evalue}".strip()


def _run(path: Path, env: dict[str, str | None], server: LoopbackServer | None) -> Outcome:
    stem = path.stem
    settings = load_settings({**os.environ, **{k: v for k, v in env.items() if v is not None}})
    scratch = settings.recording_path(stem)
    final = settings.cassette_path(stem)
    shutil.rmtree(scratch.parent, ignore_errors=True)
    try:
        try:
            execute(path, {**env, "LESSONS_MODE": "record"})
        except CellExecutionError as err:
            return Outcome(path, False, f"recording failed: {_failure(err)}")
        if server is not None:
            server.check()
        recorded = scratch.exists() and read_cassette(scratch)["interactions"]
        if recorded:
            problems = check_cassette(scratch)
            if problems:
                return Outcome(path, False, "the new cassette fails the check: " + "; ".join(problems))
        elif scratch.exists():
            scratch.unlink()  # no requests: a lesson that needs no cassette
        replay_env = {**env, "LESSONS_MODE": "replay", "LESSONS_CASSETTE_DIR": str(scratch.parent)}
        try:
            nb = execute(path, replay_env)
        except CellExecutionError as err:
            return Outcome(path, False, f"replaying the new cassette failed: {_failure(err)}")
        if recorded:
            os.replace(scratch, final)
        _write_atomic(path, nbformat.writes(clean(nb)) + "\n")
    except Exception as err:  # noqa: BLE001 - report and keep going with the next notebook
        return Outcome(path, False, f"{type(err).__name__}: {err}")
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    what = f"{len(recorded)} request(s) into {final}" if recorded else "no requests, no cassette"
    return Outcome(path, True, f"recorded {what}; outputs refreshed")


def record(
    notebook: Path,
    *,
    provider: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    script: Path | None = None,
) -> Outcome:
    """Re-record one notebook's cassette and refresh its stored outputs.

    Args:
        notebook: The lesson, e.g. ``notebooks/06_the_loop.ipynb``.
        provider: A ``LESSONS_PROVIDER`` value to record with.
        base_url: An OpenAI-compatible endpoint to record against.
        model: The model to ask for.
        script: A loopback script: serve it on 127.0.0.1 and record against it,
            with the provenance, note and tool tape the script names.

    Returns:
        What happened; on failure the old cassette and notebook are untouched.
    """
    env: dict[str, str | None] = {
        "LESSONS_PROVIDER": provider,
        "OPENAI_BASE_URL": base_url,
        "LESSONS_MODEL": model,
    }
    if script is None:
        return _run(notebook, {k: v for k, v in env.items() if v is not None}, None)
    plan = load_script(script)
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(plan) as server:
        tape = Path(tmp) / "tape.json"
        tape.write_text(json.dumps(plan.tape, ensure_ascii=False), encoding="utf-8")
        env.update(
            LESSONS_PROVIDER=plan.provider,
            LESSONS_MODEL=plan.model,
            OPENAI_BASE_URL=server.base_url,
            LESSONS_PROVENANCE=plan.provenance,
            LESSONS_NOTE=plan.note,
            LESSONS_TAPE_SEED=str(tape),
        )
        key_env = PROVIDERS[plan.provider].key_env or "OPENAI_API_KEY"
        return _run(notebook, {**env, key_env: FAKE_KEY}, server)
