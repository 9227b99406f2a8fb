"""Gemini's OpenAI-compatibility layer, OpenRouter and Mistral: the providers lesson 13 shows emulated.

The lessons configure none of them (no ``settings.PROVIDERS`` entry), so their
base URLs are claims of their own (``compat_base_url``), not a provider table's.
OpenRouter passes on each upstream's replies; only what public reports show of
OpenRouter itself is claimed here.
"""

from __future__ import annotations

from .model import Claim

CHECKED = "2026-12-04"
GEMINI_DOCS = "https://ai.google.dev/gemini-api/docs/openai"
GEMINI_STREAM = (
    "openai/openai-python#2806 (the SDK fails on Gemini's streamed calls); THU-MAIC/OpenMAIC#1556 "
    "(a chunk measured from Google: a whole call, no index, no content key)"
)
GEMINI_FINISH = "open-webui/computer#224 (finish_reason 'stop' on a reply with calls)"
OPENROUTER_DOCS = "https://openrouter.ai/docs/quickstart"
OPENROUTER_FINISH = "skye-harris/hass_local_openai_llm#92 (two tool_calls finish chunks, then with usage)"
MISTRAL_REC = "pydantic/pydantic-ai, tests/models test_tool_choice_matrix, required on mistral (no type)"
MISTRAL_IDS = (
    "langchain-ai/langchain#24668; jackmpcollins/magentic#276 (a 400: 'Tool call id was ... but must be "
    "a-z, A-Z, 0-9, with a length of 9.')"
)


def _claim(key: str, **fields: object) -> Claim:
    """A claim about the provider that starts ``key``, checked on the ledger's date, shown in lesson 13."""
    fields.setdefault("api", "chat.completions")
    return Claim(key, provider=key.split(".", 1)[0], checked=CHECKED, shown_in=("13",), **fields)  # type: ignore[arg-type]


GATEWAYS: tuple[Claim, ...] = (
    _claim(
        "gemini.compat_base_url",
        api="endpoint",
        scope="Gemini API keys (GEMINI_API_KEY)",
        value="https://generativelanguage.googleapis.com/v1beta/openai/",
        says="https://generativelanguage.googleapis.com/v1beta/openai/",
        source=GEMINI_DOCS,
        sure="documented",
    ),
    _claim(
        "gemini.stream_no_index",
        scope="streamed replies with calls",
        value=True,
        says="no `index`",
        source=GEMINI_STREAM,
        sure="reported",
        behaviour="stream_no_index",
    ),
    _claim(
        "gemini.stream_whole_calls",
        scope="streamed replies with calls",
        value=True,
        says="whole",
        source=GEMINI_STREAM,
        sure="reported",
        behaviour="stream_whole_calls",
    ),
    _claim(
        "gemini.calls_finish",
        scope="replies with calls (reported for streams)",
        value="stop",
        says='`finish_reason: "stop"`',
        source=GEMINI_FINISH,
        sure="reported",
        behaviour="calls_finish",
    ),
    _claim(
        "gemini.content",
        scope="beside calls; seen in a stream, assumed for whole replies",
        value="absent",
        says="no `content`",
        source=GEMINI_STREAM,
        sure="unconfirmed",
        behaviour="content",
    ),
    _claim(
        "openrouter.compat_base_url",
        api="endpoint",
        scope="all models",
        value="https://openrouter.ai/api/v1",
        says="https://openrouter.ai/api/v1",
        source=OPENROUTER_DOCS,
        sure="documented",
    ),
    _claim(
        "openrouter.usage",
        scope="streamed replies with calls (include_usage or not)",
        value="finish again",
        says="second",
        source=OPENROUTER_FINISH,
        sure="reported",
        behaviour="usage",
    ),
    _claim(
        "mistral.ids_checked",
        scope="call ids sent back",
        value=True,
        says="9",
        source=MISTRAL_IDS,
        sure="reported",
        behaviour="ids_checked",
    ),
    _claim(
        "mistral.call_type",
        scope="calls in whole replies",
        value=False,
        says="`type`",
        source=MISTRAL_REC,
        sure="reported",
        behaviour="call_type",
    ),
)
