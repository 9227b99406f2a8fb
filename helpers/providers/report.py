"""``python -m helpers probe``: the compatibility matrix, as a markdown table or JSON.

Examples:
    python -m helpers probe --emulate all                     # every emulation, one row each
    python -m helpers probe --provider deepseek               # measured: needs DEEPSEEK_API_KEY
    python -m helpers probe --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B --json
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from typing import Any

import openai

from ..settings import PROVIDERS, api_key_for
from .emulate import Emulation
from .facts import BEHAVIOURS
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
    model = PROVIDERS[name].default_model
    with Emulation(name) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="emulated", http_client=http_client)
        return probe(client, model, label="emulated", endpoint=name, timeout=timeout)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers probe", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--base-url", help="an OpenAI-compatible endpoint to measure (with --model)")
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
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    return parser


def _measure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Row:
    """Probe a real endpoint, with the key from the environment (never shown)."""
    provider = PROVIDERS.get(args.provider or "")
    model = args.model or (provider.default_model if provider else None)
    if not model:
        parser.error("--base-url needs --model")
    base_url = args.base_url or provider.base_url  # type: ignore[union-attr]
    key_env = args.key_env or (provider.key_env if provider else "OPENAI_API_KEY")
    key = api_key_for(provider, os.environ) if provider and not args.key_env else os.environ.get(key_env, "")
    try:
        extra = json.loads(args.extra_body) if args.extra_body else None
    except ValueError:
        parser.error("--extra-body is not JSON")
    return probe(
        base_url,
        model,
        api_key=key.strip(),
        endpoint=args.provider or base_url,
        timeout=args.timeout,
        extra_body=extra,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m helpers probe``; returns the exit code (0; 2 on a usage error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.emulate:
        names = sorted(BEHAVIOURS, key=list(BEHAVIOURS).index) if args.emulate == "all" else [args.emulate]
        http = openai.DefaultHttpx2Client()
        rows = [emulated(name, http_client=http) for name in names]
    else:
        rows = [_measure(args, parser)]
    print(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False) if args.json else table(rows))
    return 0
