"""python -m helpers.providers.scenario: the memory scenario on emulations, one line per run."""

from __future__ import annotations

import pytest

from helpers.providers.scenario import main

EXPLAINED = (
    "In thinking mode this model refuses a forced tool_choice (400, emulated {name}). "
    'Send tool_choice="auto" (lesson 07), or turn thinking off for this request (lesson 13).'
)


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path))


def test_the_loop_completes_on_gemini_openrouter_and_mistral(capsys):
    assert main(["gemini", "openrouter", "mistral"]) == 0
    done = "3 turns, called get_memory_info, write_file"
    assert capsys.readouterr().out.splitlines() == [
        f"{name:<10} {mode:<9} {done}"
        for name in ("gemini", "openrouter", "mistral")
        for mode in ("whole", "streamed")
    ]


def test_a_forced_tool_choice_in_deepseeks_thinking_mode_is_one_line_naming_the_fix(capsys):
    assert main(["deepseek", "--tool-choice", "required"]) == 0
    line = EXPLAINED.format(name="deepseek")
    assert capsys.readouterr().out.splitlines() == [
        f"deepseek   whole     {line}",
        f"deepseek   streamed  {line}",
    ]


def test_required_on_every_turn_where_it_is_accepted_ends_at_the_turn_limit(capsys):
    assert main(["openai", "--tool-choice", "required"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("after 4 requests (max_turns=4)" in line for line in lines), lines


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        (["--model", "gpt-5.4-mini", "--reasoning-effort", "low"], True),
        (["--model", "gpt-5.4-mini", "--reasoning-effort", "none"], False),  # reasoning off: tools work
        (["--model", "gpt-5.4-mini"], False),
        (["--reasoning-effort", "low"], False),  # gpt-5-mini still takes them
    ],
)
def test_newer_reasoning_models_refuse_function_tools_on_chat_completions(options, refused, capsys):
    assert main(["openai", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    said = (
        "This model takes no function tools on Chat Completions while it reasons (400, emulated openai). "
        'Run the loop on the Responses API: lesson 09, or run_conversation(..., api="responses").'
        if refused
        else "3 turns, called get_memory_info, write_file"
    )
    assert lines == [f"openai     whole     {said}", f"openai     streamed  {said}"]
