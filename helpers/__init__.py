"""Helpers behind the function-calling lessons: what the notebooks import.

Each helper packages something a lesson first writes out by hand:

- ``setup`` (lesson 00): a lesson's client and model, replaying its cassette
  unless live or record mode is asked for.
- ``get_memory_info``, ``write_file``, ``memory_percent``, ``workspace``
  (lesson 01): the article's two tools, with ``write_file`` kept inside the
  lessons' workspace.
- ``function_tool``, ``responses_tool``, ``tools_for`` (lesson 02): a tool
  definition from a function's signature and docstring.
- ``ARTICLE_TOOLS``, ``RUN_B_PROMPT`` (lesson 02): the article's definitions and
  prompt, as published.
- ``show_json``, ``show_transcript``, ``side_by_side``, ``exchanges``
  (lesson 03): what was sent and received, readably; ``cassette_metadata``
  (lesson 06): where a replayed session comes from.
- ``run_tool_call``, ``run_tool_calls`` (lesson 04): tool calls to tool
  messages, never letting a model's mistake raise.
- ``check_conversation`` (lesson 05): the conversation rules, checked before a
  request is sent.
- ``run_conversation`` (lesson 06): the six steps as one loop with a turn limit;
  ``Limits``: how long each of its requests may take in all and how large its
  answer may be.
- ``practice_client``, ``check_tool_loop`` (lesson 06): an offline model to
  practise a loop on, and a checker that says what the loop got wrong.
- ``StreamAssembler``, ``assemble_stream``, ``Change`` (lesson 08): a streamed
  reply assembled into the message to append, whatever the server's quirks.
- ``run_responses``, ``ResponsesRun``, ``flat_tool`` (lesson 09): the loop on
  the Responses API (also ``run_conversation(..., api="responses")``).
- ``Approval``, ``decision_message`` (lesson 11): a person approves a side effect
  before it happens; ``run_conversation``'s budgets raise ``BudgetExceeded``.
- ``fetch_page``, ``fetch_allowed_page``, ``check_url``, ``PageError``
  (lesson 11): a web page as a tool result, and an allow-list of hosts.
- ``Task``, ``TASKS``, ``run_task``, ``score``, ``evaluate``, ``score_table``
  (lesson 12): an evaluation scored on the side effect (``python -m helpers eval``).
- ``probe``, ``Emulation``, ``emulated_client`` (lesson 13): what an
  OpenAI-compatible endpoint supports, and loopback servers (or an in-process
  client) that answer as each provider documents (``python -m helpers probe``).
- ``McpTools``, ``McpError``, ``taped`` (lesson 16): an MCP server's tools started
  over stdio and called from the loop, observations replayed from the tape.
- ``tools_from_functions``, ``tool_choice_from_function_call``,
  ``messages_from_legacy`` (lesson 14): the legacy ``functions`` form moved to ``tools``.
- ``async_twin`` (lesson 17): an ``AsyncOpenAI`` that sends through a lesson's
  client, for an agent framework.
- ``stepper``, ``sequence_diagram``, ``token_bars``, ``LiveArguments``,
  ``prompt_share``, ``count_tokens`` (lessons 00, 02, 06-09): a conversation
  stepped through turn by turn, drawn as a sequence diagram, its tokens as bars,
  streamed arguments as they arrive, and tokens counted offline.

The modules are grouped by role, and each group imports only the ones above it:

- ``settings.py``: mode, provider, model and paths from the environment;
- ``limits/``: bounds on an HTTP exchange in total time and in bytes;
- ``tools/``: the example tools, the workspace sandbox, the observation tape;
- ``calling/``: tool definitions, the dispatcher, the conversation rules, the loop;
- ``views/``: pictures and widgets of a conversation (stepper, sequence diagram,
  token bars);
- ``recording/``: cassettes, the lesson's client, recording, replay, checks
  (with the providers' shape profiles, from real traffic), and ``serve`` (a
  cassette as an endpoint for any client);
- ``providers/``: the provider-facts ledger (every provider claim, sourced and
  dated), the providers' documented behaviour, their emulations, the probe;
- ``lessons/``: the article's exchange, readable views, the contents, JupyterLab,
  the practice model;
- ``__main__.py``: ``python -m helpers record | refresh | check | contents | lab | eval |
  probe | serve``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it. Importing ``helpers`` loads
# none of them: a name's module is imported the first time the name is used
# (PEP 562), so a lesson's setup cell does not pay for ipywidgets, vcrpy or the
# loop it does not use yet. To export a new name, add one line here.
_EXPORTS = {
    "ARTICLE_TOOLS": ".lessons.article",
    "Approval": ".lessons.approval",
    "BadResponse": ".calling.loop",
    "BudgetExceeded": ".calling.loop",
    "Change": ".calling.stream",
    "Conversation": ".calling.loop",
    "ConversationError": ".calling.dispatch",
    "EVAL_LESSON": ".lessons.evaluate",
    "Emulation": ".providers.emulate",
    "IncompleteResponse": ".calling.loop",
    "LimitExceeded": ".limits",
    "Limits": ".limits",
    "LiveArguments": ".views.live",
    "LoopError": ".calling.loop",
    "MaxTurnsExceeded": ".calling.loop",
    "McpError": ".calling.mcp_tools",
    "McpTools": ".calling.mcp_tools",
    "PageError": ".tools.web",
    "RUN_A_PROMPT": ".lessons.article",
    "RUN_B_PROMPT": ".lessons.article",
    "ReplayMiss": ".recording.cassettes",
    "ResponsesRun": ".calling.responses",
    "StreamAssembler": ".calling.stream",
    "TASKS": ".lessons.evaluate",
    "Task": ".lessons.evaluate",
    "UnsafeWriteError": ".tools.machine",
    "assemble_stream": ".calling.stream",
    "async_twin": ".limits.twin",
    "cassette_metadata": ".recording.client",
    "check_conversation": ".calling.dispatch",
    "check_tool_loop": ".lessons.practice",
    "check_url": ".tools.web",
    "count_tokens": ".views.tokenize",
    "decision_message": ".lessons.approval",
    "emulated_client": ".providers.emulate",
    "evaluate": ".lessons.evaluate",
    "exchanges": ".recording.client",
    "fetch_allowed_page": ".tools.web",
    "fetch_page": ".tools.web",
    "flat_tool": ".calling.schema",
    "function_tool": ".calling.schema",
    "get_memory_info": ".tools.machine",
    "load_settings": ".settings",
    "memory_percent": ".tools.machine",
    "messages_from_legacy": ".calling.legacy",
    "observation": ".tools.tape",
    "practice_client": ".lessons.practice",
    "probe": ".providers.probe",
    "prompt_share": ".views.tokenize",
    "responses_tool": ".calling.schema",
    "run_conversation": ".calling.loop",
    "run_responses": ".calling.responses",
    "run_task": ".lessons.evaluate",
    "run_tool_call": ".calling.dispatch",
    "run_tool_calls": ".calling.dispatch",
    "score": ".lessons.evaluate",
    "score_table": ".lessons.evaluate",
    "sequence_diagram": ".views.sequence",
    "taped": ".tools.tape",
    "setup": ".recording.client",
    "show_json": ".lessons.show",
    "show_transcript": ".lessons.show",
    "side_by_side": ".lessons.show",
    "stepper": ".views.stepper",
    "time_limit": ".calling.dispatch",
    "token_bars": ".views.tokens",
    "tool_choice_from_function_call": ".calling.legacy",
    "tools_for": ".calling.schema",
    "tools_from_functions": ".calling.legacy",
    "transcript": ".lessons.show",
    "workspace": ".tools.machine",
    "write_file": ".tools.machine",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, and keep the name for next time."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's own names and every public name, loaded or not."""
    return sorted({*globals(), *__all__})
