"""The list of lessons, and what is generated from it: navigation cells and the README's table.

``python -m helpers contents`` rewrites, from ``LESSONS`` alone, the last cell
of every notebook (``prev | contents | next``, tagged ``navigation``) and the
table between the contents markers in README.md, the one table of lessons (the
navigation cells link to it). It can be re-run at any time: a second run
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..settings import ROOT

NAV_TAG = "navigation"
START, END = "<!-- contents:start -->", "<!-- contents:end -->"


@dataclass(frozen=True)
class Lesson:
    """One notebook: its file stem, its title, and the one thing it teaches."""

    stem: str
    title: str
    teaches: str


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_overview", "Overview", "what function calling is, the six steps, how to run the lessons"),
    Lesson(
        "01_define_a_function", "Define a function", "the article's two tools as plain Python, run directly"
    ),
    Lesson(
        "02_describe_the_function",
        "Describe the function",
        "the JSON schema by hand, then generated from the signature; strict mode; its token cost, measured",
    ),
    Lesson(
        "03_pass_the_tools",
        "Pass the tools",
        "the first request with `tools`; the raw request and response; `finish_reason` and `tool_calls`",
    ),
    Lesson(
        "04_handle_the_response",
        "Handle the response",
        "read `tool_calls`, dispatch by name, parse arguments; why `tool_calls[0]` is a bug",
    ),
    Lesson(
        "05_return_the_result",
        "Return the result",
        'the `role: "tool"` message and its `tool_call_id`; every call answered exactly once',
    ),
    Lesson(
        "06_the_loop",
        "The loop",
        "the loop by hand, then packaged; the conversation stepped through; both branches of the rule; "
        "the turn limit; a fake model to test your loop offline; failed requests; your own loop, checked",
    ),
    Lesson(
        "07_parallel_calls_and_tool_choice",
        "Parallel calls and tool_choice",
        "several calls in one reply, run concurrently; `parallel_tool_calls`; every `tool_choice`; "
        "strict mode in practice",
    ),
    Lesson(
        "08_streaming_tool_calls",
        "Streaming tool calls",
        "tool-call deltas assembled by hand, then made to survive each quirk compatible servers send; "
        "where the SDK's stream helper breaks; a streamed loop by hand, run to the end",
    ),
    Lesson(
        "09_the_responses_api",
        "The Responses API",
        "the same loop on `responses.create`: `function_call` items, `call_id`, reasoning items, "
        "streamed events",
    ),
    Lesson(
        "10_when_things_go_wrong",
        "When things go wrong",
        "the model's mistakes answered and corrected; cut-off, filtered and refused replies; "
        "429, 500 and 400 replayed; timeouts; streams that break or are cut short; the turn limit",
    ),
    Lesson(
        "11_safe_tools",
        "Safe tools",
        "the sandbox rule by rule; narrowing what a model can ask for; approval before a side "
        "effect; prompt injection and its defences; budgets",
    ),
    Lesson(
        "12_testing_tool_code",
        "Testing tool code",
        "unit tests for tools, the loop against a scripted model, replayed sessions as tests, "
        "an evaluation scored on the side effect",
    ),
    Lesson(
        "13_compatible_providers",
        "Compatible providers",
        "the memory scenario on Qwen, DeepSeek, vLLM and Ollama: what changes, their tool-calling "
        "differences with sources, one loop and one stream assembler for all",
    ),
    Lesson(
        "14_legacy_functions",
        "Legacy functions",
        'the deprecated `functions`, `function_call` and `role: "function"`, their `tools` '
        "equivalents, and migrating old code and conversations",
    ),
    Lesson(
        "15_tools_and_structured_answers",
        "Tools and structured answers",
        "a final answer as typed data: `response_format` and `text.format` beside tools, `parse()` and "
        "`refusal`; the tool as extractor; the tools' token cost from the API's own counter",
    ),
    Lesson(
        "16_tools_over_mcp",
        "Tools over MCP",
        "the article's tools served by an MCP server over stdio: listed, turned into tool definitions by "
        "hand, called from the loop, then through `McpTools`; what MCP adds; a description changed "
        "after review (a rug pull), and pinning",
    ),
    Lesson(
        "17_from_helpers_to_an_agent_framework",
        "From these helpers to an agent framework",
        "the memory scenario in openai-agents: `function_tool`, `Agent`, `Runner.run`, `max_turns`, "
        "`needs_approval`, the requests it sends; each hand-written step mapped to its piece; "
        "tool search replayed on gpt-5.4 (`ToolSearchTool`, `defer_loading`, namespaces)",
    ),
)


def navigation(index: int, lessons: tuple[Lesson, ...] = LESSONS) -> str:
    """The navigation cell's markdown for the lesson at ``index``."""
    parts = []
    if index > 0:
        before = lessons[index - 1]
        parts.append(f"< [{before.stem[:2]} {before.title}]({before.stem}.ipynb)")
    parts.append("[Contents](../README.md#contents)")
    if index + 1 < len(lessons):
        after = lessons[index + 1]
        parts.append(f"[{after.stem[:2]} {after.title}]({after.stem}.ipynb) >")
    return " | ".join(parts)


def contents_table(lessons: tuple[Lesson, ...] = LESSONS, folder: str = "notebooks/") -> str:
    """The contents table, in lesson order, linking into ``folder``."""
    rows = ["| # | lesson | teaches |", "| --- | --- | --- |"]
    rows += [f"| {x.stem[:2]} | [{x.title}]({folder}{x.stem}.ipynb) | {x.teaches} |" for x in lessons]
    return "\n".join(rows)


def update_notebook(path: Path, index: int) -> bool:
    """Put the navigation cell last in one notebook; True when the file changed.

    The file is written as nbformat (and so JupyterLab) writes it, sources
    split into lines, so that saving it in JupyterLab changes nothing.
    """
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    cells = [c for c in nb.cells if NAV_TAG not in c.metadata.get("tags", [])]
    cells.append(nbformat.v4.new_markdown_cell(navigation(index), id=NAV_TAG, metadata={"tags": [NAV_TAG]}))
    nb.cells = cells
    new = nbformat.writes(nb) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8", newline="\n")
    return new != text


def update_readme(path: Path) -> bool:
    """Replace the table between the contents markers; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{contents_table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def update_all(root: Path = ROOT) -> list[str]:
    """Regenerate every navigation cell and the README table; the files changed."""
    changed = []
    for index, lesson in enumerate(LESSONS):
        path = root / "notebooks" / f"{lesson.stem}.ipynb"
        if path.exists() and update_notebook(path, index):
            changed.append(str(path.relative_to(root)))
    if update_readme(root / "README.md"):
        changed.append("README.md")
    return changed
