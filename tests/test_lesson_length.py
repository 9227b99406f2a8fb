"""How long the lessons are, and whether their pointers to each other lead somewhere.

Prose is every markdown cell but the generated navigation line, without fenced
code and HTML comments (the ledger's markers). Lesson 00 is an overview and
stays short; no lesson may grow past what a learner reads in one sitting: a
lesson that needs more is split.

A pointer to a part of another lesson is a link with an anchor,
``[lesson 05's Try next](05_return_the_result.ipynb#Try-next)``: the anchor must
be a heading of that lesson, as JupyterLab names it, so a lesson named for a
topic contains it. A pointer in plain words, "lesson 04's dispatcher" or
"lesson 08's `StreamAssembler`", is held to the same promise: the word or name
after it must appear in that lesson.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from helpers.lessons.contents import LESSONS, NAV_TAG

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {lesson.stem: ROOT / "notebooks" / f"{lesson.stem}.ipynb" for lesson in LESSONS}
LIMITS = {"00_overview": 1_200}
DEFAULT_LIMIT = 3_000
FENCED = re.compile(r"```.*?```", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
WORD = re.compile(r"[\w'’.-]*\w[\w'’.-]*")
LINK = re.compile(r"\]\((?:\./)?(\d\d_\w+)\.ipynb(?:#([^)\s]*))?\)")
NAMED = re.compile(r"[Ll]esson (\d\d)'s (`[^`]+`|\w+)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


@cache
def lesson(stem: str) -> nbformat.NotebookNode:
    """A lesson's notebook, read once for all the tests of this file."""
    return nbformat.read(NOTEBOOKS[stem], as_version=4)


def prose_words(text: str) -> int:
    """Words of a markdown cell's prose: fenced code and HTML comments left out."""
    return len(WORD.findall(COMMENT.sub(" ", FENCED.sub(" ", text))))


def lesson_prose(nb: nbformat.NotebookNode) -> int:
    """Words of prose in a lesson, its generated navigation line left out."""
    cells = [c for c in nb.cells if c.cell_type == "markdown" and NAV_TAG not in c.metadata.get("tags", [])]
    return sum(prose_words(c.source) for c in cells)


def anchor(heading: str) -> str:
    """The anchor JupyterLab gives a heading: its text without markup, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[`*]", "", text)
    return text.strip().replace(" ", "-")


def anchors(nb: nbformat.NotebookNode) -> set[str]:
    """Every heading anchor of a lesson's markdown."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found |= {anchor(h) for h in HEADING.findall(FENCED.sub(" ", cell.source))}
    return found


def test_the_counter_counts_prose_only():
    text = "One two `three`.\n\n```python\nnot = counted\n```\n<!-- ledger: x -->four, five's"
    assert prose_words(text) == 5
    assert anchor("The `finish_reason` and [lesson 05](05_x.ipynb)") == "The-finish_reason-and-lesson-05"


@pytest.mark.parametrize("stem", list(NOTEBOOKS))
def test_prose_within_its_limit(stem):
    words = lesson_prose(lesson(stem))
    limit = LIMITS.get(stem, DEFAULT_LIMIT)
    assert words <= limit, f"{stem}: {words:,} words of prose, over its limit of {limit:,}: cut or split it"


def test_every_anchored_link_to_a_lesson_finds_its_heading():
    read = {stem: lesson(stem) for stem in NOTEBOOKS}
    known = {stem: anchors(nb) for stem, nb in read.items()}
    broken = []
    for stem, nb in read.items():
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target, mark in LINK.findall(cell.source):
                if target not in known:
                    broken.append(f"{stem}: links to {target}, which is not a lesson")
                elif mark and mark not in known[target]:
                    broken.append(f"{stem}: {target}#{mark} names no heading of {target}")
    assert not broken, "\n".join(broken)


def test_a_lesson_named_for_a_topic_holds_it():
    texts = {stem[:2]: "\n".join(c.source for c in lesson(stem).cells).lower() for stem in NOTEBOOKS}
    missing = []
    for stem in NOTEBOOKS:
        for cell in lesson(stem).cells:
            if cell.cell_type != "markdown":
                continue
            for number, topic in NAMED.findall(cell.source):
                if number not in texts or topic.strip("`").lower() not in texts[number]:
                    missing.append(f"{stem}: lesson {number}'s {topic}, which lesson {number} never mentions")
    assert not missing, "\n".join(missing)
