"""The practice model and the loop checker of lesson 06's exercise."""

from __future__ import annotations

import json

import openai
import pytest

from helpers import check_tool_loop, function_tool, practice_client


def count_words(text: str) -> int:
    """Count the words in a text.

    Args:
        text: The text whose words to count.
    """
    return len(text.split())


def shout(text: str, times: int, loud: bool = False) -> str:
    """Repeat a text.

    Args:
        text: What to repeat.
        times: How often.
        loud: In capitals.
    """
    return " ".join([text.upper() if loud else text] * times)


FUNCTIONS = {"count_words": count_words, "shout": shout}
USER = {"role": "user", "content": "How many words are in 'the quick brown fox'?"}


def loop(messages, tools, answer=lambda call, result: result, max_turns=5):
    """A correct plain loop, with a hook to spoil the answers."""
    client, model = practice_client()
    for _ in range(max_turns):
        message = (
            client.chat.completions.create(model=model, messages=messages, tools=tools).choices[0].message
        )
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return messages
        for call in message.tool_calls:
            result = FUNCTIONS[call.function.name](**json.loads(call.function.arguments))
            content = result if isinstance(result, str) else json.dumps(result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": answer(call, content)})
    return messages


def test_it_calls_every_tool_with_arguments_from_the_schema_then_answers_in_text(capsys):
    tools = [function_tool(count_words), function_tool(shout, strict=True)]
    messages = loop([USER], tools)
    calls = messages[1]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_practice_1_1", "call_practice_1_2"]
    assert [c["function"]["arguments"] for c in calls] == [
        '{"text": "the quick brown fox"}',
        '{"text": "the quick brown fox", "times": 1, "loud": true}',
    ]
    assert messages[-1] == {
        "role": "assistant",
        "content": 'Practice model: the tools answered "4"; "THE QUICK BROWN FOX". Done.',
    }
    assert check_tool_loop(messages, FUNCTIONS) is True
    assert capsys.readouterr().out == (
        "✓ the model asked for 2 tool call(s)\n"
        "✓ every call is answered exactly once, right after the message that made it\n"
        "✓ the loop stopped at the model's answer in text\n"
    )


def test_a_broken_conversation_gets_a_400_like_the_apis():
    client, model = practice_client()
    first = client.chat.completions.create(model=model, messages=[USER], tools=[function_tool(count_words)])
    unanswered = [USER, first.choices[0].message.model_dump(exclude_none=True)]
    with pytest.raises(openai.BadRequestError, match="call_practice_1_1' of the assistant message"):
        client.chat.completions.create(model=model, messages=unanswered, tools=[function_tool(count_words)])


def test_no_tools_means_a_text_answer():
    client, model = practice_client()
    reply = client.chat.completions.create(model=model, messages=[USER]).choices[0]
    assert (reply.finish_reason, reply.message.tool_calls) == ("stop", None)


@pytest.mark.parametrize(
    ("spoil", "wrong"),
    [
        (lambda m: m[:2], "has no tool message before the conversation ends"),
        (lambda m: m[:3], "ends with tool results the model has not read"),
        (lambda m: [m[0]], "no assistant message asks for a tool"),
        (lambda m: [*m[:3], m[2], *m[3:]], "a second time"),
    ],
)
def test_the_checker_names_what_is_wrong(spoil, wrong, capsys):
    messages = loop([USER], [function_tool(count_words)])
    assert check_tool_loop(spoil(messages), FUNCTIONS) is False
    out = capsys.readouterr().out
    assert wrong in out and "✗" in out


def test_the_checker_compares_each_answer_with_the_tools_result(capsys):
    messages = loop([USER], [function_tool(count_words)], answer=lambda call, result: "")
    assert check_tool_loop(messages, FUNCTIONS) is False
    assert "says '', but the tool returns '4' for those arguments" in capsys.readouterr().out


def test_a_result_that_is_not_text_gets_a_400():
    client, model = practice_client()
    tools = [function_tool(count_words)]
    first = client.chat.completions.create(model=model, messages=[USER], tools=tools).choices[0].message
    answered = [
        USER,
        first.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": first.tool_calls[0].id},
    ]
    answered[-1]["content"] = 4
    with pytest.raises(openai.BadRequestError, match=r"messages\[2\].content must be a string, not int"):
        client.chat.completions.create(model=model, messages=answered, tools=tools)


def test_lesson_06s_exercise_start_fails_the_check_and_its_solution_passes(capsys):
    import re
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).parent.parent / "notebooks" / "06_the_loop.ipynb", as_version=4)
    start = next(c.source for c in nb.cells if "# Your loop goes here" in c.source)
    solution = next(
        re.search(r"```python\n(.*?)```", c.source, re.S).group(1)
        for c in nb.cells
        if c.cell_type == "markdown" and "<summary>One solution" in c.source
    )
    namespace: dict = {}
    exec(start, namespace)
    assert check_tool_loop(namespace["my_messages"], namespace["my_functions"]) is False
    exec(solution, namespace)
    assert check_tool_loop(namespace["my_messages"], namespace["my_functions"]) is True
    assert 'Practice model: the tools answered "4". Done.' in capsys.readouterr().out
