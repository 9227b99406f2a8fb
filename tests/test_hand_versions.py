"""Nothing only a helper knows: each helper a lesson calls was first written by hand.

The notebooks are read, not run: every name a code cell imports from ``helpers``
is found, and the first cell that uses it. ``HAND`` says where a lesson wrote
that helper's core by hand, small (a lesson, and a line of its code); that cell
must come before the first use. ``BEYOND`` names the few helpers that are not
the lessons' subject (drawing, replaying), with the words of the lesson that say
so plainly, before the first use. A helper in neither table fails, and so does a
row no lesson needs any more.

Lesson 00 is the one preview: it replays the finished run before any piece of it
is built, and says so (``PREVIEW``). Its uses are not first uses; each helper it
calls must still have its hand version in lessons 01-06, or be beyond them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from helpers.lessons.contents import LESSONS

ROOT = Path(__file__).resolve().parent.parent
STEMS = [lesson.stem for lesson in LESSONS]
PREVIEW = "built by hand in lessons 01"  # lesson 00's prose says so

# helper: (lesson number, a line of the hand-written version in that lesson's code)
HAND: dict[str, tuple[str, str]] = {
    # lessons 15-17
    "McpTools": ("16", "async def call_on_server(session, call):"),
    "async_twin": ("17", "class ThroughSyncClient(httpx2.AsyncBaseTransport):"),
}

# helper: (lesson number, words of that lesson's prose saying it is beyond the lessons)
BEYOND: dict[str, tuple[str, str]] = {
    # lessons 15-17
    "mcp_server": ("16", "Writing a server is beyond these lessons"),
    "taped": ("16", "Like the rest of replay, `taped` is beyond the lessons."),
}


def parsed(source: str) -> ast.Module:
    """A code cell as Python: IPython's magics and shell lines left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def imported(tree: ast.Module) -> dict[str, str]:
    """Local name -> helper name, for what a cell imports from helpers."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
            names |= {alias.asname or alias.name: alias.name for alias in node.names}
    return names


def used(tree: ast.Module, aliases: dict[str, str]) -> set[str]:
    """Helper names a cell uses, by local name or as ``helpers.name``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in aliases:
            found.add(aliases[node.id])
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "helpers"
        ):
            found.add(node.attr)
    return found


def first_uses(stems: list[str]) -> dict[str, tuple[int, int]]:
    """Each helper these lessons use -> (lesson index, cell index) of its first use."""
    first: dict[str, tuple[int, int]] = {}
    for stem in stems:
        n = STEMS.index(stem)
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        aliases: dict[str, str] = {}
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            tree = parsed(cell.source)
            aliases |= imported(tree)
            for name in used(tree, aliases):
                first.setdefault(name, (n, i))
    return first


def where(number: str, text: str, kind: str) -> tuple[int, int] | None:
    """(lesson index, cell index) of the first ``kind`` cell of lesson ``number`` holding ``text``."""
    n = next(i for i, stem in enumerate(STEMS) if stem.startswith(number))
    nb = nbformat.read(ROOT / "notebooks" / f"{STEMS[n]}.ipynb", as_version=4)
    return next(((n, i) for i, c in enumerate(nb.cells) if c.cell_type == kind and text in c.source), None)


FIRST = first_uses(STEMS[1:])
IN_PREVIEW = first_uses(STEMS[:1])


def test_the_reader_finds_imports_and_uses():
    tree = parsed("%time x = 1\nfrom helpers.calling import run as go\nimport helpers\ngo()\nhelpers.setup()")
    aliases = imported(tree)
    assert aliases == {"go": "run"}
    assert used(tree, aliases) == {"run", "setup"}


def test_every_helper_has_a_row_and_every_row_a_helper():
    missing = sorted((set(FIRST) | set(IN_PREVIEW)) - set(HAND) - set(BEYOND))
    stale = sorted((set(HAND) | set(BEYOND)) - set(FIRST) - set(IN_PREVIEW))
    both = sorted(set(HAND) & set(BEYOND))
    assert not missing, f"helpers the lessons call with no hand version named: {missing}"
    assert not stale, f"rows for helpers no lesson calls: {stale}"
    assert not both, f"in both tables: {both}"


@pytest.mark.parametrize("name", sorted(HAND))
def test_the_hand_version_comes_first(name):
    number, line = HAND[name]
    found = where(number, line, "code")
    assert found, f"{name}: lesson {number} has no code cell with {line!r}"
    if name in IN_PREVIEW:
        assert "01" <= number <= "06", f"{name}: lesson 00 previews it, so lessons 01-06 write it by hand"
    if name in FIRST:
        assert found < FIRST[name], (
            f"{name}: its hand version {found} comes after its first use {FIRST[name]}"
        )


@pytest.mark.parametrize("name", sorted(BEYOND))
def test_a_helper_beyond_the_lessons_is_said_to_be(name):
    number, words = BEYOND[name]
    found = where(number, words, "markdown")
    assert found, f"{name}: lesson {number}'s prose never says {words!r}"
    first = min(use for use in (IN_PREVIEW.get(name), FIRST.get(name)) if use)
    assert found < first, f"{name}: the lesson says so at {found}, after its first use {first}"


def test_lesson_00_says_it_is_a_preview():
    if IN_PREVIEW:
        assert where("00", PREVIEW, "markdown"), f"lesson 00 uses helpers, and never says {PREVIEW!r}"
