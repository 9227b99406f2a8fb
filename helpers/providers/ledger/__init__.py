"""The provider-facts ledger: every claim the lessons make about a provider, with its source.

One ``Claim`` per fact: which provider and API it is about, under what scope
(model, thinking on or off), its value, where it was read (a URL, ``repo#issue``,
or a repository path at a version), the day it was last checked and how sure it
is. Lessons, the README's provider table and ``settings.PROVIDERS`` are tested
against it (``tests/test_ledger.py``), so two places cannot disagree without a
test failing:

- a lesson or the README marks a sentence that states a claim with an HTML
  comment, ``<!-- ledger: KEY -->``, in the same cell or paragraph; the claim
  lists that place in ``shown_in`` and the marked text must contain its ``says``;
- a claim that mirrors an attribute of ``facts.Behaviour`` names it in
  ``behaviour``, and the two values must be equal.

Where sources disagree the claim is ``disputed``, ``value`` holds both readings
and ``disputed_by`` the other source; the lesson shows both, with the date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .compatible import COMPATIBLE
from .endpoints import ENDPOINTS
from .gateways import GATEWAYS
from .model import Claim, Sure
from .openai_api import OPENAI

__all__ = ["CLAIMS", "Claim", "LedgerError", "Sure", "claim", "endpoint", "markers", "models_named"]

CLAIMS: dict[str, Claim] = {c.key: c for c in (*ENDPOINTS, *OPENAI, *COMPATIBLE, *GATEWAYS)}
# ``<!-- ledger: openai.x_should_retry -->`` or several keys: ``<!-- ledger: a.b, c.d -->``.
MARKER = re.compile(r"<!--\s*ledger:\s*([^>]*?)\s*-->")


class LedgerError(LookupError):
    """A key the ledger does not hold."""


def claim(key: str) -> Claim:
    """The claim stored under ``key`` (``provider.topic``).

    Raises:
        LedgerError: The ledger holds no such claim; the message lists the nearest keys.
    """
    try:
        return CLAIMS[key]
    except KeyError:
        prefix = key.split(".", 1)[0] + "."
        near = sorted(k for k in CLAIMS if k.startswith(prefix)) or sorted(CLAIMS)[:5]
        raise LedgerError(f"no ledger claim {key!r}; {prefix}* holds: {', '.join(near)}") from None


@dataclass(frozen=True)
class Endpoint:
    """A provider's defaults as the ledger states them: what ``settings.PROVIDERS`` must hold."""

    name: str
    base_url: str
    key_env: str
    default_model: str


def endpoint(provider: str) -> Endpoint:
    """The base URL, key variable and default model the ledger gives a provider."""
    values = {f: str(claim(f"{provider}.{f}").value) for f in ("base_url", "key_env", "default_model")}
    return Endpoint(name=provider, **values)


def models_named() -> set[str]:
    """Every model name some claim is scoped to: the names a lesson may mention."""
    return {m.lower() for c in CLAIMS.values() for m in c.models}


def markers(text: str) -> list[str]:
    """The ledger keys that ``<!-- ledger: KEY, ... -->`` comments in ``text`` name, in order."""
    return [key.strip() for found in MARKER.findall(text) for key in found.split(",") if key.strip()]
