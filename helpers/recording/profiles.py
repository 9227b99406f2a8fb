"""Shape profiles: what each provider's real server sends, derived from cited recordings.

A profile names, for one provider and one API, the fields a real response
always carries (``"logprobs"`` in an OpenAI choice), the fields it never sends
(vLLM's retired ``reasoning_content``), how its JSON is laid out, what its
tool-call ids look like and where its usage goes. ``python -m helpers check``
compares every authored cassette with its provider's profiles
(``helpers.recording.check_profile``); ``record --from-source`` writes authored
responses the way their profile says (``helpers.recording.authored``).

Only facts are kept here, each with where it was seen: public projects'
recorded cassettes and fixtures (their licences are named), the providers' API
descriptions and the SDK's own docstrings. A fact no recording shows (DeepSeek's
non-streamed layout, vLLM's streamed chunks) is left out rather than guessed:
``None`` means "not checked".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

# The APIs a profile can describe; ``kind_of`` tells which one an exchange is.
APIS = ("chat", "chat_stream", "responses", "responses_stream", "error")


@dataclass(frozen=True)
class Profile:
    """What one provider's real server sends on one API.

    Attributes:
        required: Keys a real response always carries, by place: ``top`` (the
            body or chunk), ``choice``, ``message``, ``usage``, ``event``
            (a Responses stream event's data), ``error``.
        absent: Keys a real server does not send, by place.
        layout: How the JSON text is laid out: ``"compact"`` (``,`` and
            ``:``, no spaces), ``"indent2"`` (pretty-printed, two spaces), or
            None when no recording shows it.
        call_id: A pattern every tool call id matches, or None.
        usage: Where usage goes: ``"body"`` (a non-streamed body always has
            it), ``"final_chunk"`` (a stream asked ``include_usage`` ends in a
            usage chunk; other chunks carry ``"usage": null``, and a stream not
            asked carries no ``usage`` key), ``"completed"`` (the
            ``response.completed`` event's response), or None.
        obfuscation: Event types (or ``"chunk"``) that carry an
            ``obfuscation`` field by default.
        sources: Where each fact was seen.
        usage_keys: The keys of a real usage block, or empty when unknown.
    """

    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layout: str | None = None
    call_id: str | None = None
    usage: str | None = None
    obfuscation: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    usage_keys: tuple[str, ...] = ()


# Sources, named once: repository, path, licence.
_OTEL = (
    "open-telemetry/opentelemetry-python-contrib (Apache-2.0) instrumentation-genai/"
    "opentelemetry-instrumentation-openai-v2/tests/cassettes/"
    "test_chat_completion_tool_calls_with_content.yaml "
    "and test_chat_completion_multiple_tools_streaming_with_content.yaml: gpt-4o-mini, 2024-11"
)
_CHATLAS = (
    "posit-dev/chatlas (MIT) tests/_vcr/test_provider_openai_completions/test_openai_tool_variations.yaml "
    "and tests/_vcr/test_provider_openai/test_openai_tool_variations.yaml: gpt-5.4, 2026-05"
)
_CHATLAS_DS = (
    "posit-dev/chatlas (MIT) tests/_vcr/test_provider_deepseek/test_deepseek_tool_variations.yaml: "
    "deepseek-v4-flash, 2026-05"
)
_PYDANTIC = (
    "pydantic/pydantic-ai (MIT) tests/models/cassettes/test_tool_choice_matrix/: gpt-5-mini on Chat "
    "Completions and Responses, 2026-01"
)
_PYDANTIC_OLLAMA = (
    "pydantic/pydantic-ai (MIT) tests/models/cassettes/test_ollama/test_ollama_cloud_tool_output.yaml: "
    "gpt-oss:20b on Ollama's /v1"
)
_VERCEL = (
    "vercel/ai (Apache-2.0) packages/alibaba/src/__fixtures__/alibaba-tool-call.chunks.txt: "
    "qwen3-max, 2026-02"
)
_ARTICLE = "the article's published run B (gpt-5-mini-2025-08-07, 2025-09-25): cassettes/sources/published/"
_SDK_USAGE = (
    "openai/openai-python (Apache-2.0) src/openai/types/chat/chat_completion_stream_options_param.py: "
    "include_usage adds a final usage chunk, and all other chunks carry usage null; include_obfuscation "
    "is on by default"
)
_OPENAPI = "openai/openai-openapi (MIT) openapi.yaml: CreateChatCompletionResponse choices require logprobs"
_VLLM = "vllm-project/vllm#27752 and #33402: reasoning_content renamed to reasoning, then removed"
_VLLM_USAGE = "vllm-project/vllm (Apache-2.0) vllm/entrypoints/openai/protocol.py: UsageInfo"

_OPENAI_CHOICE = ("index", "message", "logprobs", "finish_reason")
_OPENAI_MESSAGE = ("role", "content", "refusal", "annotations")
_TOKENS = ("prompt_tokens", "completion_tokens", "total_tokens")
_OPENAI_USAGE = (*_TOKENS, "prompt_tokens_details", "completion_tokens_details")
_DEEPSEEK_USAGE = (*_OPENAI_USAGE, "prompt_cache_hit_tokens", "prompt_cache_miss_tokens")
_RESPONSES_USAGE = (
    "input_tokens",
    "input_tokens_details",
    "output_tokens",
    "output_tokens_details",
    "total_tokens",
)
_CHAT_TOP = ("id", "object", "created", "model", "choices")
_CHUNK_TOP = _CHAT_TOP
_CHUNK_CHOICE = ("index", "delta", "logprobs")

PROFILES: dict[tuple[str, str], Profile] = {
    ("openai", "chat"): Profile(
        required={"top": _CHAT_TOP, "choice": _OPENAI_CHOICE, "message": _OPENAI_MESSAGE},
        layout="indent2",
        call_id=r"call_[A-Za-z0-9]{24}",
        usage="body",
        sources=(_OTEL, _ARTICLE, _PYDANTIC, _OPENAPI),
        usage_keys=_OPENAI_USAGE,
    ),
    ("openai", "chat_stream"): Profile(
        required={"top": ("id", "object", "created", "model", "choices")},
        layout="compact",
        call_id=r"call_[A-Za-z0-9]{24}",
        usage="final_chunk",
        obfuscation=("chunk",),
        sources=(_OTEL, _CHATLAS, _SDK_USAGE),
        usage_keys=_OPENAI_USAGE,
    ),
    ("openai", "responses"): Profile(
        required={"top": ("id", "object", "created_at", "status", "completed_at", "model", "output")},
        call_id=r"call_[A-Za-z0-9]{24}",
        usage="body",
        sources=(_PYDANTIC,),
        usage_keys=_RESPONSES_USAGE,
    ),
    ("openai", "responses_stream"): Profile(
        required={"event": ("type", "sequence_number")},
        layout="compact",
        usage="completed",
        obfuscation=("response.output_text.delta", "response.function_call_arguments.delta"),
        sources=(_CHATLAS,),
        usage_keys=_RESPONSES_USAGE,
    ),
    ("openai", "error"): Profile(
        required={"error": ("message", "type", "param", "code")},
        sources=(_OPENAPI,),
    ),
    ("deepseek", "chat"): Profile(
        required={"top": _CHAT_TOP, "choice": ("index", "message", "logprobs", "finish_reason")},
        call_id=r"call_00_[A-Za-z0-9]{24}",
        usage="body",
        sources=(_CHATLAS_DS,),
        usage_keys=_DEEPSEEK_USAGE,
    ),
    ("deepseek", "chat_stream"): Profile(
        required={"top": _CHUNK_TOP, "choice": _CHUNK_CHOICE},
        layout="compact",
        call_id=r"call_00_[A-Za-z0-9]{24}",
        usage="final_chunk",
        sources=(_CHATLAS_DS,),
        usage_keys=_DEEPSEEK_USAGE,
    ),
    ("dashscope", "chat"): Profile(
        required={"top": _CHAT_TOP},
        call_id=r"call_[0-9a-f]{24}",
        usage="body",
        sources=(_VERCEL,),
        usage_keys=(*_TOKENS, "prompt_tokens_details"),
    ),
    ("dashscope", "chat_stream"): Profile(
        # Its trailing ``{"arguments": ""}`` delta comes without logprobs.
        required={"top": _CHUNK_TOP, "choice": ("index", "delta")},
        layout="compact",
        usage="final_chunk",
        sources=(_VERCEL,),
        usage_keys=(*_TOKENS, "prompt_tokens_details"),
    ),
    ("ollama", "chat"): Profile(
        required={"top": _CHAT_TOP, "message": ("role", "content")},
        call_id=r"call_[a-z0-9]{8}",
        usage="body",
        sources=(_PYDANTIC_OLLAMA,),
        usage_keys=_TOKENS,
    ),
    ("vllm", "chat"): Profile(
        required={"top": _CHAT_TOP},
        absent={"message": ("reasoning_content",)},
        usage="body",
        sources=(_VLLM, _VLLM_USAGE),
        usage_keys=(*_TOKENS, "prompt_tokens_details"),
    ),
}

# The headers each provider's server was seen to send with a successful answer
# (the recordings above). A cassette keeps few of them (``cassettes.FORBIDDEN_HEADERS``
# drops ids and cookies); one it keeps that is not here is one no real server sent.
SUCCESS_HEADERS: dict[str, frozenset[str]] = {
    "openai": frozenset(
        {
            *("access-control-expose-headers", "alt-svc", "cf-cache-status", "cf-ray", "connection"),
            *("content-length", "content-type", "date", "openai-organization", "openai-processing-ms"),
            *("openai-project", "openai-version", "server", "set-cookie", "strict-transport-security"),
            *("transfer-encoding", "x-content-type-options", "x-openai-proxy-wasm", "x-request-id"),
            *(
                f"x-ratelimit-{kind}-{what}"
                for kind in ("limit", "remaining", "reset")
                for what in ("requests", "tokens")
            ),
        }
    ),
    "deepseek": frozenset(
        {
            *("access-control-allow-credentials", "cache-control", "connection", "content-type", "date"),
            *("server", "strict-transport-security", "transfer-encoding", "vary", "via", "x-amz-cf-id"),
            *("x-amz-cf-pop", "x-cache", "x-content-type-options", "x-ds-trace-id"),
        }
    ),
    "ollama": frozenset({"alt-svc", "content-length", "content-type", "traceparent"}),
}

# The day each model was first offered: an authored response created earlier is
# one no server could have sent. Each date is the provider's announcement (the
# news page's own date for DeepSeek). A model whose first day cannot be cited
# (qwen-plus, a name Model Studio has served for several generations) is not in
# it, and its dates are only compared with the day the cassette was written.
MODEL_RELEASES: dict[str, tuple[dt.date, str]] = {
    "gpt-4o": (dt.date(2024, 5, 13), "https://openai.com/index/hello-gpt-4o/"),
    "gpt-5-mini": (dt.date(2025, 8, 7), "https://openai.com/index/introducing-gpt-5/"),
    "deepseek-v4-flash": (dt.date(2026, 4, 24), "https://api-docs.deepseek.com/news/news260424"),
    "qwen3": (dt.date(2025, 4, 29), "https://qwenlm.github.io/blog/qwen3/"),
    "Qwen/Qwen3-8B": (dt.date(2025, 4, 29), "https://qwenlm.github.io/blog/qwen3/"),
}

# How far an authored response's date may be from the day its cassette says it
# was written: a real exchange is created the day it happens.
WRITTEN_SLACK = dt.timedelta(days=1)


def profile_for(provider: str, api: str) -> Profile | None:
    """The profile of one provider's API, or None when no real recording shows it."""
    return PROFILES.get((provider, api))


def is_layout(text: str, layout: str | None, value: object) -> bool:
    """True when JSON ``text`` is laid out as ``layout`` says (always, when the profile is silent)."""
    if layout is None:
        return True
    if layout == "compact":
        shapes = [json.dumps(value, separators=(",", ":"), ensure_ascii=flag) for flag in (True, False)]
    else:
        shapes = [json.dumps(value, indent=2, ensure_ascii=flag) for flag in (True, False)]
    return text.strip() in shapes


def call_id_ok(profile: Profile, call_id: object) -> bool:
    """True when a tool call id has the provider's form."""
    if profile.call_id is None:
        return True
    return isinstance(call_id, str) and re.fullmatch(profile.call_id, call_id) is not None
