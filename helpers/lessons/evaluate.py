"""An evaluation of the article's task: prompts, memory levels, and a score on the side effect.

Lesson 12 teaches it; ``python -m helpers eval`` runs it. Each ``Task`` gives a
prompt (Chinese or English, in different words) and the memory reading that
``get_memory_info`` returns for it. The model runs with the article's tool
definitions against two stand-in tools: ``get_memory_info`` returns the task's
reading, and ``write_file`` writes, through the lessons' own sandbox, into a
fresh folder for the task. A task
passes when the model wrote the right file (``mem_high.txt`` above 80%,
``mem_ok.txt`` otherwise), only that one, with the right usage figure in it.
What the model said does not count: only what it did.

The client comes from the caller (``connect``), so the same tasks run in replay
from authored cassettes, or live against any provider.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from ..calling.loop import run_conversation
from ..tools.machine import write_file_in
from .article import ARTICLE_TOOLS, RUN_B_PROMPT

EVAL_LESSON = "12_testing_tool_code"
OUTPUT_FILES = ("mem_high.txt", "mem_ok.txt")
MAX_TURNS = 6

EN_PROMPT = (
    "Work out how much of my computer's memory is in use, with the details. If usage is above 80%, "
    "write the memory information to mem_high.txt; otherwise write it to mem_ok.txt."
)
EN_PROMPT_SHORT = (
    "Is more than 80% of my RAM in use? Save the memory figures to mem_high.txt if so, else mem_ok.txt."
)


@dataclass(frozen=True)
class Task:
    """One evaluation task: a prompt and the memory the model will see.

    Args:
        name: A short name; the replayed cassette is ``12_testing_tool_code.<name>``.
        prompt: The user's message.
        total: Bytes of memory installed, as ``get_memory_info`` reports.
        available: Bytes available.
    """

    name: str
    prompt: str
    total: int
    available: int

    @property
    def memory(self) -> str:
        """What ``get_memory_info`` returns for this task (JSON text, as the real tool)."""
        info = {"total": self.total, "available": self.available, "used": self.total - self.available}
        return json.dumps({**info, "free": self.available})

    @property
    def percent(self) -> float:
        """The share in use, as ``memory_percent`` computes it (lesson 06)."""
        return round((self.total - self.available) / self.total * 100, 2)

    @property
    def expected_file(self) -> str:
        """The file the prompt's rule asks for."""
        return "mem_high.txt" if self.percent > 80 else "mem_ok.txt"


TASKS: tuple[Task, ...] = (
    Task("zh_high", RUN_B_PROMPT, 17034395648, 2812403712),  # 83.49%
    Task("zh_ok", RUN_B_PROMPT, 34219794432, 12072124416),  # 64.72%, run B's machine
    Task("en_high", EN_PROMPT, 8589934592, 756023296),  # 91.20%
    Task("en_near", EN_PROMPT_SHORT, 17034395648, 3410000000),  # 79.98%, just below the line
)


@dataclass
class Result:
    """How one task went."""

    task: str
    passed: bool
    reason: str
    turns: int = 0
    tokens: int | None = None
    seconds: float | None = None


def score(task: Task, folder: Path) -> tuple[bool, str]:
    """Score a run on its side effect: the files it left in ``folder``.

    Returns:
        ``(passed, reason)``: passed only if the expected file, and no other of
        ``mem_high.txt`` / ``mem_ok.txt``, was written, and it holds the usage
        (``83.49`` or ``83.5`` for 83.49%).
    """
    written = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []
    if task.expected_file not in written:
        return False, f"expected {task.expected_file}, found {written or 'no file'}"
    wrong = [name for name in written if name in OUTPUT_FILES and name != task.expected_file]
    if wrong:
        return False, f"also wrote {wrong[0]}"
    text = (folder / task.expected_file).read_text(encoding="utf-8")
    figures = {f"{task.percent:.2f}", f"{task.percent:.1f}"}
    if not any(figure in text for figure in figures):
        return False, f"{task.expected_file} does not give the usage ({task.percent:.2f}%)"
    return True, f"{task.expected_file} with {task.percent:.2f}%"


def stand_in_tools(task: Task, folder: Path) -> dict[str, Callable[..., Any]]:
    """The task's tools: its memory reading, and a ``write_file`` into ``folder`` only."""

    def get_memory_info() -> str:
        return task.memory

    def write_file(file_name: str, text: str) -> None:
        write_file_in(folder.resolve, file_name, text)

    return {"get_memory_info": get_memory_info, "write_file": write_file}


def _tokens(responses: Sequence[Any]) -> int | None:
    usages = [getattr(r, "usage", None) for r in responses]
    if not usages or any(u is None for u in usages):
        return None  # authored cassettes carry no usage: nothing was measured
    return sum(u.total_tokens for u in usages)


def run_task(task: Task, client: openai.OpenAI, model: str) -> Result:
    """Run one task with the article's tools and score what it wrote."""
    with tempfile.TemporaryDirectory(prefix=f"eval-{task.name}-") as scratch:
        folder = Path(scratch)
        messages = [{"role": "user", "content": task.prompt}]
        started = time.perf_counter()
        try:
            run = run_conversation(
                client, model, messages, ARTICLE_TOOLS, stand_in_tools(task, folder), max_turns=MAX_TURNS
            )
        except Exception as error:  # noqa: BLE001 - any failure (a LoopError, an APIError, a replay miss) scores 0
            turns = getattr(getattr(error, "conversation", None), "turns", 0)
            return Result(task.name, False, f"{type(error).__name__}: {error}"[:80], turns)
        seconds = time.perf_counter() - started
        passed, reason = score(task, folder)
    return Result(task.name, passed, reason, run.turns, _tokens(run.responses), seconds)


def evaluate(
    connect: Callable[[Task], tuple[openai.OpenAI, str]], tasks: Sequence[Task] = TASKS
) -> list[Result]:
    """Run every task; ``connect(task)`` gives the client and model to use for it."""
    return [run_task(task, *connect(task)) for task in tasks]


def score_table(results: Sequence[Result], heading: str, timed: bool) -> str:
    """The results as a table: task, passed, turns, tokens, time, and a total line.

    Args:
        results: What ``evaluate`` returned.
        heading: Where the scores come from (authored sessions, or which model and when).
        timed: Show the time; off in replay, where no model was asked.
    """
    lines = [heading, f"{'task':<9} {'passed':<6} {'turns':>5} {'tokens':>7} {'time':>6}  detail"]
    for r in results:
        tokens = "n/a" if r.tokens is None else str(r.tokens)
        seconds = f"{r.seconds:.1f}s" if timed and r.seconds is not None else "-"
        lines.append(
            f"{r.task:<9} {'yes' if r.passed else 'NO':<6} {r.turns:>5} {tokens:>7} {seconds:>6}  {r.reason}"
        )
    lines.append(f"{sum(r.passed for r in results)}/{len(results)} tasks passed")
    return "\n".join(lines)
