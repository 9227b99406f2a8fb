"""Lesson 12's evaluation: the scoring on the side effect, and ``python -m helpers eval`` in replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.__main__ import main
from helpers.lessons.evaluate import TASKS, Result, Task, score, score_table

HIGH = Task("high", "prompt", 100, 15)  # 85.00%
OK = Task("ok", "prompt", 100, 40)  # 60.00%


def folder_with(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_txt", ".txt")).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_tasks_cover_both_branches_and_both_languages():
    assert {t.expected_file for t in TASKS} == {"mem_high.txt", "mem_ok.txt"}
    assert any("内存" in t.prompt for t in TASKS) and any("memory" in t.prompt for t in TASKS)


def test_right_file_with_the_figure_scores_1(tmp_path):
    assert score(HIGH, folder_with(tmp_path, mem_high_txt="usage: 85.00%")) == (
        True,
        "mem_high.txt with 85.00%",
    )


def test_wrong_file_scores_0(tmp_path):
    passed, reason = score(HIGH, folder_with(tmp_path, mem_ok_txt="usage: 85.00%"))
    assert not passed and reason == "expected mem_high.txt, found ['mem_ok.txt']"


def test_both_files_score_0(tmp_path):
    assert score(OK, folder_with(tmp_path, mem_ok_txt="60.0%", mem_high_txt="60.0%"))[0] is False


def test_a_wrong_figure_scores_0(tmp_path):
    assert score(OK, folder_with(tmp_path, mem_ok_txt="usage: 61.00%"))[0] is False


def test_nothing_written_scores_0(tmp_path):
    assert score(OK, tmp_path) == (False, "expected mem_ok.txt, found no file")


def test_the_table_shows_n_a_tokens_and_no_time_in_replay():
    table = score_table([Result("high", True, "ok", 3, None, 1.23)], "heading", timed=False)
    assert table.splitlines()[2].split()[:5] == ["high", "yes", "3", "n/a", "-"]
    assert table.endswith("1/1 tasks passed")


def test_eval_replays_offline_and_passes(capsys):
    assert main(["eval"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("replay · authored sessions")
    assert "4/4 tasks passed" in out


def test_eval_fails_when_a_cassette_is_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CASSETTE_DIR", str(tmp_path))
    assert main(["eval"]) == 1
    assert "0/4 tasks passed" in capsys.readouterr().out


def test_eval_live_without_a_key_says_so(capsys, monkeypatch):
    assert main(["eval", "--live"]) == 2
    assert "needs a key" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--model", "--base-url"])
def test_eval_refuses_live_options_in_replay(flag, capsys):
    with pytest.raises(SystemExit) as stopped:  # a usage error, as argparse says its own
        main(["eval", flag, "x"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "python -m helpers eval: error: --provider, --base-url and --model need --live: replay uses the "
        "cassettes' own (see python -m helpers eval --help)\n"
    )
