"""The lessons list drives the navigation cells and the README's table."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from support import tracked_files

from helpers.lessons.contents import LESSONS, contents_table, navigation, update_all

ROOT = Path(__file__).resolve().parent.parent


def test_navigation_links_prev_contents_next():
    assert navigation(0) == (
        "[Contents](../README.md#contents) | [01 Define a function](01_define_a_function.ipynb) >"
    )
    before_last = LESSONS[-2]
    assert navigation(len(LESSONS) - 1) == (
        f"< [{before_last.stem[:2]} {before_last.title}]({before_last.stem}.ipynb) | "
        "[Contents](../README.md#contents)"
    )


def test_contents_table_lists_every_lesson_in_order():
    rows = contents_table().splitlines()[2:]
    assert [r.split("|")[1].strip() for r in rows] == [x.stem[:2] for x in LESSONS]
    assert "](notebooks/00_overview.ipynb)" in rows[0]
    assert "](00_overview.ipynb)" in contents_table(folder="").splitlines()[2]


def test_every_lesson_exists_and_every_notebook_is_listed():
    notebooks = [Path(name).stem for name in tracked_files("notebooks/*.ipynb")]
    assert sorted(notebooks) == [x.stem for x in LESSONS]


def test_the_generator_is_idempotent_and_the_files_are_up_to_date(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for lesson in LESSONS:
        source = ROOT / "notebooks" / f"{lesson.stem}.ipynb"
        (tmp_path / "notebooks" / source.name).write_bytes(source.read_bytes())
    (tmp_path / "README.md").write_bytes((ROOT / "README.md").read_bytes())
    assert update_all(tmp_path) == [], "run `python -m helpers contents` and commit"
    for lesson in LESSONS:
        nb = nbformat.read(tmp_path / "notebooks" / f"{lesson.stem}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.cells[-1].metadata["tags"] == ["navigation"]


def test_the_generator_adds_a_missing_navigation_cell(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Overview")])
    path = tmp_path / "notebooks" / "00_overview.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "README.md").write_text(
        "x\n<!-- contents:start -->\nSTALE TABLE\n<!-- contents:end -->\ny\n", encoding="utf-8"
    )
    assert update_all(tmp_path) == ["notebooks/00_overview.ipynb", "README.md"]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert cells[-1]["id"] == "navigation" and cells[-1]["source"] == [navigation(0)]
    assert "STALE TABLE" not in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert update_all(tmp_path) == []


def test_under_notebooks_only_the_lessons_are_collected():
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    ignored = lambda path: root_conftest.pytest_ignore_collect(path, None)  # noqa: E731
    notebooks = ROOT / "notebooks"
    assert ignored(notebooks / "06_the_loop.ipynb") is False
    assert ignored(notebooks / "Untitled.ipynb") is True
    assert ignored(notebooks / "workspace" / "tool_tests" / "test_tools.py") is True
    assert ignored(notebooks / "scratch.py") is True
    assert ignored(ROOT / "tests" / "test_contents.py") is None
