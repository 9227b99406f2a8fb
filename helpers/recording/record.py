"""``python -m helpers record``: re-record a lesson's cassette and refresh its outputs.

For each notebook:

1. finish a commit of this lesson that a kill interrupted
   (``helpers.recording.journal.recover``), then clear what an abandoned
   recording of it left;
2. run the notebook top to bottom in record mode against the provider (or a
   scripted loopback endpoint), writing its cassettes into the scratch folder
   ``<cassette_dir>/.recording-<stem>/``. As each exchange is recorded, the
   cassette hooks replace this machine's workspace, project, home and temp
   folders in the bodies with placeholders (``helpers.recording.redact``);
3. check those cassettes (``helpers.recording.check``): a key, an absolute path or a
   response the SDK cannot use refuses the recording, with the reason;
4. run the notebook again in replay against them, which gives the outputs a
   learner sees offline, and write that notebook into the scratch folder too;
5. commit: the cassettes and the notebook replace the old ones together or not
   at all (``helpers.recording.journal.commit``). Every new file is complete before a
   journal naming them is written; a kill before the journal leaves the old
   files, a kill after it is rolled forward by the next record or refresh of
   that notebook (other readers of cassettes only report it).

A failure anywhere leaves the old cassettes and notebook as they were. Ctrl-C
stops the run at once: the kernel is shut down, the scratch folder removed, and
the command says so in one line (exit 130). For the tests,
``LESSONS_RECORD_CRASH_AT=<step>`` kills the process at a step of the commit
(``helpers.recording.journal.crash_point``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

from ..settings import PROVIDERS, SettingsError, load_settings
from .authored import USAGE_NOTE
from .cassettes import read_cassette
from .check import check_cassette
from .journal import JOURNAL, commit, crash_point, discard, recover
from .kernel import execute
from .loopback import LoopbackServer, Script, load_script
from .widget_state import stable_widget_state

__all__ = ["FAKE_KEY", "KERNELSPEC", "LANGUAGE_INFO", "Outcome", "clean", "execute", "record", "refresh"]

MAX_NOTEBOOK_BYTES = 16 * 2**20  # every lesson is well under 1 MiB
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


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run or machine to machine (timing); keep the widgets, renumbered.

    The widgets' state lets JupyterLab and nbviewer draw a stored widget
    without running the lesson (``helpers.recording.widget_state``).
    """
    widgets = stable_widget_state(nb).metadata.get("widgets")
    nb.metadata = nbformat.NotebookNode(
        {"kernelspec": dict(KERNELSPEC), "language_info": json.loads(json.dumps(LANGUAGE_INFO))}
    )
    if widgets:
        nb.metadata["widgets"] = widgets
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
        # mkstemp makes the file 0600; keep the notebook's own mode instead.
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def notebook_problem(path: Path) -> str | None:
    """Why a path is not a notebook these commands can run (one line), or None when it is one."""
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return "not a file"
    if path.suffix != ".ipynb":
        return "not a notebook (a lesson is a .ipynb file)"
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
        if len(raw) > MAX_NOTEBOOK_BYTES:
            return f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB, which no lesson is"
        nbformat.reads(raw.decode("utf-8"), as_version=4)
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        return f"not a readable notebook ({reason})"
    return None


def _failure(err: CellExecutionError) -> str:
    return f"{err.ename}: {err.evalue}".strip()


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C is ignored while files are installed: it takes milliseconds, and a kill is recovered."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals go elsewhere anyway
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _recorded(scratch: Path) -> dict[Path, int]:
    """The scratch cassettes worth keeping, by their number of requests; raises on a failed check."""
    recorded = {}
    for cassette in sorted(scratch.glob("*.yaml")):
        interactions = read_cassette(cassette)["interactions"]
        if not interactions:
            cassette.unlink()  # a session that sent no requests
            continue
        problems = check_cassette(cassette)
        if problems:
            raise _Refused(f"{cassette.name} fails the check: " + "; ".join(problems))
        recorded[cassette] = len(interactions)
    return recorded


class _Refused(Exception):
    """A step of the recording failed; the message says which and why."""


