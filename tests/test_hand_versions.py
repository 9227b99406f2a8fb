"""Nothing only a helper knows: each helper a lesson calls was first written by hand.

The notebooks are read, not run: every name a code cell imports from ``helpers``
is found, and the first cell that uses it. ``HAND`` says where a lesson wrote
that helper's core by hand, small (a lesson, and a line of its code); that cell
must come before the first use. ``BEYOND`` names the few helpers that are not
the lessons' subject (drawing, replaying), with the words of the lesson that say
so plainly, before the first use. A helper in neither table fails, and so does a
row no lesson needs any more.

Lesson 00 is the one preview: it replays the finished run before any piece of it
is built, and says so (``PREVIEW``). Its uses are not first uses; each helper it
calls must still have its hand version in lessons 01-06, or be beyond them.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import nbformat
import pytest

from helpers.lessons.contents import LESSONS

ROOT = Path(__file__).resolve().parent.parent
STEMS = [lesson.stem for lesson in LESSONS]
PREVIEW = "built by hand in lessons 01"  # lesson 00's prose says so

# helper: (lesson number, a line of the hand-written version in that lesson's code)
HAND: dict[str, tuple[str, str]] = {
    # lessons 02-09 (02, 07, 09)
    "ARTICLE_TOOLS": ("02", '"description": "将文本数据写入文件",'),
    "function_tool": ("02", "def tool_from(func):"),
    "tools_for": ("02", "[tool_from(f) for f in (get_memory_info, write_file)] == tools"),
    "responses_tool": ("02", 'flat = {"type": "function", **chat_tool["function"], "strict": False}'),
    "prompt_share": ("02", 'encoding = bpe_openai.get_encoding("o200k_base")'),
    "observation": ("07", "func.__observation__ = True"),
    # lessons 00-03 (and the helpers lesson 00 previews: ARTICLE_TOOLS from 02, run_conversation from 06)
    "get_memory_info": ("01", "def get_memory_info():"),
    "write_file": ("01", "def write_file_in(folder, file_name, text):"),
    "UnsafeWriteError": ("01", "raise ValueError(f\"refused {file_name!r}: '..' would leave the folder\")"),
    "memory_percent": ("01", 'percent = (run_b["total"] - run_b["available"]) / run_b["total"] * 100'),
    "RUN_B_PROMPT": ("03", '"content": "需要帮我计算电脑的内存使用率和具体的使用情况'),
    "exchanges": ("03", "raw = client.chat.completions.with_raw_response.create("),
    "run_conversation": ("06", "def run_loop("),
    # lessons 04-06
    "show_json": ("04", "print(json.dumps(memory_message, indent=2, ensure_ascii=False))"),
    "run_tool_call": ("04", "def tool_message(call, functions):"),
    "run_tool_calls": ("04", "def tool_message(call, functions):"),
    "check_conversation": ("05", "def rule_breaks(messages):"),
    "ConversationError": ("05", "def rule_breaks(messages):"),
    "MaxTurnsExceeded": ("06", 'raise RuntimeError(f"the model still called tools after {max_turns} turns'),
    "practice_client": ("06", "transport = httpx2.MockTransport(handler)"),
    "check_tool_loop": ("06", 'assert received[-1]["messages"] == test_messages[:-1]'),
    # lessons 11-14
    "Approval": ("11", "def ask_by_hand(call, answer=input):"),
    "decision_message": ("11", 'def decision_by_hand(call_id, decision, name, result=""):'),
    "check_url": ("11", "def check_url_by_hand(url, allowed_hosts):"),
    "fetch_page": ("11", "def fetch_by_hand(url, allowed_hosts):"),
    "fetch_allowed_page": ("11", "def fetch_by_hand(url, allowed_hosts):"),
    "BudgetExceeded": ("11", "def spent(responses, prices):"),
    "TASKS": ("12", "EN_HIGH = {"),
    "evaluate": ("12", "def run_task_by_hand(task, client, model):"),
    "emulated_client": ("12", "def scripted_client(planned, check=None):"),
    "PROVIDERS": ("13", 'base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",'),
    "tools_from_functions": ("14", "def tools_by_hand(functions):"),
    "tool_choice_from_function_call": ("14", "def tool_choice_by_hand(function_call):"),
    "messages_from_legacy": ("14", "def messages_by_hand(messages):"),
    # lessons 08-10
    "assemble_stream": ("08", "def assemble(chunks):"),
    "StreamAssembler": ("08", "def assemble(chunks):"),
    "IncompleteResponse": ("08", 'if finish_reason in ("length", "content_filter"):'),
    # lessons 15-17
    "McpTools": ("16", "def call_on_server(call):"),
    "async_twin": ("17", "class ThroughSyncClient(httpx2.AsyncBaseTransport):"),
}

# helper: (lesson number, words of that lesson's prose saying it is beyond the lessons)
BEYOND: dict[str, tuple[str, str]] = {
    # lessons 02-09 (02, 07, 09)
    "token_bars": ("02", "a drawing helper beyond the lessons' subject"),
    # lessons 00-03
    "setup": ("00", "`setup` is plumbing beyond the lessons' subject"),
    "workspace": ("00", "`workspace` only names the folder that files are written into"),
    "show_transcript": ("00", "drawing helpers that only display what your code already holds"),
    "sequence_diagram": ("00", "drawing helpers that only display what your code already holds"),
    "side_by_side": ("03", "`side_by_side` is a display helper beyond the lessons"),
    # lessons 04-06
    "stepper": ("06", "`stepper` is beyond the lessons"),
    "cassette_metadata": ("06", "`cassette_metadata` is beyond the lessons"),
    # lessons 11-14
    "score_table": ("12", "`score_table` is beyond the lessons"),
    "probe": ("13", "are beyond the lessons"),
    # lessons 08-10
    "LiveArguments": ("08", "beyond the lessons: a drawing helper that only displays"),
    # lessons 15-17
    "mcp_server": ("16", "Writing a server is beyond these lessons"),
    "taped": ("16", "Like the rest of replay, `taped` is beyond the lessons."),
}


def parsed(source: str) -> ast.Module:
    """A code cell as Python: IPython's magics and shell lines left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def imported(tree: ast.Module) -> dict[str, str]:
    """Local name -> helper name, for what a cell imports from helpers."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
            names |= {alias.asname or alias.name: alias.name for alias in node.names}
    return names


def used(tree: ast.Module, aliases: dict[str, str]) -> set[str]:
    """Helper names a cell uses, by local name or as ``helpers.name``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in aliases:
            found.add(aliases[node.id])
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "helpers"
        ):
            found.add(node.attr)
    return found


