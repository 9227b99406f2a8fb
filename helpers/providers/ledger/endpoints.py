"""Where each provider is reached: base URL, key variable, the lessons' default model.

``settings.PROVIDERS`` and the README's provider table are tested equal to
these (``tests/test_ledger.py``). A default model is the lessons' choice among
the models the provider documents; its source is where that model is listed.
"""

from __future__ import annotations

from .model import Claim

CHECKED = "2026-12-04"
OPENAI_SDK = "openai/openai-python src/openai/_client.py (openai 3.54.0: default base_url, OPENAI_API_KEY)"
RUN_B = "the article's published run B (cassettes/sources/published/), model gpt-5-mini-2025-08-07"
QWEN_FC = "https://www.alibabacloud.com/help/en/model-studio/qwen-function-calling"
DEEPSEEK_FIRST = "https://api-docs.deepseek.com/quick_start/your_first_api_call"
DEEPSEEK_V1 = "https://api-docs.deepseek.com/ (earlier version of the same page: /v1 also accepted)"
VLLM_SERVER = "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html"
VLLM_TOOLS = "https://docs.vllm.ai/en/latest/features/tool_calling/"
OLLAMA = "https://docs.ollama.com/api/openai-compatibility"
ALL = ("README table", "03 table", "settings")


def _endpoint(provider: str, base_url: str, key_env: str, model: str, sources: tuple[str, str, str]) -> tuple:
    """The three claims that say how to reach a provider."""
    url_source, key_source, model_source = sources
    common = {"provider": provider, "api": "endpoint", "checked": CHECKED, "shown_in": ALL}
    return (
        Claim(
            f"{provider}.base_url",
            scope="all models",
            value=base_url,
            says=base_url,
            source=url_source,
            sure="documented",
            **common,
        ),
        Claim(
            f"{provider}.key_env",
            scope="all models",
            value=key_env,
            says=key_env or "none",
            source=key_source,
            sure="documented",
            **common,
        ),
        Claim(
            f"{provider}.default_model",
            scope="the lessons' default",
            value=model,
            says=model,
            source=model_source,
            sure="documented",
            models=(model,),
            **common,
        ),
    )


ENDPOINTS: tuple[Claim, ...] = (
    *_endpoint(
        "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-5-mini", (OPENAI_SDK, OPENAI_SDK, RUN_B)
    ),
    *_endpoint(
        "dashscope",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "DASHSCOPE_API_KEY",
        "qwen-plus",
        (QWEN_FC, QWEN_FC, QWEN_FC),
    ),
    *_endpoint(
        "deepseek",
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
        "deepseek-v4-flash",
        (DEEPSEEK_V1, DEEPSEEK_FIRST, DEEPSEEK_FIRST + " (legacy name, still accepted)"),
    ),
    *_endpoint(
        "vllm",
        "http://localhost:8000/v1",
        "VLLM_API_KEY",
        "Qwen/Qwen3-8B",
        (VLLM_SERVER, VLLM_SERVER + " (--api-key, or VLLM_API_KEY)", VLLM_TOOLS + " (Qwen3: hermes parser)"),
    ),
    *_endpoint(
        "ollama",
        "http://localhost:11434/v1",
        "",
        "qwen3",
        (OLLAMA, OLLAMA + " (key required, ignored)", OLLAMA),
    ),
    Claim(
        "deepseek.model_name",
        provider="deepseek",
        api="endpoint",
        scope="December 2026",
        value="deepseek-flash",
        says="`deepseek-flash`",
        source=DEEPSEEK_FIRST + " (footnote 1: deepseek-v4-flash is a legacy name served by V4.1 Flash)",
        checked=CHECKED,
        sure="documented",
        shown_in=("03", "README"),
        models=("deepseek-flash",),
    ),
    Claim(
        "deepseek.retired_names",
        provider="deepseek",
        api="endpoint",
        scope="since 2026-07-24",
        value=("deepseek-chat", "deepseek-reasoner"),
        says="retired `deepseek-chat` and `deepseek-reasoner` on 2026-07-24",
        source="https://api-docs.deepseek.com/news/news260424",
        checked=CHECKED,
        sure="documented",
        shown_in=("03",),
        models=("deepseek-chat", "deepseek-reasoner"),
    ),
)
