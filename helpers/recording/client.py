"""The OpenAI client for a lesson, wired to its cassette: ``setup()``.

Every lesson's first code cell calls ``setup("<notebook stem>")``. In replay it
plays the lesson's cassette and touches no network; in live mode it talks to
the provider; in record mode it talks to the provider and writes what happened
into a scratch cassette that ``python -m helpers record`` moves into place once
the whole lesson has succeeded. The README explains the modes; lesson 03 builds
the same client by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai

from ..limits import Limits, bounded_http_client
from ..settings import PROVIDERS, Settings, SettingsError, load_settings
from ..tools.tape import Tape, use_tape
from . import errors
from .cassettes import ReplayMiss, make_vcr, read_cassette
from .journal import interrupted
from .patience import call_limits, client_options
from .replay import Player, play

REPLAY_KEY = "replay-needs-no-key"


@dataclass
class Exchange:
    """One request the client sent and the response it got, as JSON."""

    method: str
    url: str
    request: Any
    response: Any = None
    status: int | None = None


@dataclass
class Session:
    """A lesson's running state: its settings, client, cassette and log."""

    lesson: str
    settings: Settings
    client: openai.OpenAI
    model: str
    provider: str
    cassette: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    base_url: str = ""
    _context: Any = None  # vcrpy's use_cassette, while recording
    _cassette: Any = None  # vcrpy's Cassette while recording; the replay.Player in replay

    def banner(self) -> str:
        """The one line a lesson's setup cell prints."""
        head = f"{self.settings.mode} · {self.provider} · {self.model}"
        if self.settings.mode == "replay":
            if self.cassette is None or not self.cassette.exists():
                return f"{head} · no cassette (this lesson sends no requests in replay)"
            return f"{head} · cassette {self.cassette.name} ({self.metadata.get('provenance', '?')})"
        if self.settings.mode == "record":
            return f"{head} · {self.base_url} · recording into {self.cassette}"
        return f"{head} · {self.base_url}"

    def flush(self) -> None:
        """In record mode, write the scratch cassette as it stands now."""
        if self._cassette is not None and self.settings.mode == "record":
            from vcr.serializers.compat import convert_body_to_bytes

            self._cassette._save(force=True)  # vcrpy saves only on exit otherwise
            # Saving turns the bodies in memory into text; a request replayed from them must find bytes.
            for _request, response in self._cassette.data:
                convert_body_to_bytes(response)

    def close(self) -> None:
        """Stop using the cassette and the tape."""
        self.flush()
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self._context = self._cassette = None
        use_tape(None)
        self.client.close()


class _ReplayTransport(httpx2.MockTransport):
    """Answers from the cassette only (``replay.Player``), with a ReplayMiss that says how to fix a miss.

    The transport never opens a connection: a request the cassette does not
    answer fails here, so replay cannot reach the network (and no TLS context is
    built for it, which saves a fifth of a second in every lesson's setup cell).

    The cassette is read by ``before_first_request``, when the first request is
    sent rather than in the setup cell: a lesson that sends none never reads it.
    """

    def __init__(self, lesson: str) -> None:
        super().__init__(self._refuse)
        self.lesson = lesson
        self.before_first_request: Callable[[], None] | None = None
        self.player: Player | None = None
        self._lock = threading.Lock()

    def _refuse(self, request: httpx2.Request) -> httpx2.Response:
        """Reached only when no cassette answers: replay sends nothing anywhere."""
        raise ReplayMiss(f"replay sends no request to the network, and no cassette is in use: {request.url}")

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        with self._lock:
            start, self.before_first_request = self.before_first_request, None
            if start is not None:
                start()
        if self.player is not None:
            answer = play(self.player, request, self.lesson)
            if answer is not None:
                return answer
        return super().handle_request(request)


def _as_json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _http_client(
    session_log: list[Exchange], transport: _ReplayTransport | None, on_response: Any, limits: Limits
) -> Any:
    def log_request(request: httpx2.Request) -> None:
        session_log.append(Exchange(request.method, str(request.url), _as_json(request.read())))

    def log_response(response: httpx2.Response) -> None:
        exchange = session_log[-1]
        exchange.status = response.status_code
        if "json" in response.headers.get("content-type", ""):
            exchange.response = _as_json(response.read())
        on_response()

    hooks = {"request": [log_request], "response": [log_response]}
    return bounded_http_client(limits, transport, event_hooks=hooks)


_current: Session | None = None


def current_session() -> Session | None:
    """The session the last ``setup()`` started, if any."""
    return _current


def _replay_target(settings: Settings, path: Path) -> tuple[str, str, dict[str, Any]]:
    """The provider and model a cassette was recorded with, and the cassette, read once for the session."""
    recorded = read_cassette(path) if path.exists() else {"metadata": {}, "interactions": []}
    if not isinstance(recorded["metadata"], dict):
        raise ValueError(f"{path.name}: its metadata is not a mapping (python -m helpers check lists all)")
    provider = PROVIDERS.get(recorded["metadata"].get("provider", ""), settings.provider)
    return provider.name, recorded["metadata"].get("model", settings.model), recorded


def _plan_entry(settings: Settings, cassette: str) -> dict[str, Any]:
    """What the record plan says about one cassette ({} when recording a live model)."""
    if settings.record_plan is None:
        return {}
    plan = json.loads(settings.record_plan.read_text("utf-8"))
    if cassette not in plan:
        raise SettingsError(f"the record plan has no source for cassette {cassette!r}")
    return plan[cassette]


