"""``python -m helpers check``: lint every cassette before it is trusted.

A cassette passes when it has the shape vcrpy replays (every interaction a
request with method, uri, body and headers, and a response with a status code,
headers and a body); when it holds no key, cookie, organisation or project id,
request id, absolute path or other recording-machine detail; when its metadata
says where it came from; when every request is one the API accepts (the SDK's
own request types) and follows the conversation rules; and when every
successful response parses with the SDK's response types and holds what a
lesson reads (a chat completion with at least one choice). An authored
cassette must also look like its provider's real traffic: each departure from
the provider's shape profile is a problem (``helpers.recording.check_profile``).

Any file can be given: each problem is one line, ``<file>: [interaction N: ]
what``, and the next file is checked whatever this one held. The command exits
0 when every file passes, 1 when problems were found, and 2 when a file could
not be read at all (missing, a folder with no cassettes, not UTF-8, not YAML).
A cassette is read one interaction at a time (``helpers.recording.yamlstream``), so a
large one is checked in bounded memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..settings import PROVENANCES, PROVIDERS
from .cassettes import METADATA_KEYS
from .check_profile import Exchange, profile_departures
from .check_rules import _header, kind, leaks, request_problems, response_problems, shape_problems
from .redact import SECRET, machine_paths, redact_url
from .yamlstream import Part, Unreadable, read_cassette_stream

# Authored cassettes are small; a larger one is named rather than held in memory.
_KEPT = 16 * 1024 * 1024

__all__ = ["SECRET", "Report", "check_all", "check_cassette", "check_file", "exit_code"]


@dataclass
class Report:
    """What checking one file found.

    Attributes:
        name: The file's name, which starts each line.
        problems: One line each, without the name.
        readable: False when the file could not be read at all.
    """

    name: str
    problems: list[str] = field(default_factory=list)
    readable: bool = True

    def lines(self) -> list[str]:
        """The problems as the command prints them, ``<file>: what``."""
        return [f"{self.name}: {problem}" for problem in self.problems]


def _metadata_problems(meta: Any) -> list[str]:
    if meta is None:
        return ["has no metadata"]
    if not isinstance(meta, dict):
        return [f"metadata is {kind(meta)}, not a mapping"]
    problems = []
    for key in METADATA_KEYS:
        value = meta.get(key)
        if value in (None, ""):
            problems.append(f"metadata has no {key!r}")
        elif not isinstance(value, str) and not (key == "recorded" and hasattr(value, "isoformat")):
            problems.append(f"metadata {key!r} is {kind(value)}, not text")
    if meta.get("provenance") in ("published", "authored") and not meta.get("note"):
        problems.append("a published or authored cassette needs a note saying what was rebuilt")
    provenance, provider = meta.get("provenance"), meta.get("provider")
    if isinstance(provenance, str) and provenance and provenance not in PROVENANCES:
        problems.append(f"metadata provenance {provenance!r} is not one of {PROVENANCES}")
    if isinstance(provider, str) and provider and provider not in PROVIDERS:
        problems.append(f"metadata provider {provider!r} is unknown")
    tape = meta.get("tape", {})
    if not isinstance(tape, dict) or not all(isinstance(v, list) for v in tape.values()):
        problems.append("metadata tape must map tool names to lists of results")
    return problems


@dataclass
class _Reading:
    """What checking one cassette has gathered so far, interaction by interaction."""

    paths: dict[str, str]
    head: list[str] = field(default_factory=list)
    by_interaction: dict[int, list[str]] = field(default_factory=dict)
    sent: list[tuple[int, str, Any]] = field(default_factory=list)  # (n, uri, model) per request
    meta: Any = None
    count: int = 0
    exchanges: list[Exchange] = field(default_factory=list)  # compared with the profile once meta is read
    kept: int = 0  # characters of response bodies kept for that

    def take(self, part: Part) -> None:
        """One part of the file, as ``read_cassette_stream`` yields it."""
        if part.kind == "interaction":
            self.count += 1
            try:
                self.by_interaction[self.count] = self._interaction(part.value)
            except Exception as err:  # noqa: BLE001 - a bug here must not hide the other interactions
                self.by_interaction[self.count] = [f"could not be checked ({type(err).__name__}: {err})"]
        elif part.kind == "top":
            self.head.append(f"the top level is {kind(part.value)}, not a mapping")
        elif part.kind == "more":
            self.head.append("the file holds more than one YAML document")
        else:
            if part.key == "metadata":
                self.meta = part.value
            elif part.key == "interactions" and part.value not in (None, []):
                self.head.append(f"interactions is {kind(part.value)}, not a list")
            self.head += leaks(part.value, self.paths, str(part.key))

    def _interaction(self, item: Any) -> list[str]:
        broken = shape_problems(item)
        problems = [p for found in broken.values() for p in found] + leaks(item, self.paths)
        if "interaction" in broken:
            return problems
        request, response = item.get("request"), item.get("response")
        if not broken["request"]:
            found, model = request_problems(request)
            problems += found
            self.sent.append((self.count, request["uri"], model))
        if not broken["response"]:
            uri = request.get("uri") if isinstance(request, dict) else None
            problems += response_problems(response, uri if isinstance(uri, str) else "")
            if not broken["request"]:
                self._keep(request, response)
            if _refused(response):  # a recorded 400 is the API refusing that very request
                problems = [p for p in problems if not p.startswith("request breaks the conversation rules")]
        return problems

    def _keep(self, request: Any, response: dict[str, Any]) -> None:
        """Keep an exchange for the profile comparison, up to ``_KEPT`` characters in all."""
        text, body = _plain(response["body"]["string"]), _plain(request.get("body"))
        self.kept += len(text) + len(body)
        if self.kept > _KEPT:
            return
        try:
            sent = json.loads(body) if body else None
        except (ValueError, RecursionError):
            sent = None
        stream = "event-stream" in _header(response["headers"], "content-type")
        status, names = response["status"]["code"], tuple(str(name) for name in response["headers"])
        self.exchanges.append(Exchange(self.count, request["uri"], sent, status, stream, text, names))

    def finish(self) -> list[str]:
        """Every problem, the file's own first, then interaction by interaction."""
        head = list(self.head)
        if self.meta is None and not any(p.startswith("the top level") for p in head):
            head.append("has no metadata")
        elif self.meta is not None:
            head += _metadata_problems(self.meta)
        if not self.count and not any(p.startswith(("the top level", "interactions is")) for p in head):
            head.append("holds no interactions")
        meta = self.meta if isinstance(self.meta, dict) else {}
        provider = PROVIDERS.get(meta.get("provider")) if isinstance(meta.get("provider"), str) else None
        model = meta.get("model")
        for n, uri, asked in self.sent:
            if provider and not uri.startswith(provider.base_url + "/"):
                shown = redact_url(uri)
                self.by_interaction[n].append(f"request goes to {shown}, not {provider.base_url}")
            if isinstance(model, str) and model and asked is not None and asked != model:
                self.by_interaction[n].append(f"request asks for model {asked!r}, metadata says {model!r}")
        if self.kept > _KEPT and meta.get("provenance") == "authored":
            head.append(f"is over {_KEPT:,} characters: not compared with its provider's profile")
        else:
            head += profile_departures(self.meta, self.exchanges)
        return head + self.interaction_lines()

    def interaction_lines(self) -> list[str]:
        """The problems found in interactions, in order."""
        return [f"interaction {n}: {p}" for n, found in sorted(self.by_interaction.items()) for p in found]


