"""Tests of lesson 11's approval widget: the decision, its default, and a repr that never changes."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.lessons.approval import Approval, decision_message, describe, visible

CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "write_file", "arguments": json.dumps({"file_name": "mem_ok.txt", "text": "64%"})},
}


def test_describe_puts_each_argument_on_a_line() -> None:
    assert describe("write_file", CALL["function"]["arguments"]) == (
        'write_file(\n  file_name = "mem_ok.txt"\n  text = "64%"\n)'
    )


def test_describe_shortens_long_values_and_shows_bad_json_as_it_is() -> None:
    long = describe("write_file", json.dumps({"text": "x" * 500}), limit=10)
    assert long == 'write_file(\n  text = "xxxxxxxxx… (492 more characters)\n)'
    assert describe("write_file", '{"file_name": ') == 'write_file({"file_name": )'


def test_nothing_clicked_means_the_default() -> None:
    approval = Approval(CALL)
    assert approval.call is CALL
    assert (approval.call_id, approval.name) == ("call_1", "write_file")
    assert approval.decision is None
    assert approval.decision_or() == "denied"
    assert approval.decision_or("approved") == "approved"


def test_a_click_decides_and_disables_the_buttons() -> None:
    approval = Approval(CALL)
    approval.approve.click()
    assert approval.decision == "approved" == approval.decision_or("denied")
    assert approval.approve.disabled and approval.deny.disabled
    assert approval.status.value == "Decision: approved. Run the next cell."


def test_deny_button() -> None:
    approval = Approval(CALL)
    approval.deny.click()
    assert approval.decision_or("approved") == "denied"


def test_the_plain_text_form_is_fixed_and_the_widget_is_shown() -> None:
    approval = Approval(CALL)
    bundle = approval._repr_mimebundle_()
    assert bundle["text/plain"] == (
        'Approval pending: write_file(\n  file_name = "mem_ok.txt"\n  text = "64%"\n)\n[Approve] [Deny]'
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_decision_messages_tell_the_model_what_happened() -> None:
    assert decision_message("call_1", "approved", "write_file") == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "The user approved this call; write_file ran.",
    }
    denied = decision_message("call_1", "denied", "write_file")["content"]
    assert denied == "The user denied this call; write_file did not run. Do not retry it; tell the user."


SPOOF = {
    "id": "call_2",
    "type": "function",
    "function": {
        "name": "write_file",
        "arguments": json.dumps({"file_name": "report\u202etxt.exe", "text": "ok"}, ensure_ascii=False),
    },
}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("report\u202etxt.exe", "report\\u202etxt.exe"),
        ("a\u202ab\u202bc\u202cd\u202de", "a\\u202ab\\u202bc\\u202cd\\u202de"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zero\\u200bwidth\\u200c\\u200d\\u2060\\ufeff"),
        ("tab\tbell\x07esc\x1b[2J\x7f", "tab\\u0009bell\\u0007esc\\u001b[2J\\u007f"),
        ("line\u2028para\u2029nbsp\u00a0", "line\\u2028para\\u2029nbsp\\u00a0"),
        ("tag\U000e0041\U000e0042", "tag\\U000e0041\\U000e0042"),
        ("filler\u3164\u115f", "filler\\u3164\\u115f"),
        ("mem_ok.txt, 64% ü 内存 🙂", "mem_ok.txt, 64% ü 内存 🙂"),
    ],
)
def test_visible_escapes_what_hides_or_reorders_text(text: str, shown: str) -> None:
    assert visible(text) == shown


@given(st.text().filter(lambda text: "\\" not in text))
def test_visible_hides_nothing_and_changes_nothing_else(text: str) -> None:
    shown = visible(text)
    assert all(char == " " or unicodedata.category(char)[0] not in "CZ" for char in shown)
    unescaped = re.sub(r"\\u([0-9a-f]{4})|\\U([0-9a-f]{8})", lambda m: chr(int(m[1] or m[2], 16)), shown)
    assert unescaped == text


def test_a_spoofed_file_name_is_shown_escaped_in_both_forms() -> None:
    approval = Approval(SPOOF)
    bundle = approval._repr_mimebundle_()
    assert bundle["text/plain"] == (
        'Approval pending: write_file(\n  file_name = "report\\u202etxt.exe"\n  text = "ok"\n)\n'
        "[Approve] [Deny]"
    )
    shown = approval.box.children[0].value
    assert shown == (
        "<b>The model asks to run:</b><pre>write_file(\n  file_name = &quot;report\\u202etxt.exe&quot;\n"
        "  text = &quot;ok&quot;\n)</pre>"
    )
    assert "\u202e" not in shown


def test_hidden_characters_in_names_keys_and_bad_json_are_escaped() -> None:
    assert (
        describe("write\u200b_file", '{"file\u202e_name": 1}')
        == "write\\u200b_file(\n  file\\u202e_name = 1\n)"
    )
    assert describe("w", "not json \u202e\n") == "w(not json \\u202e\\u000a)"