@cache
def lesson(stem: str) -> nbformat.NotebookNode:
    """A lesson's notebook, read once for all the tests of this file."""
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def first_uses(stems: list[str]) -> dict[str, tuple[int, int]]:
    """Each helper these lessons use -> (lesson index, cell index) of its first use."""
    first: dict[str, tuple[int, int]] = {}
    for stem in stems:
        n = STEMS.index(stem)
        nb = lesson(stem)
        aliases: dict[str, str] = {}
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            tree = parsed(cell.source)
            aliases |= imported(tree)
            for name in used(tree, aliases):
                first.setdefault(name, (n, i))
    return first


def where(number: str, text: str, kind: str) -> tuple[int, int] | None:
    """(lesson index, cell index) of the first ``kind`` cell of lesson ``number`` holding ``text``."""
    n = next(i for i, stem in enumerate(STEMS) if stem.startswith(number))
    nb = lesson(STEMS[n])
    return next(((n, i) for i, c in enumerate(nb.cells) if c.cell_type == kind and text in c.source), None)


FIRST = first_uses(STEMS[1:])
IN_PREVIEW = first_uses(STEMS[:1])


def test_the_reader_finds_imports_and_uses():
    tree = parsed("%time x = 1\nfrom helpers.calling import run as go\nimport helpers\ngo()\nhelpers.setup()")
    aliases = imported(tree)
    assert aliases == {"go": "run"}
    assert used(tree, aliases) == {"run", "setup"}


def test_every_helper_has_a_row_and_every_row_a_helper():
    missing = sorted((set(FIRST) | set(IN_PREVIEW)) - set(HAND) - set(BEYOND))
    stale = sorted((set(HAND) | set(BEYOND)) - set(FIRST) - set(IN_PREVIEW))
    both = sorted(set(HAND) & set(BEYOND))
    assert not missing, f"helpers the lessons call with no hand version named: {missing}"
    assert not stale, f"rows for helpers no lesson calls: {stale}"
    assert not both, f"in both tables: {both}"


@pytest.mark.parametrize("name", sorted(HAND))
def test_the_hand_version_comes_first(name):
    number, line = HAND[name]
    found = where(number, line, "code")
    assert found, f"{name}: lesson {number} has no code cell with {line!r}"
    if name in IN_PREVIEW:
        assert "01" <= number <= "06", f"{name}: lesson 00 previews it, so lessons 01-06 write it by hand"
    if name in FIRST:
        assert found < FIRST[name], (
            f"{name}: its hand version {found} comes after its first use {FIRST[name]}"
        )


@pytest.mark.parametrize("name", sorted(BEYOND))
def test_a_helper_beyond_the_lessons_is_said_to_be(name):
    number, words = BEYOND[name]
    found = where(number, words, "markdown")
    assert found, f"{name}: lesson {number}'s prose never says {words!r}"
    first = min(use for use in (IN_PREVIEW.get(name), FIRST.get(name)) if use)
    assert found < first, f"{name}: the lesson says so at {found}, after its first use {first}"


def test_lesson_00_says_it_is_a_preview():
    if IN_PREVIEW:
        assert where("00", PREVIEW, "markdown"), f"lesson 00 uses helpers, and never says {PREVIEW!r}"
