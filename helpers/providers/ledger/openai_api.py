"""What OpenAI's API and its Python SDK do, as lessons 03, 07, 09, 10 and 13-17 state it."""

from __future__ import annotations

from .model import Claim

CHECKED = "2026-12-04"
SDK_RETRY = "openai/openai-python src/openai/_base_client.py _should_retry (openai 3.54.0)"
STRUCTURED = "https://platform.openai.com/docs/guides/structured-outputs"
FUNCTION_CALLING = "https://platform.openai.com/docs/guides/function-calling"
MCP_GUIDE = "https://platform.openai.com/docs/guides/tools-connectors-mcp"


def _openai(key: str, api: str, **fields: object) -> Claim:
    """A claim about OpenAI, checked on the ledger's date unless it says otherwise."""
    return Claim(f"openai.{key}", provider="openai", api=api, checked=CHECKED, **fields)  # type: ignore[arg-type]


OPENAI: tuple[Claim, ...] = (
    _openai(
        "tool_search_models",
        "responses",
        scope="the tool_search tool, with defer_loading functions, namespaces or MCP servers",
        value="only gpt-5.4 and later models support tool_search",
        says="only gpt-5.4 and later models support it",
        source="https://developers.openai.com/api/docs/guides/tools-tool-search",
        sure="documented",
        shown_in=("17",),
        models=("gpt-5.4",),
    ),
    _openai(
        "prompt_cache_key",
        "responses",
        scope="requests to recent models; prompt caching is automatic, prompt_cache_key optional",
        value="OpenAI routes a request by a hash of its prompt's start to servers that recently processed "
        "it, where a cached start costs less; prompt_cache_key is a label hashed with that start to send "
        "similar requests together",
        says="prompt caching",
        source="https://developers.openai.com/docs/guides/prompt-caching",
        sure="documented",
        shown_in=("17",),
    ),
    _openai(
        "chat_tools_with_reasoning",
        "chat.completions",
        scope="reasoning models from gpt-5.4 on, with function tools and reasoning on",
        value="400 invalid_request_error, param reasoning_effort: 'Function tools with reasoning_effort are "
        "not supported for <model> in /v1/chat/completions. Please use /v1/responses instead.' (newer "
        "wording adds: 'or set reasoning_effort to 'none'')",
        says="/v1/responses",
        source="dotnet/extensions#7407; TheR1D/shell_gpt#801; pipecat-ai/pipecat#4043; "
        "openai/openai-openapi#541; GEMISIS/leviath#333",
        sure="reported",
        shown_in=("03", "09", "13"),
        models=("gpt-5.4",),
    ),
    _openai(
        "reasoning_item_required",
        "responses",
        scope="reasoning models; requests that store (store defaults to true) and name earlier items by id",
        value="400 invalid_request_error, param input: \"Item 'fc_…' of type 'function_call' was provided "
        "without its required 'reasoning' item: 'rs_…'.\" Every public report is of a stored request; none "
        "with store=False",
        says="stored",
        source="mastra-ai/mastra#9005; mastra-ai/mastra#10713; mastra-ai/mastra#22291; "
        "OpenHands/software-agent-sdk#2178",
        sure="reported",
        shown_in=("09",),
    ),
    _openai(
        "refusal_field",
        "chat.completions",
        scope="structured outputs (a JSON schema in response_format); plain tools",
        value="message.refusal is set, content null, for a structured-output refusal; with plain tools "
        "a refusal usually arrives as ordinary content",
        says="message.refusal",
        source=f"{STRUCTURED}#refusals; openai/openai-agents-js#1686",
        sure="documented",
        shown_in=("03", "10", "15"),
    ),
    _openai(
        "refusal_content_part",
        "responses",
        scope="structured outputs (a JSON schema in text.format)",
        value="a refusal is a message content part of type refusal, in place of output_text",
        says='of type `"refusal"`',
        source=f"{STRUCTURED}#refusals; openai-python 3.54.0 types/responses/response_output_refusal.py",
        sure="documented",
        shown_in=("15",),
    ),
    _openai(
        "input_tokens_count",
        "responses",
        scope="POST /v1/responses/input_tokens, any model the Responses API serves",
        value="counts a request's input tokens without generating: {object: response.input_tokens, "
        "input_tokens: N}",
        says="client.responses.input_tokens.count",
        source="openai/openai-python src/openai/resources/responses/input_tokens.py and "
        "types/responses/input_token_count_response.py (openai 3.54.0)",
        sure="documented",
        shown_in=("15",),
    ),
    _openai(
        "remote_mcp",
        "responses",
        scope='the hosted {"type": "mcp"} tool',
        value="OpenAI's servers list the remote server's tools (mcp_list_tools) and call them (mcp_call); "
        "a call that require_approval holds back comes as mcp_approval_request, answered with an "
        "mcp_approval_response input item and previous_response_id",
        says="require_approval",
        source=f"{MCP_GUIDE} (sections Step 1: listing tools, Approvals); openai-python 3.54.0 "
        "openai/types/responses/response_output_item.py (McpListTools, McpCall, McpApprovalRequest)",
        sure="documented",
        shown_in=("16",),
    ),
    _openai(
        "x_should_retry",
        "sdk",
        scope="openai-python 3.54.0, every request",
        value="x-should-retry: true retries and false never retries, before any status-code rule",
        says="x-should-retry",
        source=SDK_RETRY,
        sure="documented",
        shown_in=("10",),
    ),
    _openai(
        "retry_after_cap",
        "sdk",
        scope="openai-python 3.54.0, every request",
        value=120,
        says="2 minutes",
        source=SDK_RETRY + " and src/openai/_constants.py MAX_RETRY_AFTER_DELAY",
        sure="documented",
        shown_in=("10",),
    ),
    _openai(
        "rate_limit_headers",
        "responses",
        scope="a 429 from responses.create, reported 2025-04-21",
        value="the 429 carried neither retry-after nor x-ratelimit-* headers",
        says="openai/openai-node#1477",
        source="openai/openai-node#1477",
        sure="reported",
        shown_in=("10",),
    ),
    _openai(
        "strict_default",
        "responses",
        scope="a strict function schema whose property has a non-null default",
        value="accepted by api.openai.com (gpt-5.6-sol, tested by the SDK's maintainer 2026-08-13); "
        "rejected by Azure OpenAI ('default' is not permitted within a property definition)",
        says="`default`",
        source="openai/openai-agents-python#4390",
        disputed_by=f"{STRUCTURED}#supported-schemas (the keyword list this lesson followed); "
        "openai/openai-agents-python#4459 (Azure's rejection)",
        sure="disputed",
        shown_in=("07",),
        models=("gpt-5.6-sol",),
    ),
    _openai(
        "strict_parallel",
        "chat.completions",
        scope="strict function tools, several calls in one reply",
        value="parallel calls may not match the strict schemas; parallel_tool_calls=false keeps them",
        says="strict",
        source=f"{FUNCTION_CALLING}#parallel-function-calling (as quoted by advanced-stack.com, "
        "how-to-disable-openai-parallel-function-calling)",
        sure="documented",
        shown_in=("07",),
    ),
    _openai(
        "role_function",
        "chat.completions",
        scope="reasoning models (reported for o3; gpt-5-mini, also a reasoning model, not reported)",
        value="400 unsupported_value: \"Unsupported value: 'messages[59].role' does not support "
        "'function' with this model.\" The same report: gpt-4o took role function",
        says="does not support 'function' with this model",
        source="TheR1D/shell_gpt#717",
        sure="reported",
        shown_in=("14",),
        models=("o3", "gpt-4o"),
    ),
    _openai(
        "responses_strict",
        "responses",
        scope="function tools sent to /v1/responses",
        value="a function tool without strict is strict",
        says="treats a missing `strict` as `true`",
        source="https://platform.openai.com/docs/api-reference/responses/create (tools, function, strict: "
        "'Whether to enforce strict parameter validation. Default `true`.'); openai-python 3.54.0 "
        "types/responses/function_tool_param.py makes strict a required field",
        sure="documented",
        shown_in=("09",),
    ),
    _openai(
        "parallel",
        "chat.completions",
        scope="all tool-calling models",
        value="default",
        says="parallel",
        source=f"{FUNCTION_CALLING}#parallel-function-calling",
        sure="documented",
        shown_in=("07",),
        behaviour="parallel",
    ),
)
