"""Failures a learner can fix, said in one line instead of a traceback.

In a notebook, a lesson that cannot reach its provider, whose key is refused,
whose request is not in its cassette, or whose live request meets a 400 a
model or mode is known for, stops with one line that says what was tried and
what to check. Elsewhere (scripts, tests) the exceptions are
raised as usual. The README's "Modes and providers" shows the modes these messages refer to.
"""

from __future__ import annotations

from typing import Any

import openai

from ..limits import AnswerTooLarge, AnswerTooSlow
from .cassettes import ReplayMiss

EXPLAINED = (openai.APIConnectionError, openai.AuthenticationError, openai.BadRequestError, ReplayMiss)
# Words that identify two 400s a live lesson can meet, as public reports quote them; the
# provider-facts ledger's claims openai.chat_tools_with_reasoning and
# deepseek.thinking_tool_choice hold the same words (tests/test_ledger.py checks).
REASONING_TOOLS = "Function tools with reasoning_effort are not supported"
THINKING_TOOL_CHOICE = "Thinking mode does not support this tool_choice"
# Qwen's words for the same refusal (cloudwego/eino#994; claim dashscope.thinking_tool_choice).
QWEN_THINKING_TOOL_CHOICE = "does not support being set to required or object in thinking mode"


def explain(error: BaseException, banner: str, key_env: str) -> str:
    """One line for a failure a learner can fix; the first line of the error otherwise.

    Args:
        error: The exception a cell raised.
        banner: The session's banner (mode, provider, model, address).
        key_env: The variable the provider's key is read from.
    """
    if isinstance(error, ReplayMiss):
        return str(error)
    if isinstance(error, AnswerTooLarge):
        return (
            f"An answer too large ({banner}): {error}. No model's reply is that long: check that "
            "OPENAI_BASE_URL is an OpenAI-compatible endpoint, or unset LESSONS_MODE to replay the "
            "recorded session."
        )
    if isinstance(error, AnswerTooSlow):
        return (
            f"No complete answer in time ({banner}): {error}. The server may be busy, or sending "
            "its answer very slowly: try again, wait longer with LESSONS_TIMEOUT, or unset "
            "LESSONS_MODE to replay the recorded session."
        )
    if isinstance(error, openai.APITimeoutError):
        return (
            f"No answer in time ({banner}). The server may be busy or far away: try again, "
            "wait longer with LESSONS_TIMEOUT (seconds per attempt), or unset LESSONS_MODE to "
            "replay the recorded session."
        )
    if isinstance(error, openai.APIConnectionError):
        return (
            f"Could not connect ({banner}). Check the network, the address (OPENAI_BASE_URL), "
            "any proxy, and for a local server that it is running; or unset LESSONS_MODE to "
            "replay the recorded session."
        )
    if isinstance(error, openai.AuthenticationError):
        where = f"check {key_env}" if key_env else "check the server's key settings"
        return f"The provider refused the key (401, {banner}): {where}."
    if isinstance(error, openai.BadRequestError):
        return _bad_request(error, banner)
    return _first_line(error)


def _bad_request(error: openai.BadRequestError, banner: str) -> str:
    """A 400 whose cause and fix a lesson teaches, in one line; any other 400's first line."""
    if REASONING_TOOLS in str(error):
        return (
            f"This model takes no function tools on Chat Completions while it reasons (400, {banner}). "
            'Run the loop on the Responses API: lesson 09, or run_conversation(..., api="responses").'
        )
    if THINKING_TOOL_CHOICE in str(error) or QWEN_THINKING_TOOL_CHOICE in str(error):
        return (
            f"In thinking mode this model refuses a forced tool_choice (400, {banner}). "
            'Send tool_choice="auto" (lesson 07), or turn thinking off for this request (lesson 13).'
        )
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def explain_in_notebooks(banner: str, key_env: str) -> None:
    """In IPython, show the failures in ``EXPLAINED`` as one line each."""
    try:
        from IPython import get_ipython
    except ImportError:  # not in a notebook: exceptions stay as they are
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        line = f"{etype.__name__}: {explain(value, banner, key_env)}"
        # A short traceback still marks the cell as failed, so "Run all" stops here.
        shell._showtraceback(etype, value, line.splitlines())

    shell.set_custom_exc(EXPLAINED, handler)