def check_file(path: Path) -> Report:
    """Check one cassette; never raises.

    Args:
        path: The cassette file.

    Returns:
        Its problems, one line each, and whether it could be read at all.
    """
    report = Report(path.name or str(path))
    if path.is_dir():
        report.problems.append("is a folder, not a cassette")
        report.readable = False
        return report
    reading = _Reading(machine_paths())
    try:
        for part in read_cassette_stream(path):
            reading.take(part)
    except Unreadable as err:
        report.problems = [f"cannot be read: {err}", *reading.interaction_lines()]
        report.readable = False
        return report
    except Exception as err:  # noqa: BLE001 - a bug here must not hide the other files
        report.problems = [f"could not be checked ({type(err).__name__}: {err})"]
        report.readable = False
        return report
    report.problems = reading.finish()
    return report


def check_cassette(path: Path) -> list[str]:
    """Every problem found in one cassette, one line each (empty when clean)."""
    return check_file(path).lines()


def _expand(paths: Iterable[Path]) -> Iterable[Path]:
    """Each path; a folder stands for the cassettes in it."""
    for path in paths:
        found = sorted(path.glob("*.yaml")) if path.is_dir() else []
        yield from found or [path]


def check_all(paths: Iterable[Path]) -> list[Report]:
    """Check several cassettes (a folder stands for its ``*.yaml``), in order; never raises."""
    return [check_file(path) for path in _expand(paths)]


def exit_code(reports: Iterable[Report]) -> int:
    """0 when all pass, 1 when problems were found, 2 when a file could not be read."""
    reports = list(reports)
    if not all(r.readable for r in reports):
        return 2
    return 1 if any(r.problems for r in reports) else 0


def _plain(body: Any) -> str:
    """A body as text ('' for what is not text)."""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else ""


def _refused(response: Any) -> bool:
    """True when a recorded response is a 400: the API refusing the request it answers."""
    status = response.get("status") if isinstance(response, dict) else None
    return isinstance(status, dict) and status.get("code") == 400
