"""LESSONS_WORKDIR is where write_file lands: a folder holding what must not be overwritten is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.settings import (
    DEFAULT_WORKDIR,
    ROOT,
    SYSTEM_TREES,
    SettingsError,
    load_settings,
    workdir_problem,
)

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("/", "the root of a file system"),
        ("//", "the root of a file system"),
        ("/..", "the root of a file system"),
        ("C:\\", "the root of a file system"),
        ("C:/", "the root of a file system"),
        ("c:", "the root of a file system"),
        ("~", "your home folder"),
        (str(Path.home()), "your home folder"),
        ("/etc", "a system or shared folder (/etc)"),
        ("/usr/local/lessons", "a system or shared folder (/usr/local/lessons)"),
        ("/tmp", "a system or shared folder (/tmp)"),
        ("/home", "a system or shared folder (/home)"),
        (str(ROOT), "the project's folder, or a folder that holds it"),
        (str(ROOT / "helpers"), "inside the project, outside notebooks/workspace/"),
        (str(ROOT / "notebooks"), "inside the project, outside notebooks/workspace/"),
        (
            str(DEFAULT_WORKDIR / ".." / ".." / "cassettes"),
            "inside the project, outside notebooks/workspace/",
        ),
    ],
)
def test_a_folder_write_file_must_not_write_into_is_refused_in_one_line(value, why):
    if why.startswith("a system or shared") and Path(value).resolve() in ROOT.parents:
        why = "the project's folder, or a folder that holds it"  # a clone in /tmp/x: named first
    assert workdir_problem(value) == why
    with pytest.raises(SettingsError) as error:
        load_settings({"LESSONS_WORKDIR": value})
    assert str(error.value) == (
        f"LESSONS_WORKDIR={value!r} is {why}, where write_file must not write: "
        "give it a folder of its own (unset, it is notebooks/workspace/)"
    )


def test_the_folder_that_holds_the_project_is_refused_wherever_the_project_is():
    # Cloned straight into the home folder or a drive's root, those rules name it first.
    first = {Path.home().resolve(): "your home folder", Path(ROOT.anchor): "the root of a file system"}
    expected = first.get(ROOT.parent, "the project's folder, or a folder that holds it")
    assert workdir_problem(str(ROOT.parent)) == expected


def test_the_lessons_workspace_is_accepted_wherever_the_project_is():
    assert workdir_problem(str(DEFAULT_WORKDIR)) is None
    assert workdir_problem(str(DEFAULT_WORKDIR / "runs")) is None


def test_a_link_is_judged_by_where_it_leads(tmp_path):
    (tmp_path / "root").symlink_to("/")
    (tmp_path / "project").symlink_to(ROOT)
    assert workdir_problem(str(tmp_path / "root")) == "the root of a file system"
    assert workdir_problem(str(tmp_path / "project")) == "the project's folder, or a folder that holds it"


@given(parts=st.lists(NAME, max_size=3))
def test_a_folder_of_its_own_is_accepted(parts, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp().joinpath("ws", *parts)
    assert workdir_problem(str(folder)) is None
    assert load_settings({"LESSONS_WORKDIR": str(folder)}).workdir == folder
    inside = DEFAULT_WORKDIR.joinpath(*parts)
    assert workdir_problem(str(inside)) is None


@given(tree=st.sampled_from(SYSTEM_TREES), parts=st.lists(NAME, max_size=3))
def test_anything_in_a_system_folder_is_refused(tree, parts):
    assert workdir_problem(str(tree.joinpath(*parts))).startswith("a system or shared folder")


@given(up=st.integers(min_value=0, max_value=len(ROOT.parents) - 1))
def test_the_project_and_every_folder_above_it_are_refused(up):
    folder = ROOT if up == 0 else ROOT.parents[up - 1]
    assert workdir_problem(str(folder)) in (
        "the project's folder, or a folder that holds it",
        "the root of a file system",
        "your home folder",
        f"a system or shared folder ({folder})",
    )


def test_unset_is_the_lessons_workspace():
    assert load_settings({}).workdir == DEFAULT_WORKDIR
