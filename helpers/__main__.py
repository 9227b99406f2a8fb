"""``python -m helpers``: record lessons, check cassettes.

Examples:
    python -m helpers record notebooks/06_the_loop.ipynb          # live, needs a key
    python -m helpers record --provider dashscope notebooks/03_pass_the_tools.ipynb
    python -m helpers record --from-source notebooks/06_the_loop.ipynb  # rebuild, offline
    python -m helpers refresh notebooks/01_define_a_function.ipynb  # outputs from replay
    python -m helpers check                                       # every cassette
    python -m helpers contents                                    # navigation and README table
    python -m helpers lab                                         # open the lessons in JupyterLab
    python -m helpers eval                                        # lesson 12's evaluation, in replay
    python -m helpers eval --live --provider deepseek             # the same tasks, live (needs a key)
    python -m helpers probe --emulate all                         # what each provider supports (lesson 13)
    python -m helpers probe --provider dashscope                  # measured, needs a key
    python -m helpers serve cassettes/06_the_loop.yaml --in-order # replay a cassette to any client
"""

from __future__ import annotations

import sys

# Only what every subcommand needs is imported here: each imports its own
# modules when it runs, inside main(), so that the command starts at once and a
# Ctrl-C at any moment, a half-done import included, stops it with one line.
try:
    import argparse
    import contextlib
    import signal
    from collections.abc import Iterable
    from pathlib import Path

    from .settings import PROVIDERS, ROOT, SettingsError, UsageParser, load_settings, port_number
except KeyboardInterrupt:  # before main() is running to say it
    print("interrupted", file=sys.stderr)
    raise SystemExit(130) from None

