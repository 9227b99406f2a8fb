"""What OpenAI-compatible providers do differently, as lesson 07 states it and facts.py serves it.

A claim with ``behaviour`` mirrors that attribute of ``facts.BEHAVIOURS[provider]``:
the test says when the two disagree.
"""

from __future__ import annotations

from .model import Claim

CHECKED = "2026-12-04"
QWEN_FC = "https://www.alibabacloud.com/help/en/model-studio/qwen-function-calling"
DEEPSEEK_THINKING = "https://api-docs.deepseek.com/guides/thinking_mode"
VLLM_TOOLS = "https://docs.vllm.ai/en/latest/features/tool_calling/"
OLLAMA = "https://docs.ollama.com/api/openai-compatibility"
MISTRAL = (
    "Mistral's API description (OpenAPI document 1.0.0, ToolChoiceEnum: auto, none, any, required), "
    "as generated in the mistral-openapi-client crate 0.1.0 src/models/tool_choice_enum.rs"
)
QWEN_RESPONSES = "https://help.aliyun.com/en/model-studio/compatibility-with-openai-responses-api"
VLLM_REASONING = (
    "vllm-project/vllm#27752 (reasoning_content renamed reasoning), #33402 (the old name removed), "
    "#38488 (the input parser reads reasoning back)"
)
THINKING_REFUSES = {"required": "thinking", "named": "thinking"}


def _claim(key: str, **fields: object) -> Claim:
    """A Chat Completions claim about the provider that starts ``key``, checked on the ledger's date."""
    provider = key.split(".", 1)[0]
    return Claim(key, provider=provider, api="chat.completions", checked=CHECKED, **fields)  # type: ignore[arg-type]


COMPATIBLE: tuple[Claim, ...] = (
    _claim(
        "deepseek.thinking_tool_choice",
        scope="thinking mode on (the default of the V4 models)",
        value=THINKING_REFUSES,
        says="Thinking mode does not support this tool_choice",
        source="deepseek-ai/DeepSeek-V3#1376; elizaOS/eliza#18378; mozilla-ai/any-llm#1384; "
        "duolahypercho/codex-router#106",
        sure="reported",
        shown_in=("07", "13"),
        behaviour="choices_refused",
    ),
    _claim(
        "deepseek.thinking_switch",
        scope="V4 models",
        value="thinking",
        says="thinking",
        source=DEEPSEEK_THINKING + " (thinking: {type: enabled|disabled}, enabled by default)",
        sure="documented",
        shown_in=("07",),
        behaviour="thinking_on",
    ),
    _claim(
        "dashscope.thinking_tool_choice",
        scope="thinking mode on (enable_thinking)",
        value={"required": "enable_thinking", "named": "enable_thinking"},
        says="Qwen",
        source=QWEN_FC + "; cloudwego/eino#994; QwenLM/qwen-code#7659 (the 400 quoted)",
        sure="documented",
        shown_in=("07", "13"),
        behaviour="choices_refused",
    ),
    _claim(
        "dashscope.tool_choice",
        scope="all Qwen models; thinking mode refuses required and named (dashscope.thinking_tool_choice)",
        value=("auto", "none", "required", "named"),
        says="`auto`, `none`, `required`, a named function",
        source=QWEN_FC,
        sure="documented",
        shown_in=("13",),
    ),
    Claim(
        "dashscope.responses",
        provider="dashscope",
        api="responses",
        scope="Model Studio's OpenAI-compatible Responses API",
        value=True,
        says="/compatible-mode/v1/responses",
        source=QWEN_RESPONSES + " (the older /api/v2/apps/protocols/... path is deprecated)",
        checked=CHECKED,
        sure="documented",
        shown_in=("13",),
        behaviour="responses",
    ),
    _claim(
        "vllm.reasoning_field",
        scope="a server started with a reasoning parser, the model thinking",
        value="reasoning",
        says="`reasoning`",
        source=VLLM_REASONING,
        sure="documented",
        shown_in=("13",),
        behaviour="reasoning",
    ),
    _claim(
        "dashscope.parallel",
        scope="all Qwen models",
        value="opt-in",
        says="parallel_tool_calls",
        source=QWEN_FC + " (parallel_tool_calls, default false)",
        sure="documented",
        shown_in=("07", "13"),
        behaviour="parallel",
    ),
    _claim(
        "deepseek.reasoning_field",
        scope="thinking mode on",
        value="reasoning_content",
        says="reasoning_content",
        source=DEEPSEEK_THINKING,
        sure="documented",
        behaviour="reasoning",
    ),
    _claim(
        "ollama.tool_choice_ignored",
        scope="Ollama's /v1 endpoint",
        value=True,
        says="Ollama",
        source=OLLAMA + " (tool_choice not among the supported fields)",
        sure="unconfirmed",
        shown_in=("07",),
        behaviour="choice_ignored",
    ),
    _claim(
        "vllm.auto_tool_choice",
        scope="vLLM's OpenAI-compatible server",
        value="--enable-auto-tool-choice --tool-call-parser <parser>",
        says="vLLM",
        source=VLLM_TOOLS,
        sure="documented",
        shown_in=("07",),
    ),
    _claim(
        "deepseek.strict",
        scope="the default base URL (strict is enforced only on https://api.deepseek.com/beta)",
        value="ignored",
        says="DeepSeek",
        source="https://api-docs.deepseek.com/guides/function_calling (strict mode, beta)",
        sure="documented",
        shown_in=("07",),
        behaviour="strict",
    ),
    _claim(
        "vllm.strict",
        scope="tool_choice auto",
        value="ignored",
        says="vLLM",
        source=VLLM_TOOLS + " (auto: output not constrained to the schema)",
        sure="documented",
        shown_in=("07",),
        behaviour="strict",
    ),
    _claim(
        "dashscope.strict",
        scope="all Qwen models",
        value="ignored",
        says="Qwen",
        source=QWEN_FC + " (strict is not documented there: taken as accepted, not enforced)",
        sure="unconfirmed",
        shown_in=("07",),
        behaviour="strict",
    ),
    _claim(
        "ollama.strict",
        scope="Ollama's /v1 endpoint",
        value="ignored",
        says="Ollama",
        source=OLLAMA + " (no strict field listed: taken as accepted, not enforced)",
        sure="unconfirmed",
        shown_in=("07",),
        behaviour="strict",
    ),
    _claim(
        "mistral.tool_choice",
        scope="Mistral's chat completions",
        value=("auto", "none", "any", "required"),
        says='`"any"`',
        source=MISTRAL,
        sure="documented",
        shown_in=("07",),
    ),
)
