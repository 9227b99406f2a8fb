"""The views draw what a conversation holds: each on a tiny conversation, exact."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace

from openai.types.chat import ChatCompletion

from helpers.calling.outcome import Conversation
from helpers.calling.stream import Change
from helpers.views.live import WAITING, LiveArguments
from helpers.views.sequence import sequence_diagram
from helpers.views.stepper import Stepper, stepper
from helpers.views.tokenize import count_tokens, messages_tokens, prompt_share
from helpers.views.tokens import token_bars
from helpers.views.turns import Usage, turns_of

SVG = "{http://www.w3.org/2000/svg}"
TOOLS = [{"type": "function", "function": {"name": "get_memory_info", "parameters": {"type": "object"}}}]
CALL = {"id": "c1", "type": "function", "function": {"name": "get_memory_info", "arguments": "{}"}}
MESSAGES = [
    {"role": "user", "content": "Memory?"},
    {"role": "assistant", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"percent": 50}'},
    {"role": "assistant", "content": "Half used."},
]
USAGE_1 = {"prompt_tokens": 60, "completion_tokens": 20, "total_tokens": 80}
USAGE_2 = {**USAGE_1, "prompt_tokens": 90, "completion_tokens_details": {"reasoning_tokens": 8}}


def completion(message, finish_reason, usage):
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-5-mini",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": usage,
        }
    )


CONVERSATION = Conversation(
    list(MESSAGES),
    [completion(MESSAGES[1], "tool_calls", USAGE_1), completion(MESSAGES[3], "stop", USAGE_2)],
)
EXCHANGES = [
    SimpleNamespace(request={"messages": MESSAGES[:n], "tools": TOOLS}, response=r.model_dump(mode="json"))
    for n, r in zip((1, 3), CONVERSATION.responses, strict=True)
]
SUMMARY = """\
turn 1 of 2 · finish_reason: tool_calls · usage: 60 prompt + 20 completion
sent (1 new message):
  user: Memory?
reply:
  → get_memory_info({})  [c1]
    ← {"percent": 50}

turn 2 of 2 · finish_reason: stop · usage: 90 prompt + 20 completion (8 reasoning)
sent (1 new message):
  tool: [c1] {"percent": 50}