def _run(path: Path, env: dict[str, str | None], servers: list[LoopbackServer]) -> Outcome:
    try:
        settings = load_settings({**os.environ, **{k: v for k, v in env.items() if v is not None}})
    except SettingsError as err:
        return Outcome(path, False, str(err))
    scratch = settings.recording_path(path.stem).parent
    said = recover(settings.cassette_dir, [path])  # a commit a kill interrupted is finished first
    if os.path.lexists(scratch / JOURNAL):  # a journal that was not finished is never overwritten
        return Outcome(path, False, next((s for s in said if path.stem in s), f"{scratch} holds a journal"))
    discard(scratch)  # what an abandoned recording of this lesson left
    try:
        try:
            execute(path, {**env, "LESSONS_MODE": "record"})
        except CellExecutionError as err:
            raise _Refused(f"recording failed: {_failure(err)}") from None
        crash_point("recorded")
        for server in servers:
            server.check()
        recorded = _recorded(scratch)
        replay_env = {**env, "LESSONS_MODE": "replay", "LESSONS_CASSETTE_DIR": str(scratch)}
        replay_env["LESSONS_RECORD_PLAN"] = None
        try:
            nb = execute(path, replay_env)
        except CellExecutionError as err:
            raise _Refused(f"replaying the new cassette failed: {_failure(err)}") from None
        staged = scratch / path.name
        staged.write_text(nbformat.writes(clean(nb)) + "\n", encoding="utf-8", newline="\n")
        with _uninterrupted():
            commit(scratch, [*((c, settings.cassette_path(c.stem)) for c in recorded), (staged, path)])
    except _Refused as err:
        return Outcome(path, False, str(err))
    except Exception as err:  # noqa: BLE001 - report and keep going with the next notebook
        return Outcome(path, False, f"{type(err).__name__}: {err}")
    finally:
        discard(scratch)  # unless journalled: then recover() finishes it
    what = ", ".join(f"{n} request(s) into {c.name}" for c, n in recorded.items())
    return Outcome(path, True, f"recorded {what or 'no requests, no cassette'}; outputs refreshed")


def refresh(notebook: Path) -> Outcome:
    """Run a notebook in replay and store its outputs; no network, cassettes untouched.

    Args:
        notebook: The lesson, e.g. ``notebooks/01_define_a_function.ipynb``.

    Returns:
        What happened; on failure the notebook is untouched.
    """
    problem = notebook_problem(notebook)
    if problem:
        return Outcome(notebook, False, problem)
    with contextlib.suppress(SettingsError):  # the cassettes it replays must be whole
        recover(load_settings().cassette_dir, [notebook])
    with tempfile.TemporaryDirectory() as workdir:
        env = {"LESSONS_MODE": "replay", "LESSONS_WORKDIR": workdir, "LESSONS_RECORD_PLAN": None}
        try:
            nb = execute(notebook, env)
        except CellExecutionError as err:
            return Outcome(notebook, False, f"replay failed: {_failure(err)}")
    _write_atomic(notebook, nbformat.writes(clean(nb)) + "\n")
    return Outcome(notebook, True, "outputs refreshed from replay")


def _authored_fields(plan: Script) -> dict[str, str]:
    """What an authored cassette's metadata adds: the day it was written, and how its usage was counted."""
    if plan.provenance != "authored":
        return {}
    fields = {"usage": plan.usage or USAGE_NOTE}  # a script whose counts were chosen by hand says so
    return {**fields, "written": plan.written} if plan.written else fields


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
    problem = notebook_problem(notebook)
    if problem:
        return Outcome(notebook, False, problem)
    env: dict[str, str | None] = {
        "LESSONS_PROVIDER": provider,
        "OPENAI_BASE_URL": base_url,
        "LESSONS_MODEL": model,
    }
    if not scripts:
        return _run(notebook, {k: v for k, v in env.items() if v is not None}, [])
    try:
        plans = {name: load_script(path) for name, path in scripts.items()}
    except (OSError, ValueError, KeyError, TypeError) as err:
        return Outcome(notebook, False, f"cannot read the script: {type(err).__name__}: {err}")
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
                **_authored_fields(plan),
            }
            for name, plan in plans.items()
        }
        plan_file = Path(tmp) / "record-plan.json"
        plan_file.write_text(json.dumps(record_plan, ensure_ascii=False), encoding="utf-8")
        env["LESSONS_RECORD_PLAN"] = str(plan_file)
        for plan in plans.values():  # the SDK sends a key; the loopback gets a fake one
            env[PROVIDERS[plan.provider].key_env or "OPENAI_API_KEY"] = FAKE_KEY
        return _run(notebook, env, list(servers.values()))
