"""What each OpenAI-compatible provider documents about tool calling, each fact with its source.

Lesson 13 shows these as a table; ``emulate.py`` serves them on loopback, and
``probe.py`` measures them on a real endpoint. A source is a documentation
page, or a public project's test recording (named by project and test) that
showed the behaviour byte for byte. Facts change: the probe is the way to check
one against today's server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Content = Literal["null", "empty", "absent"]
Parallel = Literal["default", "opt-in", "no"]
Strict = Literal["enforced", "ignored", "refused"]
Usage = Literal["own chunk", "with finish", "finish again", "none"]

OPENAI_FC = "https://platform.openai.com/docs/guides/function-calling"
OTEL = (
    "open-telemetry/opentelemetry-python-contrib, opentelemetry-instrumentation-openai-v2 test "
    "test_chat_completion_tool_calls_with_content (gpt-4o-mini recording)"
)
OTEL_STREAM = OTEL.replace(
    "test_chat_completion_tool_calls_with_content",
    "test_chat_completion_multiple_tools_streaming_with_content",
)
PYDANTIC_CHOICE = "pydantic/pydantic-ai, tests/models test_tool_choice_matrix (gpt-5-mini recordings)"
QWEN_FIXTURE = "vercel/ai, packages/alibaba fixture alibaba-tool-call (qwen3-max on DashScope)"
QWEN_FC = "https://www.alibabacloud.com/help/en/model-studio/qwen-function-calling"
QWEN_THINKING = "https://www.alibabacloud.com/help/en/model-studio/deep-thinking"
DEEPSEEK_STREAM = (
    "posit-dev/chatlas, test_provider_deepseek test_deepseek_tool_variations (deepseek-v4-flash)"
)
DEEPSEEK_FC = "https://api-docs.deepseek.com/guides/function_calling"
DEEPSEEK_THINKING = "https://api-docs.deepseek.com/guides/thinking_mode"
DEEPSEEK_API = "https://api-docs.deepseek.com/api/create-chat-completion"
VLLM_TOOLS = "https://docs.vllm.ai/en/latest/features/tool_calling/"
VLLM_SERVER = "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html"
VLLM_IDS = "vllm-project/vllm, vllm/entrypoints/openai/protocol.py (ToolCall id: chatcmpl-tool-<uuid hex>)"
OLLAMA_DOCS = "https://docs.ollama.com/api/openai-compatibility"
OLLAMA_STREAM = (
    "https://github.com/ollama/ollama/issues/15457 (every call under index 0; closed, so newer "
    "servers may number them) and https://github.com/ollama/ollama/issues/5796 (calls sent whole)"
)
OLLAMA_REC = "pydantic/pydantic-ai, tests/models test_ollama test_ollama_cloud_tool_output (gpt-oss:20b)"
MISTRAL_REC = (
    "pydantic/pydantic-ai, tests/models test_tool_choice_matrix, required on mistral (mistral-large-latest)"
)
MISTRAL_FC = "https://docs.mistral.ai/capabilities/function_calling/"
QWEN_RESPONSES = "https://help.aliyun.com/en/model-studio/compatibility-with-openai-responses-api"
QWEN_THINKING_400 = "cloudwego/eino#994; QwenLM/qwen-code#7659 (the 400 a thinking-mode request gets)"
DEEPSEEK_THINKING_400 = "deepseek-ai/DeepSeek-V3#1376; elizaOS/eliza#18378; mozilla-ai/any-llm#1384"
VLLM_REASONING = "vllm-project/vllm#27752, #33402 (reasoning_content renamed reasoning, then removed), #38488"
GEMINI_STREAM = "openai/openai-python#2806; THU-MAIC/OpenMAIC#1556 (a measured chunk: no index, call whole)"
GEMINI_FINISH = "open-webui/computer#224 (finish_reason 'stop' beside calls)"
GEMINI_DOCS = "https://ai.google.dev/gemini-api/docs/openai"
OPENROUTER_DOCS = "https://openrouter.ai/docs/api-reference/overview"
# OpenRouter id "0", arguments null and the name on every delta were asked about, not found in a source.
OPENROUTER_UPSTREAM = (
    "not documented for OpenRouter itself, which passes each upstream's on: emulated as OpenAI's"
)
OPENROUTER_FINISH = "skye-harris/hass_local_openai_llm#92 (a second tool_calls finish chunk carrying usage)"
MISTRAL_IDS = (
    "langchain-ai/langchain#24668 and jackmpcollins/magentic#276 (a 400: 'Tool call id was ... but "
    "must be a-z, A-Z, 0-9, with a length of 9.')"
)


@dataclass(frozen=True)
class Behaviour:
    """One provider's documented tool-calling behaviour, as the emulation serves it.

    The defaults are OpenAI's; each provider states only where it differs.

    Attributes:
        name: The provider's name in ``settings.PROVIDERS``.
        id_prefix: What a call id starts with; ``{n}`` is the call's position, two digits.
        id_chars: How many characters follow the prefix.
        id_hex: The id's tail is lowercase hex (else letters and digits).
        ids_checked: Call ids sent back that are not of its own form are refused with a 400.
        call_type: A call carries ``"type": "function"``.
        call_index: A call in a whole (not streamed) message carries the stream's ``index``.
        content: ``content`` beside tool calls: ``null``, ``""`` (``empty``) or no key.
        choices_refused: ``tool_choice`` forms refused with a 400 (``required``,
            ``named``), and when: ``"always"`` or the request field that turns
            the refusal on (DashScope: ``enable_thinking``).
        choice_ignored: ``tool_choice`` is accepted and has no effect.
        required_finish: The ``finish_reason`` of a reply forced by ``tool_choice``.
        parallel: Several calls in one reply by default, only with
            ``parallel_tool_calls: true`` (``opt-in``), or never.
        strict: ``strict: true`` in a function's definition.
        reasoning: The message field that carries the model's reasoning, or "".
        thinking_on: The request field that turns reasoning on ("" when the model decides).
        echo_reasoning: A tool-calling assistant message sent back without its
            reasoning is refused with a 400.
        stream_blank_ids: Continuation deltas repeat ``"id": ""``.
        stream_same_index: Parallel calls all stream under ``index`` 0.
        stream_whole_calls: Each call streams whole in one delta (no fragments).
        stream_no_index: Tool-call deltas carry no ``index``.
        calls_finish: The ``finish_reason`` of a reply with calls the model chose to make.
        usage: Where a stream's usage comes: a chunk of its own with ``choices: []``
            (when ``stream_options.include_usage``), on the finish chunk, on a
            second finish chunk (``finish again``), or not at all.
        responses: ``POST {base_url}/responses`` exists.
        model: The model its emulation is probed with, for a provider the lessons
            do not configure (``settings.PROVIDERS`` has the others').
        sources: For each attribute above, where it was documented or seen.
    """

    name: str
    sources: dict[str, str]
    id_prefix: str = "call_"
    id_chars: int = 24
    id_hex: bool = False
    ids_checked: bool = False
    call_type: bool = True
    call_index: bool = False
    content: Content = "null"
    choices_refused: dict[str, str] = field(default_factory=dict)
    choice_ignored: bool = False
    required_finish: str = "tool_calls"
    parallel: Parallel = "default"
    strict: Strict = "enforced"
    reasoning: str = ""
    thinking_on: str = ""
    echo_reasoning: bool = False
    stream_blank_ids: bool = False
    stream_same_index: bool = False
    stream_whole_calls: bool = False
    stream_no_index: bool = False
    calls_finish: str = "tool_calls"
    usage: Usage = "own chunk"
    responses: bool = True
    model: str = ""


BEHAVIOURS: dict[str, Behaviour] = {
    b.name: b
    for b in (
        Behaviour(
            "openai",
            sources={
                "ids": OTEL,
                "content": OTEL,
                "tool_choice": PYDANTIC_CHOICE,
                "parallel": f"{OPENAI_FC}#parallel-function-calling",
                "strict": f"{OPENAI_FC}#strict-mode",
                "stream": OTEL_STREAM,
                "responses": "https://platform.openai.com/docs/api-reference/responses",
            },
        ),
        Behaviour(
            "dashscope",
            id_hex=True,
            call_index=True,
            content="empty",
            choices_refused={"required": "enable_thinking", "named": "enable_thinking"},
            parallel="opt-in",
            strict="ignored",
            reasoning="reasoning_content",
            thinking_on="enable_thinking",
            stream_blank_ids=True,
            sources={
                "ids": QWEN_FIXTURE,
                "content": QWEN_FIXTURE + " (index inside calls)",
                "tool_choice": QWEN_FC
                + " (every form; required or named refused in thinking mode: "
                + QWEN_THINKING_400
                + ")",
                "parallel": QWEN_FC + " (parallel_tool_calls, default false)",
                "strict": "not documented on " + QWEN_FC + ": emulated as accepted, not enforced",
                "reasoning": QWEN_THINKING + " (enable_thinking through extra_body; not needed back)",
                "stream": QWEN_FIXTURE,
                "responses": QWEN_RESPONSES + " (/compatible-mode/v1/responses)",
            },
        ),
        Behaviour(
            "deepseek",
            id_prefix="call_{n}_",
            content="empty",
            choices_refused={"required": "thinking", "named": "thinking"},
            strict="ignored",
            reasoning="reasoning_content",
            thinking_on="thinking",
            echo_reasoning=True,
            usage="with finish",
            sources={
                "ids": DEEPSEEK_STREAM,
                "content": DEEPSEEK_STREAM,
                "tool_choice": DEEPSEEK_API + "; refused in thinking mode: " + DEEPSEEK_THINKING_400,
                "parallel": DEEPSEEK_FC,
                "strict": DEEPSEEK_FC + " (enforced only on the /beta base URL)",
                "reasoning": DEEPSEEK_THINKING + " (thinking mode: reasoning_content must be sent back)",
                "stream": DEEPSEEK_STREAM,
                "responses": DEEPSEEK_THINKING + " (lists a Responses API format)",
            },
        ),
        Behaviour(
            "vllm",
            id_prefix="chatcmpl-tool-",
            id_chars=32,
            id_hex=True,
            required_finish="stop",
            strict="ignored",
            reasoning="reasoning",
            thinking_on="chat_template_kwargs",
            sources={
                "ids": VLLM_IDS,
                "content": VLLM_TOOLS,
                "tool_choice": VLLM_TOOLS + " (auto needs --enable-auto-tool-choice; required from 0.8.3)",
                "parallel": VLLM_TOOLS + " (the model and parser decide)",
                "strict": VLLM_TOOLS + " (auto: output not constrained to the schema)",
                "reasoning": VLLM_REASONING + " (with a reasoning parser; read back as input)",
                "stream": VLLM_TOOLS,
                "responses": VLLM_SERVER,
            },
        ),
        Behaviour(
            "ollama",
            id_chars=8,
            content="empty",
            choice_ignored=True,
            strict="ignored",
            reasoning="reasoning",
            call_index=True,
            stream_same_index=True,
            stream_whole_calls=True,
            sources={
                "ids": OLLAMA_REC,
                "content": OLLAMA_REC,
                "tool_choice": OLLAMA_DOCS + " (emulated as ignored: verify against today's server)",
                "parallel": OLLAMA_DOCS,
                "strict": OLLAMA_DOCS + " (no strict field listed)",
                "reasoning": OLLAMA_REC,
                "stream": OLLAMA_STREAM,
                "responses": OLLAMA_DOCS + " (/v1/responses, stateless, from v0.13.3)",
            },
        ),
        Behaviour(
            "mistral",
            id_prefix="",
            id_chars=9,
            ids_checked=True,
            call_type=False,
            call_index=True,
            content="empty",
            strict="ignored",
            responses=False,
            model="mistral-large-latest",
            sources={
                "ids": MISTRAL_REC + "; refused when other: " + MISTRAL_IDS,
                "content": MISTRAL_REC + " (no type on calls; index inside them)",
                "tool_choice": MISTRAL_FC + " (auto, none, any, required)",
                "parallel": MISTRAL_FC + " (parallel_tool_calls, default true)",
                "strict": "not documented on " + MISTRAL_FC + ": emulated as accepted, not enforced",
                "stream": "not documented or recorded: emulated as OpenAI's",
                "responses": MISTRAL_FC + " (Chat Completions only)",
            },
        ),
        Behaviour(
            "gemini",
            id_chars=6,
            content="absent",
            calls_finish="stop",
            stream_no_index=True,
            stream_whole_calls=True,
            responses=False,
            model="gemini-3-flash-preview",
            sources={
                "ids": GEMINI_STREAM,
                "content": GEMINI_STREAM + " (no content key beside the call)",
                "tool_choice": GEMINI_DOCS,
                "parallel": "not documented on " + GEMINI_DOCS + ": emulated as OpenAI's",
                "strict": "not documented on " + GEMINI_DOCS + ": emulated as OpenAI's",
                "finish": GEMINI_FINISH,
                "stream": GEMINI_STREAM,
                "responses": GEMINI_DOCS + " (Chat Completions only)",
            },
        ),
        Behaviour(
            "openrouter",
            usage="finish again",
            model="openai/gpt-5-mini",
            sources={
                **dict.fromkeys(("ids", "content", "parallel", "strict"), OPENROUTER_UPSTREAM),
                "tool_choice": OPENROUTER_DOCS,
                "stream": OPENROUTER_FINISH,
                "responses": "https://openrouter.ai/docs/api/api-reference/responses/create-responses",
            },
        ),
    )
}
