"""``python -m helpers probe``: the compatibility matrix, as a markdown table or JSON.

Examples:
    python -m helpers probe --emulate all                     # every emulation, one row each
    python -m helpers probe --provider deepseek               # measured: needs DEEPSEEK_API_KEY
    python -m helpers probe --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import openai

from ..settings import PROVIDERS, UsageParser, api_key_for
from .emulate import Emulation
from .facts import BEHAVIOURS
from .masking import base_url_problem, mask
from .probe import Row, probe

COLUMNS = [
    ("endpoint", "endpoint"),
    ("label", "row"),
    ("tools", "tools"),
    ("one_call", "one call"),
    ("parallel", "parallel"),
    ("required", "`required`"),
    ("none", "`none`"),
    ("named", "named"),
    ("strict", "strict"),
    ("stream", "stream"),
    ("stream_shape", "stream shape"),
    ("content", "`content` beside calls"),
    ("ids", "call ids"),
    ("reasoning", "reasoning field"),
    ("findings", "findings"),
    ("second_turn", "result sent back"),
    ("send_back_rules", "rules for sending back"),
    ("responses", "`/responses`"),
]


def table(rows: Sequence[Row]) -> str:
    """The rows as a markdown table, one line per endpoint."""
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for row in rows:
        cells = [str(getattr(row, name)).replace("|", "\\|") for name, _ in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def emulated(name: str, *, timeout: float = 5.0, http_client: Any = None) -> Row:
    """Probe the emulation of one provider, asking for its default model; the row is marked ``emulated``.

    Args:
        name: The provider, a name in ``facts.BEHAVIOURS``.
        timeout: Seconds each request may take.
        http_client: An ``httpx`` client to share between rows (making one takes a while).
    """
    model = PROVIDERS[name].default_model if name in PROVIDERS else BEHAVIOURS[name].model
    with Emulation(name) as server:
        # Any key will do; a short one, since every 4-character piece of a key is masked.
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", http_client=http_client)
        return probe(client, model, label="emulated", endpoint=name, timeout=timeout)


class _Parser(UsageParser):
    """The CLI's one-line usage error, with any URL's credentials shown as ``***``."""

    def error(self, message: str) -> NoReturn:
        """Print ``python -m helpers probe: error: <message> (see ... --help)`` and exit 2."""
        super().error(re.sub(r"://[^/\s@]*@", "://***@", message))


def _seconds(text: str) -> float:
    """``--timeout``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text[:20]!r}")
    return value


def _base_url(text: str) -> str:
    """``--base-url``: an http(s) URL with a host and no credentials (never echoed)."""
    problem = base_url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m helpers probe", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--base-url", type=_base_url, help="an OpenAI-compatible endpoint to measure (with --model)"
    )
    where.add_argument(
        "--provider", choices=sorted(PROVIDERS), help="measure a known provider (its key variable)"
    )
    where.add_argument(
        "--emulate", choices=[*sorted(BEHAVIOURS), "all"], help="probe the loopback emulation(s)"
    )
    parser.add_argument("--model", help="the model to ask (default: the provider's)")
    parser.add_argument(
        "--key-env", help="the variable holding the key (default: the provider's, or OPENAI_API_KEY)"
    )
    parser.add_argument(
        "--extra-body", help="JSON added to every request, e.g. '{\"enable_thinking\": true}'"
    )
    parser.add_argument("--timeout", type=_seconds, default=20.0, help="seconds per request (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    return parser


def _key(args: argparse.Namespace) -> str:
    """The key to send: from ``--key-env``, else the provider's variable, else ``OPENAI_API_KEY``."""
    provider = PROVIDERS.get(args.provider or "")
    if provider and not args.key_env:
        return api_key_for(provider, os.environ).strip()
    return os.environ.get(args.key_env or "OPENAI_API_KEY", "").strip()


def _measure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Row:
    """Probe a real endpoint, with the key from the environment (never shown)."""
    provider = PROVIDERS.get(args.provider or "")
    model = args.model or (provider.default_model if provider else None)
    if not model:
        parser.error("--base-url needs --model")
    base_url = args.base_url or provider.base_url  # type: ignore[union-attr]
    key = _key(args)
    try:
        extra = json.loads(args.extra_body) if args.extra_body else None
    except ValueError:
        parser.error("--extra-body is not JSON")
    if extra is not None and not isinstance(extra, dict):
        parser.error("--extra-body must be a JSON object, e.g. '{\"enable_thinking\": true}'")
    return probe(
        base_url,
        model,
        api_key=key,
        endpoint=args.provider or "",  # else the base URL, shown without its query values
        timeout=args.timeout,
        extra_body=extra,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m helpers probe``; returns the exit code.

    0 when a row was printed (a strange answer is in its cells), 2 on a usage
    error, 1 when the probe could not run at all (an emulation could not start),
    130 on Ctrl-C; every error is one line on stderr.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.emulate:
            names = list(BEHAVIOURS) if args.emulate == "all" else [args.emulate]
            http = openai.DefaultHttpx2Client()
            rows = [emulated(name, http_client=http) for name in names]
        else:
            rows = [_measure(args, parser)]
    except KeyboardInterrupt:
        print("probe: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as error:  # the probe's own checks never raise: this is the setup
        print(f"probe: {type(error).__name__}: {mask(str(error), [_key(args)])}", file=sys.stderr)
        return 1
    print(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False) if args.json else table(rows))
    return 0
