"""The OpenAI client for a lesson, wired to its cassette: ``setup()``.

Every lesson's first code cell calls ``setup("<notebook stem>")``. In replay it
plays the lesson's cassette and touches no network; in live mode it talks to
the provider; in record mode it talks to the provider and writes what happened
into a scratch cassette that ``python -m helpers record`` moves into place once
the whole lesson has succeeded. Lesson 00 explains the modes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.serializers.compat import convert_body_to_bytes

from .cassettes import ReplayMiss, explain_miss, make_vcr, read_cassette
from .settings import PROVIDERS, Settings, load_settings
from .tape import Tape, use_tape

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
    _context: Any = None
    _cassette: Any = None

    def banner(self) -> str:
        """The one line a lesson's setup cell prints."""
        head = f"{self.settings.mode} · {self.provider} · {self.model}"
        if self.settings.mode == "replay":
            if self.cassette is None or not self.cassette.exists():
                return f"{head} · no cassette (this lesson sends no requests in replay)"
            return f"{head} · cassette {self.cassette.name} ({self.metadata.get('provenance', '?')})"
        if self.settings.mode == "record":
            return f"{head} · {self.settings.base_url} · recording into {self.cassette}"
        return f"{head} · {self.settings.base_url}"

    def flush(self) -> None:
        """In record mode, write the scratch cassette as it stands now."""
        if self._cassette is not None and self.settings.mode == "record":
            self._cassette._save(force=True)  # vcrpy saves only on exit otherwise
            # Saving turns the bodies held in memory into text; a request sent again
            # while recording is replayed from memory, and must find bytes there.
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


class _ReplayTransport(httpx2.HTTPTransport):
    """Turns vcrpy's miss into a ReplayMiss that says how to fix it."""

    def __init__(self, lesson: str) -> None:
        super().__init__()
        self.lesson = lesson

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return super().handle_request(request)
        except CannotOverwriteExistingCassetteException as err:
            raise ReplayMiss(explain_miss(err, self.lesson)) from None


def _as_json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _http_client(session_log: list[Exchange], lesson: str, replay: bool, on_response: Any) -> Any:
    def log_request(request: httpx2.Request) -> None:
        session_log.append(Exchange(request.method, str(request.url), _as_json(request.read())))

    def log_response(response: httpx2.Response) -> None:
        exchange = session_log[-1]
        exchange.status = response.status_code
        if "json" in response.headers.get("content-type", ""):
            exchange.response = _as_json(response.read())
        on_response()

    return openai.DefaultHttpx2Client(
        transport=_ReplayTransport(lesson) if replay else None,
        event_hooks={"request": [log_request], "response": [log_response]},
    )


_current: Session | None = None


def current_session() -> Session | None:
    """The session the last ``setup()`` started, if any."""
    return _current


def _replay_target(settings: Settings, path: Path) -> tuple[str, str, dict[str, Any]]:
    metadata = read_cassette(path)["metadata"] if path.exists() else {}
    provider = PROVIDERS.get(metadata.get("provider", ""), settings.provider)
    return provider.name, metadata.get("model", settings.model), metadata


def _start_recording(session: Session, settings: Settings) -> None:
    cassette = session._cassette
    fields = {
        "provenance": settings.provenance,
        "provider": settings.provider.name,
        "model": settings.model,
        "recorded": dt.date.today().isoformat(),
        "sdk": f"openai {openai.__version__}",
    }
    if settings.note:
        fields["note"] = settings.note
    for key, value in fields.items():
        cassette.get_metadata(key, value)
    seed = json.loads(settings.tape_seed.read_text("utf-8")) if settings.tape_seed else None
    tape = Tape("record", cassette.get_metadata("tape", {}), seed=seed, on_change=session.flush)
    use_tape(tape)


def start_session(lesson: str, settings: Settings | None = None) -> Session:
    """Start a lesson's session: the client, the cassette and the tool tape.

    Args:
        lesson: The notebook's stem, e.g. ``"06_the_loop"``.
        settings: The settings to use; read from the environment by default.

    Returns:
        The session; ``setup()`` is the short form lessons use.
    """
    global _current
    if _current is not None:
        _current.close()
    settings = settings or load_settings()
    mode = settings.mode
    exchanges: list[Exchange] = []
    # Requests are only sent once setup has returned, when _current is this session.
    http = _http_client(exchanges, lesson, mode == "replay", lambda: _current and _current.flush())
    if mode == "replay":
        path = settings.cassette_path(lesson)
        provider, model, metadata = _replay_target(settings, path)
        base_url, key = PROVIDERS[provider].base_url, REPLAY_KEY
    else:
        path = settings.recording_path(lesson) if mode == "record" else None
        provider, model, metadata = settings.provider.name, settings.model, {}
        base_url, key = settings.base_url, settings.api_key or "no-key-needed"
    client = openai.OpenAI(
        api_key=key, base_url=base_url, http_client=http, max_retries=0 if mode == "replay" else 2
    )
    session = Session(lesson, settings, client, model, provider, path, metadata, exchanges)
    if path is not None:
        if mode == "record" and path.exists():
            path.unlink()  # a scratch file from an earlier, unfinished recording
        recorder = make_vcr(sent_base=base_url, public_base=PROVIDERS[provider].base_url)
        session._context = recorder.use_cassette(
            str(path),
            record_mode="none" if mode == "replay" else "new_episodes",
            allow_playback_repeats=True,
        )
        session._cassette = session._context.__enter__()
        if mode == "replay":
            use_tape(Tape("replay", metadata.get("tape", {})))
        else:
            _start_recording(session, settings)
    else:
        use_tape(None)
    _current = session
    return session


def setup(lesson: str) -> tuple[openai.OpenAI, str]:
    """Start a lesson: print its banner line and return its client and model.

    Args:
        lesson: The notebook's stem, e.g. ``"06_the_loop"``; it names the cassette.

    Returns:
        ``(client, model)``: an ``openai.OpenAI`` client and the model to ask for.

    Example:
        >>> client, MODEL = setup("03_pass_the_tools")  # doctest: +SKIP
        replay · openai · gpt-5-mini · cassette 03_pass_the_tools.yaml (published)
    """
    session = start_session(lesson)
    print(session.banner())
    return session.client, session.model


def exchanges() -> list[Exchange]:
    """Every request this lesson's client sent so far, with its response, as JSON."""
    return list(_current.exchanges) if _current else []
