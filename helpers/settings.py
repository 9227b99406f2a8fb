"""Mode, provider, model and paths, read from the environment.

This module imports nothing else from ``helpers``, and its only I/O is following
the links in ``LESSONS_WORKDIR``: every other module asks it what to do. Lesson
00 explains the modes and providers.

Variables:
    LESSONS_MODE: ``replay`` (the default, whatever keys are set), ``live`` or
        ``record``: talking to a model is always asked for, never implied by a key.
    LESSONS_PROVIDER: ``openai`` (default), ``dashscope``, ``deepseek``,
        ``vllm`` or ``ollama``.
    OPENAI_BASE_URL: overrides the provider's base URL.
    LESSONS_MODEL: overrides the provider's default model.
    LESSONS_WORKDIR: where ``write_file`` may write (default
        ``notebooks/workspace/``). A folder that holds what a model must never
        overwrite is refused (``workdir_problem``).
    LESSONS_CASSETTE_DIR: where cassettes are read and written (default
        ``cassettes/``).
    LESSONS_RECORD_PLAN: set by ``python -m helpers record --from-source``: a
        JSON file saying, per cassette, which loopback endpoint to record
        against and the provenance, note and tool tape to store.
    LESSONS_TIMEOUT: in live and record mode, the seconds one attempt waits
        for the server's answer (default 30; connecting has its own 5 s). The
        SDK makes up to 3 attempts, 0.5 s and 1 s apart, so a server that never
        answers is given up on after at most 3 × (5 + 30) + 1.5 ≈ 107 s, not
        the SDK's default 3 × 600 s; that is also each call's deadline, which
        holds against a server that trickles its answer. Raise it for a slow
        local model.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Literal, NoReturn, get_args

Mode = Literal["replay", "live", "record"]
Provenance = Literal["recorded", "published", "authored"]

MODES: tuple[str, ...] = get_args(Mode)
PROVENANCES: tuple[str, ...] = get_args(Provenance)
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEOUT = 30.0
DEFAULT_WORKDIR = ROOT / "notebooks" / "workspace"
# Folders whose every file belongs to the system: LESSONS_WORKDIR may not be in them.
SYSTEM_TREES = tuple(
    Path(p)
    for p in (
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
        "/sbin", "/sys", "/usr", "/System", "/Library", "/Applications", "/private/etc",
    )
)  # fmt: skip
# Folders shared by every user or program: LESSONS_WORKDIR may be a folder inside, never one of them.
SHARED_FOLDERS = tuple(
    Path(p)
    for p in (
        "/home", "/Users", "/root", "/tmp", "/var", "/var/tmp", "/opt", "/srv", "/mnt", "/media",
        "/private", "/private/tmp", "/private/var", "/Volumes",
    )
)  # fmt: skip


class SettingsError(ValueError):
    """A variable in the environment has a value the lessons cannot use."""


@dataclass(frozen=True)
class Provider:
    """An OpenAI-compatible endpoint the lessons know how to reach.

    Attributes:
        name: The value of ``LESSONS_PROVIDER`` that picks it.
        base_url: Its public base URL; cassettes store requests under this host.
        key_env: The variable that holds its API key ("" for a local server).
        default_model: The model used when ``LESSONS_MODEL`` is not set.
        local: True for a server on the learner's own machine, which needs no key.
    """

    name: str
    base_url: str
    key_env: str
    default_model: str
    local: bool = False


# Each base URL, key variable and default model is a claim of the provider-facts ledger
# (helpers/providers/ledger/endpoints.py, with its source); tests/test_ledger.py keeps them equal.
PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-5-mini"),
        Provider(
            "dashscope",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            "qwen-plus",
        ),
        # DeepSeek retired the names deepseek-chat and deepseek-reasoner on 2026-07-24; they had
        # meant deepseek-v4-flash with thinking off and on, which a request now switches through
        # its `thinking` field: https://api-docs.deepseek.com/news/news260424
        Provider("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "deepseek-v4-flash"),
        Provider("vllm", "http://localhost:8000/v1", "VLLM_API_KEY", "Qwen/Qwen3-8B", local=True),
        Provider("ollama", "http://localhost:11434/v1", "", "qwen3", local=True),
    )
}
DEFAULT_PROVIDER = "openai"


@dataclass(frozen=True)
class Settings:
    """Everything a lesson needs to know about how to run.

    Attributes:
        mode: ``replay``, ``live`` or ``record``.
        provider: The provider picked by ``LESSONS_PROVIDER``.
        model: The model to ask for.
        base_url: Where requests go in live and record mode.
        api_key: The key for live and record mode ("" when none is set).
        cassette_dir: Where cassettes are read and written.
        workdir: The only folder ``write_file`` may write into.
        record_plan: In record mode, a JSON file of per-cassette overrides for
            rebuilding published or authored cassettes (see ``record.py``).
        timeout: In live and record mode, the seconds one attempt of a request
            waits for the server (``LESSONS_TIMEOUT``).
    """

    mode: Mode
    provider: Provider
    model: str
    base_url: str
    api_key: str = field(repr=False)
    cassette_dir: Path
    workdir: Path
    record_plan: Path | None = None
    timeout: float = DEFAULT_TIMEOUT

    def cassette_path(self, lesson: str) -> Path:
        """The cassette of a lesson: ``<cassette_dir>/<notebook stem>.yaml``."""
        return self.cassette_dir / f"{lesson}.yaml"

    def recording_path(self, lesson: str, cassette: str | None = None) -> Path:
        """Where record mode writes: a scratch file, moved into place on success.

        Args:
            lesson: The notebook's stem.
            cassette: The cassette's stem, when a lesson has more than one.
        """
        return self.cassette_dir / f".recording-{lesson}" / f"{cassette or lesson}.yaml"


def _pick(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} is not one of: {', '.join(allowed)}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive, finite number of seconds from the environment."""
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise SettingsError(f"{name}={value!r} is not a number of seconds above 0")
    return seconds


