"""Lessons 03-06 replay the article's published run B, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support import published

from helpers.lessons.article import ARTICLE_TOOLS, RUN_A_PROMPT, RUN_B_PROMPT
from helpers.recording.authored import USAGE_NOTE
from helpers.recording.record import execute

ROOT = Path(__file__).resolve().parent.parent
RUN_B = ["00_overview", "03_pass_the_tools", "04_handle_the_response", "05_return_the_result", "06_the_loop"]
RUN_B_CALL_IDS = {"call_vxeBJnnY6W4iFKdbuGlzCgix", "call_c6Bw3DaspJCBVefCYk74aXkr"}


def cassette(stem: str) -> dict:
    return yaml.safe_load((ROOT / "cassettes" / f"{stem}.yaml").read_text(encoding="utf-8"))


def bodies(stem: str, key: str) -> list[dict]:
    found = []
    for interaction in cassette(stem)["interactions"]:
        text = (
            interaction["request"]["body"] if key == "request" else interaction["response"]["body"]["string"]
        )
        found.append(json.loads(text))
    return found


def call_ids(stem: str) -> set[str]:
    ids = set()
    for body in bodies(stem, "response"):
        for choice in body["choices"]:
            ids |= {c["id"] for c in choice["message"].get("tool_calls") or []}
    return ids


@pytest.mark.parametrize("run, prompt", [("run-a", RUN_A_PROMPT), ("run-b", RUN_B_PROMPT)])
def test_the_helpers_copy_of_the_article_is_what_it_sent(run, prompt):
    request = published(f"{run}.turn1.request.json")
    assert request["tools"] == ARTICLE_TOOLS
    assert request["messages"][-1] == {"role": "user", "content": prompt}


@pytest.mark.parametrize("stem", RUN_B)
def test_published_cassettes_carry_run_b(stem):
    meta = cassette(stem)["metadata"]
    assert meta["provenance"] == "published"
    assert "rebuilt" in meta["note"] and "run B" in meta["note"]
    assert call_ids(stem) <= RUN_B_CALL_IDS and "call_vxeBJnnY6W4iFKdbuGlzCgix" in call_ids(stem)
    first = bodies(stem, "request")[0]
    assert first == published("run-b.turn1.request.json")


@pytest.mark.parametrize("stem", ["00_overview", "06_the_loop"])
def test_the_last_request_is_the_articles_turn_three_message_for_message(stem):
    last = bodies(stem, "request")[-1]
    assert last == published("run-b.turn3.request.json")
    assert bodies(stem, "response")[-1] == published("run-b.turn3.response.json")


def test_rebuilt_turns_claim_no_usage():
    for body in bodies("06_the_loop", "response")[:-1]:
        assert "rebuilt" in body["id"] and "usage" not in body


def authored(name: str) -> dict:
    path = ROOT / "cassettes" / "sources" / "authored" / name
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_mem_high_branch_is_authored_and_claims_no_measured_figure():
    meta = cassette("06_the_loop.mem_high")["metadata"]
    assert meta["provenance"] == "authored" and "Written by hand" in meta["note"]
    memory = json.loads(meta["tape"]["get_memory_info"][0])
    assert (memory["total"] - memory["available"]) / memory["total"] > 0.80
    # The same first request as run B: the article's prompt and tools.
    assert bodies("06_the_loop.mem_high", "request")[0] == published("run-b.turn1.request.json")
    # Its token counts are computed offline, and the metadata says so: no figure claims to be measured.
    assert meta["usage"] == USAGE_NOTE
    for body in bodies("06_the_loop.mem_high", "response"):
        assert "authored" in body["id"] and body["usage"]["total_tokens"] > 0


def outputs(nb, marker: str) -> str:
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "".join(o.get("text", "") for o in cell.outputs)


def test_lesson_06_offline_writes_mem_ok_then_mem_high(tmp_path):
    env = {"LESSONS_MODE": "replay", "LESSONS_WORKDIR": str(tmp_path)}
    nb = execute(ROOT / "notebooks" / "06_the_loop.ipynb", env)
    assert "output files in the workspace: ['mem_ok.txt']" in outputs(nb, "final_text = run_loop(")
    assert "output files in the workspace: ['mem_high.txt']" in outputs(nb, "high_answer = run_loop(")
    written = authored("mem-high.turn2.response.json")["choices"][0]["message"]["tool_calls"][0]
    arguments = json.loads(written["function"]["arguments"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mem_high.txt"]
    assert (tmp_path / "mem_high.txt").read_text(encoding="utf-8") == arguments["text"]
    assert "83.49%" in arguments["text"]
