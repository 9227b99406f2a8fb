"""Failures a learner can fix, said in one line instead of a traceback.

In a notebook, a lesson that cannot reach its provider, whose key is refused,
or whose request is not in its cassette, stops with one line that says what
was tried and what to check. Elsewhere (scripts, tests) the exceptions are
raised as usual. Lesson 00 shows the modes these messages refer to.
"""

from __future__ import annotations

from typing import Any

import openai

from ..limits import AnswerTooLarge, AnswerTooSlow
from .cassettes import ReplayMiss

EXPLAINED = (openai.APIConnectionError, openai.AuthenticationError, ReplayMiss)


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