def port_number(text: str) -> int:
    """An argparse ``type``: a TCP port, 1-65535, or 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give 1-65535, or 0 for any free one")
    return port


def usage_error(prog: str, message: str) -> str:
    """The command line's one usage-error line: ``<prog>: error: <message> (see <prog> --help)``."""
    return f"{prog}: error: {message} (see {prog} --help)"


class UsageParser(argparse.ArgumentParser):
    """argparse, with a usage error in one line, worded alike in every subcommand (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``usage_error(prog, message)`` on stderr and exit 2."""
        self.exit(2, usage_error(self.prog, message) + "\n")


def _windows_drive_root(value: str) -> bool:
    """True for ``C:``, ``C:\\`` or ``C:/``: a whole drive, on any system."""
    windows = PureWindowsPath(value)
    return bool(windows.drive) and windows.parent == windows


def workdir_problem(value: str, home: Path | None = None) -> str | None:
    """Why a ``LESSONS_WORKDIR`` value is refused, or None when the folder may be written into.

    Refused: the root of a file system or drive, the home folder, a folder
    every user or program shares (``/tmp``, ``/home``...), anything inside a
    system folder (``/etc``, ``/usr``...), the project or a folder that holds
    it, and a folder inside the project other than ``notebooks/workspace/``:
    ``write_file`` could overwrite the lessons, their code or the system.

    Args:
        value: The variable's value; ``~`` is the home folder.
        home: The home folder (the user's by default).
    """
    home = (home or Path.home()).resolve()
    path = Path(value).expanduser()
    forms = {Path(os.path.abspath(path)), path.resolve()}  # as written, and with links followed
    if _windows_drive_root(value) or any(p.parent == p for p in forms):
        return "the root of a file system"
    if home in forms:
        return "your home folder"
    for p in forms:
        if any(p == s or s in p.parents for s in SYSTEM_TREES) or p in SHARED_FOLDERS:
            return f"a system or shared folder ({p})"
        if p in (Path(tempfile.gettempdir()), Path(tempfile.gettempdir()).resolve()):
            return "the temporary folder every program shares"
        if p == ROOT or p in ROOT.parents:
            return "the project's folder, or a folder that holds it"
        if ROOT in p.parents and not (p == DEFAULT_WORKDIR or DEFAULT_WORKDIR in p.parents):
            return "inside the project, outside notebooks/workspace/"
    return None


def _workdir(env: Mapping[str, str]) -> Path:
    """``LESSONS_WORKDIR``, or the default, once it is known not to hold what must not be overwritten."""
    value = env.get("LESSONS_WORKDIR", "").strip()
    if not value:
        return DEFAULT_WORKDIR
    problem = workdir_problem(value)
    if problem:
        raise SettingsError(
            f"LESSONS_WORKDIR={value!r} is {problem}, where write_file must not write: "
            "give it a folder of its own (unset, it is notebooks/workspace/)"
        )
    return Path(value).expanduser()


def api_key_for(provider: Provider, env: Mapping[str, str]) -> str:
    """The key for a provider, from its own variable only.

    An OpenAI key is never sent to another provider just because it is set.
    """
    return env.get(provider.key_env, "").strip() if provider.key_env else ""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (``os.environ`` by default).

    Args:
        env: The variables to read; tests pass a plain dict.

    Returns:
        The settings. The mode is ``replay`` unless ``LESSONS_MODE`` asks for
        another: a key in the environment never starts billed requests by itself.

    Raises:
        SettingsError: A variable names an unknown mode or provider, or live or
            record mode is asked for a provider whose key is not set,
            ``LESSONS_TIMEOUT`` is not a positive number, or ``LESSONS_WORKDIR``
            is a folder ``write_file`` must not write into.
    """
    env = os.environ if env is None else env
    provider = PROVIDERS[_pick(env, "LESSONS_PROVIDER", tuple(PROVIDERS), DEFAULT_PROVIDER)]
    key = api_key_for(provider, env)
    mode: Mode = _pick(env, "LESSONS_MODE", MODES, "replay")  # type: ignore[assignment]
    plan = env.get("LESSONS_RECORD_PLAN", "").strip()
    if mode != "replay" and not key and not provider.local and not plan:
        raise SettingsError(
            f"LESSONS_MODE={mode} talks to {provider.name}, which needs a key: set "
            f"{provider.key_env} (or pick another provider with LESSONS_PROVIDER), "
            "or unset LESSONS_MODE to replay the recorded session"
        )
    return Settings(
        mode=mode,
        provider=provider,
        model=env.get("LESSONS_MODEL", "").strip() or provider.default_model,
        base_url=(env.get("OPENAI_BASE_URL", "").strip() or provider.base_url).rstrip("/"),
        api_key=key,
        cassette_dir=Path(env.get("LESSONS_CASSETTE_DIR", "").strip() or ROOT / "cassettes"),
        workdir=_workdir(env),
        record_plan=Path(plan) if plan else None,
        timeout=_seconds(env, "LESSONS_TIMEOUT", DEFAULT_TIMEOUT),
    )
