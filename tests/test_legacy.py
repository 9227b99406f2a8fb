"""Tests of helpers.calling.legacy: legacy ``functions`` pieces in, exact ``tools`` pieces out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionMessage

from helpers.calling.dispatch import check_conversation
from helpers.calling.legacy import messages_from_legacy, tool_choice_from_function_call, tools_from_functions

MEMORY = {
    "name": "get_memory_info",
    "description": "memory",
    "parameters": {"type": "object", "properties": {}},
}


def test_functions_become_tools_in_order():
    write = {"name": "write_file", "parameters": {"type": "object", "properties": {}}}
    assert tools_from_functions([MEMORY, write]) == [
        {"type": "function", "function": MEMORY},
        {"type": "function", "function": write},
    ]


def test_tools_do_not_share_the_definitions_passed_in():
    tools = tools_from_functions([MEMORY])
    tools[0]["function"]["name"] = "changed"
    assert MEMORY["name"] == "get_memory_info"


@pytest.mark.parametrize(
    ("function_call", "tool_choice"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ({"name": "write_file"}, {"type": "function", "function": {"name": "write_file"}}),
    ],
)
def test_function_call_becomes_tool_choice(function_call, tool_choice):
    assert tool_choice_from_function_call(function_call) == tool_choice


@pytest.mark.parametrize("function_call", ["required", {"function": "x"}, None])
def test_function_call_without_an_equivalent_is_refused(function_call):
    with pytest.raises(ValueError, match="function_call must be"):
        tool_choice_from_function_call(function_call)


LEGACY = [
    {"role": "user", "content": "memory?"},
    {"role": "assistant", "function_call": {"name": "get_memory_info", "arguments": "{}"}},
    {"role": "function", "name": "get_memory_info", "content": '{"total": 8}'},
    {"role": "assistant", "function_call": {"name": "write_file", "arguments": '{"file_name": "a"}'}},
    {"role": "function", "name": "write_file", "content": None},
    {"role": "assistant", "content": "done"},
]


def test_a_legacy_conversation_becomes_tool_calls_and_tool_messages():
    assert messages_from_legacy(LEGACY) == [
        {"role": "user", "content": "memory?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_legacy_1",
                    "type": "function",
                    "function": {"name": "get_memory_info", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_legacy_1", "content": '{"total": 8}'},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_legacy_2",
                    "type": "function",
                    "function": {"name": "write_file", "arguments": '{"file_name": "a"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_legacy_2", "content": ""},
        {"role": "assistant", "content": "done"},
    ]


def test_the_converted_conversation_follows_the_rules_and_the_original_is_kept():
    converted = messages_from_legacy(LEGACY)
    check_conversation(converted)
    assert LEGACY[1] == {"role": "assistant", "function_call": {"name": "get_memory_info", "arguments": "{}"}}


def test_an_sdk_message_is_read_and_the_prefix_is_yours():
    message = ChatCompletionMessage.model_validate(
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "get_memory_info", "arguments": "{}"},
        }
    )
    converted = messages_from_legacy([message], id_prefix="call_x")
    assert converted == [
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_x1",
                    "type": "function",
                    "function": {"name": "get_memory_info", "arguments": "{}"},
                }
            ],
        }
    ]


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "function", "name": "get_memory_info", "content": "{}"}],
        [LEGACY[1], {"role": "function", "name": "write_file", "content": ""}],
        [*LEGACY[1:3], {"role": "function", "name": "get_memory_info", "content": "again"}],
    ],
    ids=["no call before", "another name", "answered twice"],
)
def test_a_result_that_answers_no_waiting_call_is_refused(messages):
    with pytest.raises(ValueError, match="no call to it is waiting"):
        messages_from_legacy(messages)


MALFORMED_CALLS = st.one_of(
    st.fixed_dictionaries({"arguments": st.just("{}")}),  # no name
    st.fixed_dictionaries({"name": st.one_of(st.none(), st.integers(), st.just(""), st.lists(st.text()))}),
    st.fixed_dictionaries(
        {"name": st.just("get_memory_info"), "arguments": st.one_of(st.none(), st.integers())}
    ),
    st.text(min_size=1),
    st.lists(st.integers(), min_size=1),
    st.integers().filter(bool),
)


@given(call=MALFORMED_CALLS)
def test_a_malformed_function_call_is_a_value_error_naming_its_message(call):
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "function_call": call},
    ]
    with pytest.raises(ValueError, match=r"^messages\[1\]\.function_call must be an object with a text name"):
        messages_from_legacy(messages)
