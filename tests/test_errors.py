"""A failure a learner can fix is one line in a notebook, not a traceback."""

from __future__ import annotations

import httpx2
import nbformat
import openai
from nbclient import NotebookClient

from helpers.limits import AnswerTooLarge, AnswerTooSlow
from helpers.recording.cassettes import ReplayMiss
from helpers.recording.errors import explain

BANNER = "live · openai · gpt-5-mini · http://127.0.0.1:9/v1"


def test_a_connection_failure_says_what_was_tried_and_what_to_check():
    error = openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1:9/v1"))
    said = explain(error, BANNER, "OPENAI_API_KEY")
    assert said.startswith(f"Could not connect ({BANNER}). Check the network, the address (OPENAI_BASE_URL)")
    assert "unset LESSONS_MODE to replay" in said


def test_an_answer_over_the_limits_says_which_limit_not_the_network():
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    large = AnswerTooLarge("answer larger than 10 bytes from http://127.0.0.1:9/v1/chat/completions", request)
    assert explain(large, BANNER, "") == (
        f"An answer too large ({BANNER}): answer larger than 10 bytes from "
        "http://127.0.0.1:9/v1/chat/completions. No model's reply is that long: check that "
        "OPENAI_BASE_URL is an OpenAI-compatible endpoint, or unset LESSONS_MODE to replay the "
        "recorded session."
    )
    slow = AnswerTooSlow(
        "no complete answer within 107 s from http://127.0.0.1:9/v1/chat/completions", request
    )
    assert explain(slow, BANNER, "") == (
        f"No complete answer in time ({BANNER}): no complete answer within 107 s from "
        "http://127.0.0.1:9/v1/chat/completions. The server may be busy, or sending its answer very "
        "slowly: try again, wait longer with LESSONS_TIMEOUT, or unset LESSONS_MODE to replay the "
        "recorded session."
    )


def test_a_refused_key_names_the_variable_to_check():
    response = httpx2.Response(401, request=httpx2.Request("POST", "https://api.deepseek.com/v1"))
    error = openai.AuthenticationError("Incorrect API key", response=response, body=None)
    assert explain(error, "live · deepseek", "DEEPSEEK_API_KEY") == (
        "The provider refused the key (401, live · deepseek): check DEEPSEEK_API_KEY."
    )


def bad_request(message: str) -> openai.BadRequestError:
    """A 400 in the API's error format, as the SDK raises it."""
    body = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    response = httpx2.Response(
        400, request=httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
    )
    return openai.BadRequestError(f"Error code: 400 - {{'error': {body!r}}}", response=response, body=body)


def test_the_use_responses_400_points_to_lesson_09():
    error = bad_request(
        "Function tools with reasoning_effort are not supported for gpt-5.4-mini in /v1/chat/completions. "
        "Please use /v1/responses instead."
    )
    assert explain(error, BANNER, "OPENAI_API_KEY") == (
        f"This model takes no function tools on Chat Completions while it reasons (400, {BANNER}). "
        'Run the loop on the Responses API: lesson 09, or run_conversation(..., api="responses").'
    )


def test_the_thinking_mode_tool_choice_400_points_to_auto():
    error = bad_request("Thinking mode does not support this tool_choice")
    assert explain(error, "live · deepseek", "DEEPSEEK_API_KEY") == (
        "In thinking mode this model refuses a forced tool_choice (400, live · deepseek). "
        'Send tool_choice="auto" (lesson 07), or turn thinking off for this request (lesson 13).'
    )


def test_another_400_keeps_its_first_line():
    error = bad_request("Invalid schema for function 'glob'")
    assert explain(error, BANNER, "OPENAI_API_KEY").startswith(
        "Error code: 400 - {'error': {'message': \"Invalid"
    )


def test_a_replay_miss_is_its_own_message():
    assert explain(ReplayMiss("Replay: demo.yaml holds no response"), BANNER, "") == (
        "Replay: demo.yaml holds no response"
    )


def test_in_a_notebook_a_live_connection_failure_is_one_line(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('from helpers import setup\nclient, MODEL = setup("demo")'),
        nbformat.v4.new_code_cell(
            'client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])'
        ),
        nbformat.v4.new_code_cell('print("not reached by Run all")'),
    ]
    for name, value in {
        "LESSONS_MODE": "live",
        "OPENAI_API_KEY": "sk-not-a-real-key-000000000000",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "LESSONS_CASSETTE_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    assert nb.cells[0].outputs[0]["text"] == f"{BANNER}\n"
    [error] = nb.cells[1].outputs
    assert error["output_type"] == "error" and error["ename"] == "APIConnectionError"
    assert len(error["traceback"]) == 1, error["traceback"]
    assert error["traceback"][0].startswith(f"APIConnectionError: Could not connect ({BANNER}).")
