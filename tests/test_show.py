"""Tests for helpers.lessons.show: exact output for small conversations."""

from __future__ import annotations

import pytest
from openai.types.chat import ChatCompletionMessage

from helpers.lessons.show import as_data, show_json, show_transcript, side_by_side, to_json, transcript

MEMORY = '{"total": 34219794432, "available": 12072124416, "used": 22147670016, "free": 12072124416}'
CALL_ID = "call_vxeBJnnY6W4iFKdbuGlzCgix"


def assistant_calls(*calls: tuple[str, str, str], content: str | None = None):
    """An SDK assistant message with function tool calls (id, name, arguments)."""
    return ChatCompletionMessage.model_validate(
        {
            "role": "assistant",
            "content": content,
            "tool_calls": [
                {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls
            ],
        }
    )


def test_as_data_dumps_only_the_fields_that_were_set() -> None:
    message = assistant_calls((CALL_ID, "get_memory_info", "{}"))
    assert as_data([message, {"nested": (message,)}, 3]) == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": CALL_ID,
                    "type": "function",
                    "function": {"name": "get_memory_info", "arguments": "{}"},
                }
            ],
        },
        {"nested": [{"role": "assistant", "content": None, "tool_calls": [
            {"id": CALL_ID, "type": "function",
             "function": {"name": "get_memory_info", "arguments": "{}"}}
        ]}]},
        3,
    ]  # fmt: skip


def test_as_data_leaves_plain_values_alone() -> None:
    value = {"a": [1, "二", None]}
    assert as_data(value) == value
    assert as_data("text") == "text"


def test_show_json_keeps_chinese_readable(capsys: pytest.CaptureFixture[str]) -> None:
    show_json(ChatCompletionMessage.model_validate({"role": "assistant", "content": "已保存"}))
    # Fields come in the SDK's order, not the order they were given in.
    assert capsys.readouterr().out == '{\n  "content": "已保存",\n  "role": "assistant"\n}\n'


def test_to_json_is_what_show_json_prints(capsys: pytest.CaptureFixture[str]) -> None:
    show_json({"b": [1]})
    assert capsys.readouterr().out == to_json({"b": [1]}) + "\n"
    assert to_json({"b": [1]}) == '{\n  "b": [\n    1\n  ]\n}'


def test_transcript_of_the_article_exchange() -> None:
    messages = [
        {"role": "system", "content": "You manage files."},
        {"role": "user", "content": "需要帮我计算内存使用率"},
        assistant_calls((CALL_ID, "get_memory_info", "{}")),
        {"role": "tool", "tool_call_id": CALL_ID, "content": MEMORY},
        assistant_calls(("call_2", "write_file", '{"file_name":"mem_ok.txt","text":"64.72%"}')),
        {"role": "tool", "tool_call_id": "call_2", "content": ""},
        {"role": "assistant", "content": "已计算并保存内存信息。"},
    ]
    assert transcript(messages) == (
        "[1] system: You manage files.\n"
        "[2] user: 需要帮我计算内存使用率\n"
        f"[3] assistant → get_memory_info({{}})   [{CALL_ID}]\n"
        f"[4] tool [{CALL_ID}] ← {MEMORY}\n"
        '[5] assistant → write_file({"file_name":"mem_ok.txt","text":"64.72%"})   [call_2]\n'
        "[6] tool [call_2] ← (empty)\n"
        "[7] assistant: 已计算并保存内存信息。"
    )


def test_transcript_several_calls_and_text_beside_them() -> None:
    messages = [
        assistant_calls(("c1", "get_memory_info", "{}"), ("c2", "get_time", '{"tz": "UTC"}')),
        assistant_calls(("c3", "get_memory_info", "{}"), content="Checking."),
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c4", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ]},
    ]  # fmt: skip
    assert transcript(messages) == (
        "[1] assistant → get_memory_info({})   [c1]\n"
        '    → get_time({"tz": "UTC"})   [c2]\n'
        "[2] assistant: Checking.\n"
        "    → get_memory_info({})   [c3]\n"
        "[3] assistant → f({})   [c4]"
    )