reply:
  text:
    Half used."""


def test_a_conversation_reads_as_turns_with_results_attached():
    first, second = turns_of(CONVERSATION)
    assert [c.result for c in first.calls] == ['{"percent": 50}']
    assert (first.finish_reason, second.text, second.usage) == ("tool_calls", "Half used.", Usage(90, 20, 8))


def test_exchanges_read_as_the_same_turns_and_know_the_tools():
    from_log, from_conversation = turns_of(EXCHANGES), turns_of(CONVERSATION)
    assert [t.tools for t in from_log] == [["get_memory_info"], ["get_memory_info"]]
    for turn in from_log:
        turn.tools = None
    assert from_log == from_conversation


def test_an_unrelated_request_starts_a_new_conversation():
    again = [*EXCHANGES, SimpleNamespace(request={"messages": MESSAGES[:1]}, response=None)]
    assert [t.new_conversation for t in turns_of(again)] == [False, False, True]


def test_responses_api_exchanges_pair_calls_with_their_outputs():
    call = {"type": "function_call", "call_id": "c1", "name": "get_memory_info", "arguments": "{}"}
    log = [
        (
            {"input": "Memory?"},
            {"status": "completed", "output": [call], "usage": {"input_tokens": 5, "output_tokens": 7}},
        ),
        (
            {
                "input": [
                    {"role": "user", "content": "Memory?"},
                    call,
                    {"type": "function_call_output", "call_id": "c1", "output": "50%"},
                ]
            },
            None,
        ),
    ]
    first = turns_of(log)[0]
    assert (first.sent, first.calls[0].result, first.usage) == ([("user", "Memory?")], "50%", Usage(5, 7))


def test_the_text_form_is_every_turn_and_the_widget_is_kept():
    bundle = stepper(CONVERSATION)._repr_mimebundle_()
    assert bundle["text/plain"] == SUMMARY
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_next_previous_and_the_slider_change_the_turn_shown():
    view = stepper(CONVERSATION)
    first = view.panel.value
    assert (view.shown, view.previous.disabled, view.next.disabled) == (1, True, False)
    view.next.click()
    assert (view.shown, view.previous.disabled, view.next.disabled) == (2, False, True)
    assert view.panel.value != first and "Half used." in view.panel.value
    view.next.click()  # at the last turn: stays
    assert view.shown == 2
    view.previous.click()
    assert view.panel.value == first
    view.slider.value = 2
    assert view.text().startswith("turn 2 of 2")


def test_an_empty_conversation_says_so():
    assert Stepper([])._repr_mimebundle_()["text/plain"] == "no turns: nothing was sent"


PARALLEL = [
    {"role": "user", "content": "All three?"},
    {"role": "assistant", "tool_calls": [{**CALL, "id": f"c{n}"} for n in range(3)]},
    *({"role": "tool", "tool_call_id": f"c{n}", "content": f"r{n}"} for n in (2, 0, 1)),
    {"role": "assistant", "content": "Fine."},
]


def test_one_arrow_per_message_and_the_svg_parses():
    root = ET.fromstring(sequence_diagram(CONVERSATION).svg())
    messages = [g for g in root.iter(f"{SVG}g") if g.get("class") == "message"]
    assert [g.get("data-message") for g in messages] == ["1", "2", "3", "4"]


def test_parallel_calls_share_one_band_side_by_side():
    root = ET.fromstring(sequence_diagram(PARALLEL).svg())
    results = [g for g in root.iter(f"{SVG}g") if g.get("class") == "message" and g.get("data-band")]
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert {g.get("data-band") for g in results} == {"1"} and len(results) == 4  # the calls and 3 results
    assert len({bar.get("x") for bar in bars}) == 3 and len({bar.get("y") for bar in bars}) == 1
    assert [r.get("class") for r in root.iter(f"{SVG}rect") if r.get("class") == "par"] == ["par"]


def test_the_diagram_text_form():
    assert repr(sequence_diagram(CONVERSATION)) == "\n".join(
        [
            "sequence diagram: 4 messages (one arrow each), 1 tool calls run",
            " 1  user → model          user: Memory?",
            " 2  model → application   assistant: call get_memory_info",
            "    application ⇢ tool    runs get_memory_info({})  [band 1]",
            ' 3  tool → model          tool: {"percent": 50}  [band 1]',
            " 4  model → user          assistant: Half used.",
        ]
    )


def test_token_bars_text_and_svg():
    bars = token_bars(CONVERSATION, tools=40, tools_label="measured")
    assert repr(bars) == "\n".join(
        [
            "turn    prompt  completion  reasoning   total",
            "1           60          20          -      80",
            "2           90          20          8     110",
            "tools: 40 tokens of each prompt (measured)",
        ]
    )
    root = ET.fromstring(bars.svg())
    kinds = [r.get("class") for r in root.iter(f"{SVG}rect") if r.get("class")]
    assert kinds == ["prompt", "tools", "completion", "prompt", "tools", "completion", "reasoning"]


def test_o200k_counts_offline():
    assert count_tokens("hello world") == 2
    assert messages_tokens([{"role": "user", "content": "hello world"}]) == 3 + 1 + 2 + 3
    share = prompt_share({"model": "gpt-5-mini", "messages": MESSAGES[:1], "tools": TOOLS}, 100)
    assert (share.messages, share.tools, share.share) == (9, 91, 0.91)


def test_the_live_view_grows_with_each_fragment():
    view = LiveArguments()
    for change in (
        Change(call=0, started=True, name="write_file"),
        Change(call=0, arguments='{"file_name":'),
        Change(call=0, arguments='"a.txt"}'),
        Change(finish_reason="tool_calls"),
    ):
        view.add(change)
    assert view.boxes[0].value == '{"file_name":"a.txt"}'
    assert view.text() == (
        "4 chunks · finish_reason: tool_calls\n"
        "call 0 · write_file · 21 characters of arguments:\n"
        '  {"file_name":"a.txt"}'
    )
    assert view._repr_mimebundle_()["text/plain"] == WAITING
