"""The record path, end to end: record against a loopback endpoint, then replay offline."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from support import block_network, completion, tool_call

from helpers.__main__ import main
from helpers.recording.client import Session, current_session, start_session
from helpers.recording.loopback import LoopbackServer, Reply, Script
from helpers.recording.record import FAKE_KEY, Outcome, record
from helpers.tools.machine import get_memory_info

CELLS = [
    "# Demo\n\nA tiny lesson for the record tests.",
    'from helpers import get_memory_info, setup\nclient, MODEL = setup("demo")',
    "Ask once.",
    'messages = [{"role": "user", "content": "How much memory?"}]\n'
    "reply = client.chat.completions.create(model=MODEL, messages=messages)\n"
    "call = reply.choices[0].message.tool_calls[0]\n"
    "call.function.name",
    "Answer the call with the tape's value and ask again.",
    "messages.append(reply.choices[0].message.model_dump(exclude_none=True))\n"
    'messages.append({"role": "tool", "tool_call_id": call.id, "content": get_memory_info()})\n'
    "final = client.chat.completions.create(model=MODEL, messages=messages)\n"
    "print(final.choices[0].message.content)",
    "Ask the first question again: while recording, a repeated request is not sent twice.",
    "again = client.chat.completions.create(model=MODEL, messages=messages[:1])\n"
    "again.choices[0].message.tool_calls[0].function.name",
]
MEMORY = '{"total": 100, "available": 40, "used": 60, "free": 40}'


def replay_demo(session: Session) -> tuple[str, str, str | None]:
    """What the demo notebook does, run in this process."""
    client, model = session.client, session.model
    messages: list[dict] = [{"role": "user", "content": "How much memory?"}]
    reply = client.chat.completions.create(model=model, messages=messages)
    call = reply.choices[0].message.tool_calls[0]
    memory = get_memory_info()
    messages.append(reply.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": memory})
    final = client.chat.completions.create(model=model, messages=messages)
    return call.function.name, memory, final.choices[0].message.content


def write_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if i % 2 == 0 else nbformat.v4.new_code_cell(src)
        for i, src in enumerate(CELLS)
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "notebooks" / "demo.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def replies(answer: str = "60% used.") -> list[Reply]:
    first = completion({"tool_calls": [tool_call("call_demo_1", "get_memory_info")]}, "tool_calls", 1)
    return [Reply(body=first), Reply(body=completion({"content": answer}, n=2))]


def _as_written_today(body: dict[str, Any], n: int) -> dict[str, Any]:
    """A reply shaped as OpenAI's profile says, created today, so that record's check passes it."""
    body = json.loads(json.dumps(body).replace("call_demo_1", "call_demo00000000000000000001"))
    body["created"] = int(time.time()) + 5 * n
    for choice in body["choices"]:
        choice["message"]["annotations"] = []
    return body


def script_file(folder: Path, answer: str = "60% used.", **extra: object) -> Path:
    bodies = [_as_written_today(r.body, i) for i, r in enumerate(replies(answer))]
    for i, body in enumerate(bodies):
        (folder / f"r{i}.json").write_text(json.dumps(body), encoding="utf-8")
    data = {
        "provenance": "authored",
        "provider": "openai",
        "model": "gpt-5-mini",
        "note": "written for the record test",
        "tape": {"get_memory_info": [MEMORY]},
        "responses": [{"file": f"r{i}.json"} for i in range(len(bodies))],
        **extra,
    }
    path = folder / "script.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path / "cassettes"))
    monkeypatch.setenv("LESSONS_WORKDIR", str(tmp_path / "workspace"))
    yield tmp_path
    if current_session():
        current_session().close()


def outputs(nb_path: Path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    return ["".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_record_against_a_live_endpoint_with_a_fake_key_then_replay_offline(project, monkeypatch):
    nb_path = write_notebook(project)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    with LoopbackServer(Script(replies())) as server:
        outcome = record(nb_path, base_url=server.base_url)
        server.check()
    assert outcome.ok, outcome.message
    cassette = project / "cassettes" / "demo.yaml"
    text = cassette.read_text(encoding="utf-8")
    assert FAKE_KEY not in text and "127.0.0.1" not in text
    data = yaml.safe_load(text)
    assert [i["request"]["uri"] for i in data["interactions"]] == [
        "https://api.openai.com/v1/chat/completions"
    ] * 2
    meta = data["metadata"]
    assert meta["provenance"] == "recorded" and meta["provider"] == "openai"
    assert meta["model"] == "gpt-5-mini" and meta["sdk"].startswith("openai ")
    recorded_memory = meta["tape"]["get_memory_info"][0]
    assert set(json.loads(recorded_memory)) == {"total", "available", "used", "free"}
    second_request = json.loads(data["interactions"][1]["request"]["body"])
    assert second_request["messages"][2]["content"] == recorded_memory
    # The refreshed notebook shows what replay shows, not what record mode printed.
    assert outputs(nb_path)[0].startswith("replay · openai · gpt-5-mini · cassette demo.yaml (recorded)")
    assert not (project / "cassettes" / ".recording-demo").exists()
    # Replay with every connection refused gives the same answers, tape included.
    monkeypatch.setenv("LESSONS_MODE", "replay")
    block_network(monkeypatch)
    assert replay_demo(start_session("demo")) == ("get_memory_info", recorded_memory, "60% used.")


def test_record_from_a_script_is_published_or_authored(project):
    nb_path = write_notebook(project)
    answer = f"60% used; saved to {project / 'workspace' / 'mem.txt'}"  # this machine's workspace
    assert main(["record", "--script", str(script_file(project, answer)), str(nb_path)]) == 0
    text = (project / "cassettes" / "demo.yaml").read_text(encoding="utf-8")
    assert str(project) not in text  # the workspace became a placeholder as it was recorded
    meta = yaml.safe_load(text)["metadata"]
    assert meta["provenance"] == "authored" and meta["note"] == "written for the record test"
    assert meta["tape"] == {"get_memory_info": [MEMORY]}
    assert outputs(nb_path)[-2] == "60% used; saved to <workspace>/mem.txt\n"
    assert nbformat.read(nb_path, as_version=4).cells[-1].outputs[0]["data"]["text/plain"] == (
        "'get_memory_info'"
    )


def test_a_failed_recording_keeps_the_old_cassette_and_notebook(project, capsys):
    nb_path = write_notebook(project)
    old_cassette = project / "cassettes" / "demo.yaml"
    old_cassette.parent.mkdir()
    old_cassette.write_text("the old cassette\n", encoding="utf-8")
    before = nb_path.read_bytes()
    short = script_file(project, responses=[{"file": "r0.json"}])  # one reply short
    assert main(["record", "--script", str(short), str(nb_path)]) == 1
    said = capsys.readouterr().out
    assert "FAILED" in said and "beyond the script" in said and "old cassette" in said
    assert old_cassette.read_text(encoding="utf-8") == "the old cassette\n"
    assert nb_path.read_bytes() == before
    assert sorted(p.name for p in old_cassette.parent.iterdir()) == ["demo.yaml"]


def test_no_key_or_url_credential_is_printed(project, monkeypatch, capsys):
    url = "http://user:hunter22@127.0.0.1:9/v1?api-key=topsecret99"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-0123456789")
    monkeypatch.chdir(project)
    nbformat.write(nbformat.v4.new_notebook(), "demo.ipynb")

    def failing(notebook: Path, **options: object) -> Outcome:
        return Outcome(notebook, False, f"APIConnectionError: {options['base_url']} sk-live-0123456789")

    monkeypatch.setattr("helpers.recording.record.record", failing)
    assert main(["record", "--base-url", url, "demo.ipynb"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "demo.ipynb: FAILED: APIConnectionError: http://***@127.0.0.1:9/v1?api-key=*** ***",
        "  the old cassette and notebook are kept as they were",
    ]


def test_an_unreadable_script_or_setting_is_one_line(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    nbformat.write(nbformat.v4.new_notebook(), "demo.ipynb")
    bad = project / "bad.json"
    bad.write_text('{"responses": 5', encoding="utf-8")
    assert main(["record", "--script", str(bad), "demo.ipynb"]) == 1
    monkeypatch.setenv("LESSONS_PROVIDER", "nowhere")
    assert main(["record", "demo.ipynb"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "demo.ipynb: FAILED: cannot read the script: JSONDecodeError: "
        "Expecting ',' delimiter: line 1 column 16 (char 15)",
        "  the old cassette and notebook are kept as they were",
        "demo.ipynb: FAILED: LESSONS_PROVIDER='nowhere' is not one of: "
        "openai, dashscope, deepseek, vllm, ollama",
        "  the old cassette and notebook are kept as they were",
    ]
