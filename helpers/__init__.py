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
- ``run_conversation`` (lesson 06): the six steps as one loop with a turn limit.
- ``practice_client``, ``check_tool_loop`` (lesson 06): an offline model to
  practise a loop on, and a checker that says what the loop got wrong.
- ``StreamAssembler``, ``assemble_stream``, ``Change`` (lesson 08): a streamed
  reply assembled into the message to append, whatever the server's quirks.
- ``run_responses``, ``ResponsesRun``, ``flat_tool`` (lesson 09): the loop on
  the Responses API (also ``run_conversation(..., api="responses")``).
- ``Approval``, ``decision_message`` (lesson 11): a person approves a side effect
  before it happens; ``run_conversation``'s budgets raise ``BudgetExceeded``.
- ``Task``, ``TASKS``, ``run_task``, ``score``, ``evaluate``, ``score_table``
  (lesson 12): an evaluation scored on the side effect (``python -m helpers eval``).

The modules are grouped by role, and each group imports only the ones above it:

- ``settings.py``: mode, provider, model and paths from the environment;
- ``tools/``: the example tools, the workspace sandbox, the observation tape;
- ``calling/``: tool definitions, the dispatcher, the conversation rules, the loop;
- ``recording/``: cassettes, the lesson's client, recording, replay and checks;
- ``lessons/``: the article's exchange, readable views, the contents, JupyterLab,
  the practice model;
- ``__main__.py``: ``python -m helpers record | refresh | check | contents | lab | eval``.
"""

from __future__ import annotations

from .calling.dispatch import ConversationError, check_conversation, run_tool_call, run_tool_calls, time_limit
from .calling.loop import (
    BadResponse,
    BudgetExceeded,
    Conversation,
    IncompleteResponse,
    LoopError,
    MaxTurnsExceeded,
    run_conversation,
)
from .calling.responses import ResponsesRun, run_responses
from .calling.schema import flat_tool, function_tool, responses_tool, tools_for
from .calling.stream import Change, StreamAssembler, assemble_stream
from .lessons.approval import Approval, decision_message
from .lessons.article import ARTICLE_TOOLS, RUN_A_PROMPT, RUN_B_PROMPT
from .lessons.evaluate import EVAL_LESSON, TASKS, Task, evaluate, run_task, score, score_table
from .lessons.practice import check_tool_loop, practice_client
from .lessons.show import show_json, show_transcript, side_by_side, transcript
from .recording.cassettes import ReplayMiss
from .recording.client import cassette_metadata, exchanges, setup
from .settings import load_settings
from .tools.machine import UnsafeWriteError, get_memory_info, memory_percent, workspace, write_file
from .tools.tape import observation

__all__ = [
    "ARTICLE_TOOLS",
    "Approval",
    "BadResponse",
    "BudgetExceeded",
    "RUN_A_PROMPT",
    "RUN_B_PROMPT",
    "Change",
    "Conversation",
    "ConversationError",
    "EVAL_LESSON",
    "IncompleteResponse",
    "LoopError",
    "MaxTurnsExceeded",
    "ReplayMiss",
    "ResponsesRun",
    "StreamAssembler",
    "TASKS",
    "Task",
    "UnsafeWriteError",
    "assemble_stream",
    "cassette_metadata",
    "check_conversation",
    "check_tool_loop",
    "decision_message",
    "evaluate",
    "exchanges",
    "flat_tool",
    "function_tool",
    "get_memory_info",
    "load_settings",
    "memory_percent",
    "observation",
    "practice_client",
    "responses_tool",
    "run_conversation",
    "run_responses",
    "run_task",
    "score",
    "score_table",
    "run_tool_call",
    "run_tool_calls",
    "setup",
    "show_json",
    "show_transcript",
    "side_by_side",
    "time_limit",
    "tools_for",
    "transcript",
    "workspace",
    "write_file",
]
