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
# What JupyterLab itself writes when it saves a lesson, so that opening one
# leaves it unchanged. The language version is left out: it is the learner's.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


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
        {"kernelspec": dict(KERNELSPEC), "language_info": json.loads(json.dumps(LANGUAGE_INFO))}
    )
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


def _run(path: Path, env: dict[str, str | None], servers: list[LoopbackServer]) -> Outcome:
    stem = path.stem
    settings = load_settings({**os.environ, **{k: v for k, v in env.items() if v is not None}})
    scratch = settings.recording_path(stem).parent
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        try:
            execute(path, {**env, "LESSONS_MODE": "record"})
        except CellExecutionError as err:
            return Outcome(path, False, f"recording failed: {_failure(err)}")
        for server in servers:
            server.check()
        recorded = {}
        for cassette in sorted(scratch.glob("*.yaml")):
            interactions = read_cassette(cassette)["interactions"]
            if not interactions:
                cassette.unlink()  # a session that sent no requests
                continue
            problems = check_cassette(cassette)
            if problems:
                return Outcome(path, False, f"{cassette.name} fails the check: " + "; ".join(problems))
            recorded[cassette] = len(interactions)
        replay_env = {**env, "LESSONS_MODE": "replay", "LESSONS_CASSETTE_DIR": str(scratch)}
        replay_env["LESSONS_RECORD_PLAN"] = None
        try:
            nb = execute(path, replay_env)
        except CellExecutionError as err:
            return Outcome(path, False, f"replaying the new cassette failed: {_failure(err)}")
        # The cassettes first, then the notebook: a stop in between leaves outputs
        # that the next replay run (the tests) finds out of date, never a cassette
        # without its lesson.
        for cassette in recorded:
            os.replace(cassette, settings.cassette_path(cassette.stem))
        _write_atomic(path, nbformat.writes(clean(nb)) + "\n")
    except Exception as err:  # noqa: BLE001 - report and keep going with the next notebook
        return Outcome(path, False, f"{type(err).__name__}: {err}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    what = ", ".join(f"{n} request(s) into {c.name}" for c, n in recorded.items())
    return Outcome(path, True, f"recorded {what or 'no requests, no cassette'}; outputs refreshed")


def refresh(notebook: Path) -> Outcome:
    """Run a notebook in replay and store its outputs; no network, cassettes untouched.

    Args:
        notebook: The lesson, e.g. ``notebooks/01_define_a_function.ipynb``.

    Returns:
        What happened; on failure the notebook is untouched.
    """
    with tempfile.TemporaryDirectory() as workdir:
        env = {"LESSONS_MODE": "replay", "LESSONS_WORKDIR": workdir, "LESSONS_RECORD_PLAN": None}
        try:
            nb = execute(notebook, env)
        except CellExecutionError as err:
            return Outcome(notebook, False, f"replay failed: {_failure(err)}")
    _write_atomic(notebook, nbformat.writes(clean(nb)) + "\n")
    return Outcome(notebook, True, "outputs refreshed from replay")


def record(
    notebook: Path,
    *,
    provider: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    scripts: Mapping[str, Path] | None = None,
) -> Outcome:
    """Re-record a notebook's cassettes and refresh its stored outputs.

    Args:
        notebook: The lesson, e.g. ``notebooks/06_the_loop.ipynb``.
        provider: A ``LESSONS_PROVIDER`` value to record with.
        base_url: An OpenAI-compatible endpoint to record against.
        model: The model to ask for.
        scripts: Loopback scripts by cassette stem (``{"06_the_loop": path,
            "06_the_loop.mem_high": path}``): each is served on 127.0.0.1 and the
            lesson's sessions record against them, with the provenance, note and
            tool tape each script names.

    Returns:
        What happened; on failure the old cassettes and notebook are untouched.
    """
    env: dict[str, str | None] = {
        "LESSONS_PROVIDER": provider,
        "OPENAI_BASE_URL": base_url,
        "LESSONS_MODEL": model,
    }
    if not scripts:
        return _run(notebook, {k: v for k, v in env.items() if v is not None}, [])
    plans = {name: load_script(path) for name, path in scripts.items()}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(LoopbackServer(plan)) for name, plan in plans.items()}
        record_plan = {
            name: {
                "base_url": servers[name].base_url,
                "provider": plan.provider,
                "model": plan.model,
                "provenance": plan.provenance,
                "note": plan.note,
                "tape": plan.tape,
            }
            for name, plan in plans.items()
        }
        plan_file = Path(tmp) / "record-plan.json"
        plan_file.write_text(json.dumps(record_plan, ensure_ascii=False), encoding="utf-8")
        env["LESSONS_RECORD_PLAN"] = str(plan_file)
        for plan in plans.values():  # the SDK sends a key; the loopback gets a fake one
            env[PROVIDERS[plan.provider].key_env or "OPENAI_API_KEY"] = FAKE_KEY
        return _run(notebook, env, list(servers.values()))