def _start_recording(session: Session, settings: Settings, plan: dict[str, Any]) -> None:
    cassette = session._cassette
    fields = {
        "provenance": plan.get("provenance", "recorded"),
        "provider": session.provider,
        "model": session.model,
        "recorded": dt.date.today().isoformat(),
        "sdk": f"openai {openai.__version__}",
    }
    for key in ("note", "written", "usage"):  # an authored cassette's day and how its usage was counted
        if plan.get(key):
            fields[key] = plan[key]
    for key, value in fields.items():
        cassette.get_metadata(key, value)
    session.metadata = dict(fields)
    tape = Tape("record", cassette.get_metadata("tape", {}), seed=plan.get("tape"), on_change=session.flush)
    use_tape(tape)


def _use_cassette(session: Session) -> None:
    """Put the session's cassette in use: vcrpy records from now on."""
    recorder = make_vcr(sent_base=session.base_url, public_base=PROVIDERS[session.provider].base_url)
    session._context = recorder.use_cassette(
        str(session.cassette), record_mode="new_episodes", allow_playback_repeats=True
    )
    session._cassette = session._context.__enter__()


def _play_cassette(session: Session, transport: _ReplayTransport, interactions: Any) -> None:
    """Load the cassette's interactions, read by setup: the transport answers from them from now on."""
    public = PROVIDERS[session.provider].base_url
    transport.player = Player(
        session.cassette, sent_base=session.base_url, public_base=public, interactions=interactions
    )
    session._cassette = transport.player


def start_session(lesson: str, cassette: str | None = None, settings: Settings | None = None) -> Session:
    """Start a lesson's session: the client, the cassette and the tool tape.

    Args:
        lesson: The notebook's stem, e.g. ``"06_the_loop"``.
        cassette: The cassette's stem, for a lesson with more than one
            (``"06_the_loop.mem_high"``); the lesson's own by default.
        settings: The settings to use; read from the environment by default.

    Returns:
        The session; ``setup()`` is the short form lessons use.
    """
    global _current
    if _current is not None:
        _current.close()
    settings = settings or load_settings()
    if settings.mode == "replay":  # replay writes nothing: a stopped recording is only reported
        for line in interrupted(settings.cassette_dir, [lesson]):
            print(line, file=sys.stderr)
    cassette = cassette or lesson
    mode = settings.mode
    exchanges: list[Exchange] = []
    # Requests are only sent once setup has returned, when _current is this session.
    transport = _ReplayTransport(lesson) if mode == "replay" else None
    http = _http_client(exchanges, transport, lambda: _current and _current.flush(), call_limits(settings))
    plan: dict[str, Any] = {}
    if mode == "replay":
        path: Path | None = settings.cassette_path(cassette)
        provider, model, recorded = _replay_target(settings, path)
        metadata = recorded["metadata"]
        base_url, key = PROVIDERS[provider].base_url, REPLAY_KEY
    else:
        plan = _plan_entry(settings, cassette) if mode == "record" else {}
        path = settings.recording_path(lesson, cassette) if mode == "record" else None
        provider = plan.get("provider", settings.provider.name)
        model, metadata = plan.get("model", settings.model), {}
        base_url, key = plan.get("base_url", settings.base_url), settings.api_key or "no-key-needed"
    client = openai.OpenAI(api_key=key, base_url=base_url, http_client=http, **client_options(settings))
    session = Session(lesson, settings, client, model, provider, path, metadata, exchanges, base_url)
    if path is not None:
        if mode == "record" and path.exists():
            path.unlink()  # a scratch file from an earlier, unfinished recording
        if mode == "replay":
            interactions = recorded["interactions"]
            transport.before_first_request = lambda: _play_cassette(session, transport, interactions)
            use_tape(Tape("replay", metadata.get("tape", {})))
        else:
            _use_cassette(session)
            _start_recording(session, settings, plan)
    else:
        use_tape(None)
    _current = session
    errors.explain_in_notebooks(session.banner(), settings.provider.key_env)
    return session


def setup(lesson: str, cassette: str | None = None) -> tuple[openai.OpenAI, str]:
    """Start a lesson: print its banner line and return its client and model.

    Args:
        lesson: The notebook's stem, e.g. ``"06_the_loop"``.
        cassette: Another of the lesson's cassettes, e.g. ``"06_the_loop.mem_high"``
            for a second recorded session; the lesson's own by default.

    Returns:
        ``(client, model)``: an ``openai.OpenAI`` client and the model to ask for.

    Example:
        >>> client, MODEL = setup("03_pass_the_tools")  # doctest: +SKIP
        replay · openai · gpt-5-mini · cassette 03_pass_the_tools.yaml (published)
    """
    session = start_session(lesson, cassette)
    print(session.banner())
    return session.client, session.model


def cassette_metadata() -> dict[str, Any]:
    """What this lesson's cassette says of itself: provenance, provider, model, note...

    In replay, the cassette's metadata; while recording, what will be stored;
    live, nothing (``{}``). The tool tape is left out.
    """
    if _current is None:
        return {}
    return {k: v for k, v in _current.metadata.items() if k != "tape"}


def exchanges() -> list[Exchange]:
    """Every request this lesson's client sent so far, with its response, as JSON."""
    return list(_current.exchanges) if _current else []
