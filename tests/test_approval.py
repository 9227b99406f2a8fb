"""Tests of lesson 11's approval widget: the decision, its default, and a repr that never changes."""

from __future__ import annotations

import json

from helpers.lessons.approval import Approval, decision_message, describe

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
