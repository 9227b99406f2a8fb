"""One claim of the ledger: a provider fact, its scope, its source, and how sure it is."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

# How sure a claim is:
# - documented: the provider's own documentation, API description or SDK source says so;
# - reported: public bug reports quote it from real traffic, and no documentation says it;
# - disputed: sources disagree; ``value`` gives both readings, ``disputed_by`` the other source;
# - unconfirmed: one source, or an inference, that the check could not confirm.
Sure = Literal["documented", "reported", "disputed", "unconfirmed"]
SURE_LEVELS: tuple[str, ...] = ("documented", "reported", "disputed", "unconfirmed")
APIS: tuple[str, ...] = ("endpoint", "chat.completions", "responses", "sdk")


@dataclass(frozen=True)
class Claim:
    """One fact about a provider, as the lessons state it.

    Attributes:
        key: ``provider.topic``, what a lesson's ``<!-- ledger: KEY -->`` marker names.
        provider: ``openai``, ``dashscope``, ``deepseek``, ``vllm``, ``ollama``, ``mistral``,
            ``gemini`` or ``openrouter``.
        api: ``endpoint`` (where and how to connect), ``chat.completions``,
            ``responses`` or ``sdk`` (the openai Python SDK's own behaviour).
        scope: The models and settings the claim holds for ("all models",
            "thinking on", ...).
        value: The fact itself, short enough to compare (a URL, a name, a flag,
            an error message).
        says: The words a lesson uses when it states the claim; a marked cell must contain them.
        source: Where it was read: a URL, ``owner/repo#number`` (several joined
            by ``; ``), or ``owner/repo path (version)``.
        checked: The day the source was last read (ISO date).
        sure: ``documented``, ``reported``, ``disputed`` or ``unconfirmed``.
        shown_in: The lessons (``"07"``) and files (``"README"``) that state it.
        disputed_by: For a disputed claim, the source that says otherwise.
        behaviour: The ``facts.Behaviour`` attribute this claim mirrors, if any.
        models: Model names the scope mentions (a lesson may name them).
    """

    key: str
    provider: str
    api: str
    scope: str
    value: object
    says: str
    source: str
    checked: str
    sure: Sure
    shown_in: tuple[str, ...] = ()
    disputed_by: str = ""
    behaviour: str = ""
    models: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a claim missing what makes it checkable."""
        problems = []
        if not self.key.startswith(f"{self.provider}."):
            problems.append(f"its key does not start with its provider {self.provider!r}")
        if self.api not in APIS:
            problems.append(f"api {self.api!r} is not one of {', '.join(APIS)}")
        if self.sure not in SURE_LEVELS:
            problems.append(f"sure {self.sure!r} is not one of {', '.join(SURE_LEVELS)}")
        if self.sure == "disputed" and not self.disputed_by:
            problems.append("a disputed claim needs disputed_by")
        if not (self.source.strip() and self.says.strip()):
            problems.append("source and says must not be empty")
        try:
            datetime.date.fromisoformat(self.checked)
        except ValueError:
            problems.append(f"checked {self.checked!r} is not an ISO date")
        if problems:
            raise ValueError(f"ledger claim {self.key!r}: {'; '.join(problems)}")