SOURCES = ROOT / "cassettes" / "sources"


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="python -m helpers", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    rec = commands.add_parser("record", help="re-record lessons' cassettes and refresh outputs")
    rec.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    rec.add_argument("--provider", choices=sorted(PROVIDERS), help="provider to record with")
    rec.add_argument("--base-url", help="an OpenAI-compatible endpoint to record against")
    rec.add_argument("--model", help="the model to ask for")
    source = rec.add_mutually_exclusive_group()
    source.add_argument("--script", type=Path, help="serve this loopback script and record against it")
    source.add_argument(
        "--from-source",
        action="store_true",
        help="rebuild from cassettes/sources/<stem>.json (published or authored), offline",
    )
    ref = commands.add_parser("refresh", help="re-run lessons in replay and store their outputs (offline)")
    ref.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    chk = commands.add_parser(
        "check",
        help="lint cassettes (default: every one in cassettes/); exit 1: problems, 2: a file unreadable",
    )
    chk.add_argument("cassettes", nargs="*", type=Path, metavar="CASSETTE")
    commands.add_parser("contents", help="regenerate navigation cells and the README's contents table")
    lab = commands.add_parser(
        "lab",
        help="open the lessons in JupyterLab (extra options go to JupyterLab, e.g. --allow-root)",
    )
    lab.add_argument("--port", type=port_number, help="the port JupyterLab tries first (0: any free one)")
    lab.add_argument("extra", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    ev = commands.add_parser(
        "eval", help="run lesson 12's evaluation and print its score table; exit 1 if a task fails"
    )
    ev.add_argument("--live", action="store_true", help="ask a real model (needs a key); default: replay")
    ev.add_argument("--provider", choices=sorted(PROVIDERS), help="provider to ask, with --live")
    ev.add_argument("--base-url", help="an OpenAI-compatible endpoint to ask, with --live")
    ev.add_argument("--model", help="the model to ask for, with --live")
    # probe and serve read their own options (python -m helpers probe --help).
    for name, text in (
        ("probe", "ask an OpenAI-compatible endpoint, or the emulations, what it supports for tool calling"),
        ("serve", "serve a cassette as an OpenAI-compatible endpoint on 127.0.0.1, offline"),
    ):
        command = commands.add_parser(name, add_help=False, help=f"{text} ({name} --help)")
        command.add_argument("extra", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    for command in commands.choices.values():  # a usage error names the subcommand and its --help
        command.set_defaults(usage=command)
    return parser


def sources_of(stem: str) -> dict[str, Path]:
    """A lesson's loopback scripts by cassette: ``<stem>.json`` and ``<stem>.<session>.json``."""
    found = [SOURCES / f"{stem}.json", *sorted(SOURCES.glob(f"{stem}.*.json"))]
    return {path.stem: path for path in found if path.exists()}


INTERRUPTED = "interrupted: the old cassette and notebook are kept"


def _cassette_dir() -> Path:
    """Where the lessons' cassettes are (``LESSONS_CASSETTE_DIR``, default ``cassettes/``)."""
    try:
        return load_settings().cassette_dir
    except SettingsError:
        return ROOT / "cassettes"


def _interrupted(folders: Iterable[Path] = ()) -> list[str]:
    """Say which recordings a kill interrupted mid-commit in these folders; change nothing."""
    from .recording.journal import interrupted

    return [line for folder in sorted({_cassette_dir(), *folders}) for line in interrupted(folder)]


def _recover(notebooks: Iterable[Path]) -> None:
    """Finish the recordings of these notebooks that a kill interrupted mid-commit; report the others."""
    from .recording.journal import recover

    for line in recover(_cassette_dir(), notebooks):
        print(line)


def _record_one(args: argparse.Namespace, notebook: Path) -> tuple[bool, str]:
    """Record or refresh one notebook: whether it worked, and what happened."""
    from .recording.record import record, refresh

    if args.command == "refresh":
        outcome = refresh(notebook)
        return outcome.ok, outcome.message
    scripts = {notebook.stem: args.script} if args.script else None
    if args.from_source:
        scripts = sources_of(notebook.stem)
        if not scripts:
            return False, f"no script at {SOURCES / (notebook.stem + '.json')}"
    outcome = record(
        notebook, provider=args.provider, base_url=args.base_url, model=args.model, scripts=scripts
    )
    return outcome.ok, outcome.message


def _record(args: argparse.Namespace) -> int:
    from .recording.record import notebook_problem
    from .recording.redact import Scrubber

    for notebook in args.notebooks:  # a wrong argument is a usage error, before anything is run
        problem = notebook_problem(notebook)
        if problem:
            args.usage.error(f"{notebook}: {problem}")

    say = Scrubber(getattr(args, "base_url", None))  # no key or credential is ever printed
    failed = 0
    try:
        _recover(args.notebooks)
        for notebook in args.notebooks:
            ok, message = _record_one(args, notebook)
            print(say(f"{notebook}: {'ok' if ok else 'FAILED'}: {message}"))
            if not ok:
                print("  the old cassette and notebook are kept as they were")
                failed += 1
    except KeyboardInterrupt:
        _quiet_interrupt(INTERRUPTED)
        return 130
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    from .recording.check import check_all, exit_code

    stopped = _interrupted({p if p.is_dir() else p.parent for p in args.cassettes})
    reports = check_all(args.cassettes or [_cassette_dir()])
    lines = [*stopped, *(line for report in reports for line in report.lines())]
    for line in lines:
        print(line)
    problems = len(lines)
    unreadable = sum(not r.readable for r in reports)
    tail = f", {unreadable} could not be read" if unreadable else ""
    print(f"{len(reports)} cassette(s) checked, {problems} problem(s){tail}")
    return exit_code(reports) or (1 if stopped else 0)


def _eval(args: argparse.Namespace) -> int:
    import datetime as dt
    import os

    from .lessons.evaluate import EVAL_LESSON, evaluate, score_table
    from .recording.client import start_session
    from .recording.redact import Scrubber

    env = {**os.environ, "LESSONS_MODE": "live" if args.live else "replay"}
    env.pop("LESSONS_RECORD_PLAN", None)
    if not args.live and (args.provider or args.base_url or args.model):
        args.usage.error("--provider, --base-url and --model need --live: replay uses the cassettes' own")
    overrides = {
        "LESSONS_PROVIDER": args.provider,
        "OPENAI_BASE_URL": args.base_url,
        "LESSONS_MODEL": args.model,
    }
    env.update({k: v for k, v in overrides.items() if v})
    try:
        settings = load_settings(env)
    except SettingsError as error:
        print(f"eval: {error}", file=sys.stderr)
        return 2
    for line in _interrupted():
        print(line, file=sys.stderr)
    sessions = []

    def connect(task):  # one cassette per task in replay, named after it
        sessions.append(start_session(EVAL_LESSON, f"{EVAL_LESSON}.{task.name}", settings))
        return sessions[-1].client, sessions[-1].model

    results = evaluate(connect)
    sessions[-1].close()
    if args.live:
        when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        heading = f"live · {sessions[-1].provider} · {sessions[-1].model} · {when}"
    else:
        kinds = sorted({s.metadata.get("provenance", "?") for s in sessions})
        heading = (
            f"replay · {'/'.join(kinds)} sessions (written by hand, not a model's scores): "
            "no tokens were measured, and replay time is not a model's latency"
        )
    print(Scrubber(args.base_url)(score_table(results, heading, timed=args.live)))
    return 0 if all(r.passed for r in results) else 1


def _quiet_interrupt(line: str) -> None:
    """Say one line after Ctrl-C; a second Ctrl-C meanwhile prints nothing."""
    with contextlib.suppress(ValueError):  # not the main thread: its signals go elsewhere
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Every error is one line on stderr: exit 2 for a usage error, 1 for a
    failure, 130 for Ctrl-C, at whatever moment it comes.
    """
    previous = signal.getsignal(signal.SIGINT)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _quiet_interrupt("interrupted")
        return 130
    except SettingsError as err:
        print(f"python -m helpers: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - a command line says what failed, never a traceback
        print(f"python -m helpers: {type(err).__name__}: {err}".splitlines()[0], file=sys.stderr)
        return 1
    finally:
        with contextlib.suppress(TypeError, ValueError):  # not set from Python; not the main thread
            signal.signal(signal.SIGINT, previous)


def _main(argv: list[str] | None) -> int:
    """``main`` without its last-resort handlers."""
    args, unknown = _parser().parse_known_args(argv)
    if args.command == "lab":
        from .lessons.lab import main as lab

        port = [] if args.port is None else ["--port", str(args.port)]
        return lab([*port, *unknown, *args.extra])
    if args.command == "probe":
        from .providers.report import main as probe

        return probe([*unknown, *args.extra])
    if args.command == "serve":
        from .recording.serve import main as serve

        return serve([*unknown, *args.extra])
    if unknown:
        args.usage.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "contents":
        from .lessons.contents import update_all

        changed = update_all()
        print("\n".join(f"updated {name}" for name in changed) or "already up to date")
        return 0
    if args.command == "eval":
        return _eval(args)
    return _record(args) if args.command in ("record", "refresh") else _check(args)


if __name__ == "__main__":
    sys.exit(main())