def test_transcript_indents_multiline_content() -> None:
    messages = [
        {"role": "developer", "content": "Rules:\n\n- be brief\n"},
        {"role": "tool", "tool_call_id": "c1", "content": '{\n  "a": 1\n}'},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": '{\n"x": 1}'}}
        ]},
    ]  # fmt: skip
    assert transcript(messages) == (
        "[1] developer: Rules:\n"
        "\n"
        "    - be brief\n"
        "[2] tool [c1] ← {\n"
        '      "a": 1\n'
        "    }\n"
        "[3] assistant → g({\n"
        '    "x": 1})   [c2]'
    )


def test_transcript_content_parts_empty_messages_and_refusals() -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
        {"role": "assistant", "content": None},
        ChatCompletionMessage.model_validate(
            {"role": "assistant", "content": None, "refusal": "I can't help with that."}
        ),
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "ok"}]},
        {"role": "tool", "tool_call_id": "c2", "content": None},
    ]
    assert transcript(messages) == (
        "[1] user: What is this?\n"
        "    [image_url]\n"
        "[2] assistant: (empty)\n"
        "[3] assistant (refusal): I can't help with that.\n"
        "[4] tool [c1] ← ok\n"
        "[5] tool [c2] ← (empty)"
    )


def test_transcript_custom_tools_and_legacy_function_calls() -> None:
    messages = [
        ChatCompletionMessage.model_validate(
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1"}}
                ],
            }
        ),
        {"role": "assistant", "function_call": {"name": "old", "arguments": "{}"}},
        {"role": "function", "name": "old", "content": "done"},
    ]
    assert transcript(messages) == (
        "[1] assistant → sql(SELECT 1)   [c1]\n[2] assistant → old({})\n[3] function old ← done"
    )


def test_transcript_of_nothing_is_empty() -> None:
    assert transcript([]) == ""


def test_show_transcript_prints_the_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    show_transcript([{"role": "user", "content": "你好"}])
    assert capsys.readouterr().out == "[1] user: 你好\n"


def test_side_by_side_of_a_request_and_its_response() -> None:
    request = {"messages": [{"role": "user", "content": "hi"}]}
    response = assistant_calls(("c1", "get_memory_info", "{}"))
    assert side_by_side(request, response, width=24) == (
        "request                  | response\n"
        "------------------------ | ------------------------\n"
        "{                        | {\n"
        '  "messages": [          |   "content": null,\n'
        '    {                    |   "role": "assistant",\n'
        '      "role": "user",    |   "tool_calls": [\n'
        '      "content": "hi"    |     {\n'
        '    }                    |       "id": "c1",\n'
        '  ]                      |       "function": {\n'
        '}                        |         "arguments": "{…\n'
        '                         |         "name": "get_me…\n'
        "                         |       },\n"
        '                         |       "type": "function"\n'
        "                         |     }\n"
        "                         |   ]\n"
        "                         | }"
    )


def test_side_by_side_counts_wide_characters_twice() -> None:
    # "内存" is 4 columns wide: "ab内存cd" (8 columns) fits in 8, not in 7.
    assert side_by_side("ab内存cd", "x", titles=("L", "R"), width=8) == (
        "L        | R\n-------- | --------\nab内存cd | x"
    )
    # At 6, "ab内" (4) + "存" (2) + "…" (1) would be 7: the cut is "ab内…", padded to 6.
    assert side_by_side("ab内存cd", "中文中文", titles=("L", "R"), width=6) == (
        "L      | R\n------ | ------\nab内…  | 中文…"
    )


def test_side_by_side_shows_text_as_it_is_and_right_longer_than_left() -> None:
    assert side_by_side("one", "a\nb\nc", titles=("left", "right"), width=5) == (
        "left  | right\n----- | -----\none   | a\n      | b\n      | c"
    )


def test_side_by_side_refuses_a_useless_width() -> None:
    with pytest.raises(ValueError, match="width must be at least 2, got 1"):
        side_by_side("a", "b", width=1)
