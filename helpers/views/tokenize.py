"""Prompt tokens counted with the model's own encoding, offline (lesson 02).

``usage.prompt_tokens`` says how many tokens a request cost, not which part of
it they came from. To see what the tool definitions cost, count the rest of the
prompt, the messages, with the same tokenizer the model uses; what is left of
``prompt_tokens`` is the tools (and the few tokens the API adds to frame them).

gpt-5-mini's encoding is ``o200k_base``. ``tiktoken`` downloads that file on
first use; the ``bpe-openai`` package ships it inside its wheel, so the count
runs offline, and it gives the same token ids as tiktoken. Qwen and DeepSeek
use their own tokenizers, which no package here bundles.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

ENCODINGS = {"gpt-5-mini": "o200k_base", "gpt-5-mini-2025-08-07": "o200k_base"}
PER_MESSAGE = 3  # <|im_start|>, <|im_sep|>, <|im_end|> around each message
REPLY_PRIMING = 3  # <|im_start|>assistant<|im_sep|>, where the reply begins


@cache
def _encoding(name: str) -> Any:
    """The named encoding, loaded once (bpe-openai is imported only when counting)."""
    with warnings.catch_warnings():  # its loader uses a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai  # 75 MB with its data, ~2 s to load: only when counting

        encoding = bpe_openai.get_encoding(name)
        encoding.encode("")  # its data loads on first use: inside this block
    return encoding


def count_tokens(text: str, encoding: str = "o200k_base") -> int:
    """How many tokens a text is in an encoding.

    Args:
        text: Any text.
        encoding: A tiktoken encoding name, such as ``"o200k_base"``.

    Returns:
        The number of tokens.
    """
    return len(_encoding(encoding).encode(text))


def messages_tokens(messages: list[dict[str, Any]], encoding: str = "o200k_base") -> int:
    """The tokens of a list of messages as the chat format frames them.

    Counted the way OpenAI's cookbook counts them for its ``o200k_base``
    models: each message's role and text content, three framing tokens each,
    and three more where the reply starts. Tool calls are counted as their name
    and arguments.
    """
    total = REPLY_PRIMING
    for message in messages:
        total += PER_MESSAGE + count_tokens(message.get("role", ""), encoding)
        content = message.get("content") or ""
        total += count_tokens(content if isinstance(content, str) else json.dumps(content), encoding)
        for call in message.get("tool_calls") or []:
            total += count_tokens(call["function"]["name"] + call["function"]["arguments"], encoding)
    return total


@dataclass(frozen=True)
class PromptShare:
    """What part of a request's prompt tokens the tool definitions are.

    Attributes:
        prompt_tokens: The response's ``usage.prompt_tokens``, as the provider counted.
        messages: The messages' tokens, counted with ``encoding``.
        tools: ``prompt_tokens - messages``: the tool definitions as the API
            renders them for the model, with their framing.
        tools_as_json: The ``tools`` list as compact JSON, counted: for comparison.
        encoding: The tokenizer used.
    """

    prompt_tokens: int
    messages: int
    tools: int
    tools_as_json: int
    encoding: str

    @property
    def share(self) -> float:
        """The tools' share of the prompt, from 0 to 1."""
        return self.tools / self.prompt_tokens


def prompt_share(request: dict[str, Any], prompt_tokens: int, encoding: str | None = None) -> PromptShare:
    """Split a request's prompt tokens into its messages and its tools.

    Args:
        request: The request body, with ``model``, ``messages`` and ``tools``.
        prompt_tokens: Its response's ``usage.prompt_tokens``.
        encoding: The encoding to count with (default: the model's, from ``ENCODINGS``).

    Returns:
        The ``PromptShare``.

    Raises:
        KeyError: No encoding is known for the request's model, and none was given.
    """
    encoding = encoding or ENCODINGS[request["model"]]
    messages = messages_tokens(request["messages"], encoding)
    compact = json.dumps(request.get("tools", []), ensure_ascii=False, separators=(",", ":"))
    return PromptShare(
        prompt_tokens, messages, prompt_tokens - messages, count_tokens(compact, encoding), encoding
    )
