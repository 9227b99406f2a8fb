"""Replay: a lesson's requests answered from its cassette, as vcrpy answers them, without importing vcrpy.

Recording writes cassettes with vcrpy; replaying one needs only a little of
it, and importing vcrpy costs every lesson a quarter of a second (it patches
requests, urllib3, tornado and httpx as it loads). ``Player`` does what vcrpy
9.4 does with the project's configuration (``cassettes.make_vcr``,
``record_mode="none"``, ``allow_playback_repeats=True``), step by step:

- loading (``vcr/cassette.py``, ``Cassette._load`` and ``append``): every
  recorded request goes through the recording hook (``rewrite_host``), every
  response through ``decode_response`` and ``scrub_response``;
- matching (``Cassette.play_response``): the first recorded interaction that
  matches on method, path and body (``matching``) answers, however often it was
  played before, since repeats are allowed;
- answering (``vcr/stubs/httpx_stubs.py``, ``_deserialize_response``): the
  recorded status, reason phrase, headers and body bytes, as a stream the SDK
  reads as it would read the network (a streamed SSE body still streams).

Only the transport of the lesson's own client asks the player: no other
client is patched, so nothing else can be answered from the cassette.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from .cassettes import explain_miss, read_cassette, rewrite_host, scrub_response
from .matching import Request, results
from .redact import machine_paths
from .serve.cassette import CassetteError, check_interaction


class Unplayable(LookupError):
    """No recorded interaction matches a request; ``similar`` holds the closest, as vcrpy lists them."""

    def __init__(self, request: Request, similar: list[tuple[Request, list[str], list[tuple[str, str]]]]):
        super().__init__(f"no recorded response for {request.method} {request.uri}")
        self.request = request
        self.similar = similar


@dataclass
class Interaction:
    request: Request
    response: dict[str, Any]


def _decoded(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's ``decode_response``: a compressed recorded body is served decompressed.

    Recording already decompresses, so no project cassette holds a
    ``content-encoding``; a cassette written elsewhere that does gets vcrpy's own filter.
    """
    if not any(name.lower() == "content-encoding" for name in response.get("headers", {})):
        return response
    from vcr.filters import decode_response

    return decode_response(response)


def _as_bytes(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's ``convert_body_to_bytes``: a recorded text body becomes UTF-8 bytes."""
    body = response["body"]
    if isinstance(body.get("string"), str):
        body["string"] = body["string"].encode("utf-8")
    return response


class Player:
    """A cassette's recorded interactions, played as vcrpy plays them in replay.

    Args:
        path: The cassette; a missing or empty file holds no interaction, as in vcrpy.
        sent_base: The base URL the client sends to.
        public_base: The provider's public base URL, which the cassette stores.
        interactions: The cassette's interactions, when the caller has read it already;
            read from ``path`` otherwise.

    Raises:
        ValueError: The cassette is too large, too deep, or not a cassette (``read_cassette``).
    """

    def __init__(self, path: Path, *, sent_base: str, public_base: str, interactions: Any = None) -> None:
        self.path = path
        paths = machine_paths()
        self._hook: Callable[[Request], Request | None] = rewrite_host(sent_base, public_base, paths)
        self.interactions: list[Interaction] = []
        if interactions is None:
            found = path.is_file() and path.stat().st_size > 0
            interactions = read_cassette(path)["interactions"] if found else []
        if not isinstance(interactions, list):
            raise ValueError(
                f"{path.name}: its interactions are not a list (python -m helpers check lists all)"
            )
        for number, recorded in enumerate(interactions, 1):
            try:  # the checks serve makes, so a malformed cassette is one line, not a traceback
                check_interaction(number, recorded)
            except CassetteError as err:
                raise ValueError(f"{path.name}: {err} (python -m helpers check lists all)") from None
            raw, response = recorded["request"], recorded["response"]
            request = self._scrubbed(
                Request(raw["method"], raw["uri"], raw.get("body"), raw.get("headers") or {})
            )
            if request is None:
                continue  # vcrpy's append drops what the hook drops
            response = scrub_response(_decoded(_as_bytes(copy.deepcopy(response))), paths)
            self.interactions.append(Interaction(request, response))

    def _scrubbed(self, request: Request) -> Request | None:
        # vcrpy copies the request before its hooks change it.
        return self._hook(copy.copy(request))

    def response_for(self, request: Request) -> dict[str, Any] | None:
        """The recorded response that answers ``request``; None for a request the hook leaves out.

        Raises:
            Unplayable: No recorded request matches it.
        """
        scrubbed = self._scrubbed(request)
        if scrubbed is None:
            return None
        for interaction in self.interactions:
            if not results(scrubbed, interaction.request)[1]:
                return interaction.response
        raise Unplayable(request, self.similar(scrubbed))

    def similar(self, scrubbed: Request) -> list[tuple[Request, list[str], list[tuple[str, str]]]]:
        """The recorded requests passing most matchers, one at least (``find_requests_with_most_matches``)."""
        scored = [(kept.request, *results(scrubbed, kept.request)) for kept in self.interactions]
        scored.sort(key=lambda found: len(found[1]), reverse=True)  # stable, as vcrpy's sort
        best = len(scored[0][1]) if scored else 0
        return [found for found in scored if best and len(found[1]) == best]


def as_httpx(response: dict[str, Any]) -> httpx2.Response:
    """vcrpy's ``_deserialize_response`` for a cassette in today's format (vcrpy 2.0 and later)."""
    message = response["status"].get("message")
    return httpx2.Response(
        response["status"]["code"],
        headers=[
            (name, value)
            for name, values in (response["headers"] or {}).items()
            for value in (values if isinstance(values, list) else [values])
        ],
        # A stream, not content: the SDK reads a streamed answer chunk by chunk, as from the network.
        stream=httpx2.ByteStream(response["body"]["string"]),
        extensions={"reason_phrase": message.encode("ascii")} if message else None,
    )


def play(player: Player, request: httpx2.Request, lesson: str) -> httpx2.Response | None:
    """Answer one request of the lesson's client from its cassette; None when the hook leaves it out.

    Raises:
        ReplayMiss: The cassette holds no response for it, said as ``explain_miss`` says it.
    """
    from .cassettes import ReplayMiss

    body = request.read()
    sent = Request(request.method, str(request.url), body, request.headers)
    try:
        response = player.response_for(sent)
    except Unplayable as miss:
        raise ReplayMiss(explain_miss(miss.request, player.path, miss.similar, lesson)) from None
    return None if response is None else as_httpx(response)
