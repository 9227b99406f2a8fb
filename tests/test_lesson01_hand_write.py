"""Lesson 01's hand-written ``write_file_in`` keeps every write inside its folder.

The function is read from the notebook itself, so the test follows the lesson.
Whatever name it is given, it either raises ``ValueError`` or writes one file
inside the folder; nothing ever appears outside, even through a planted link.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_define_a_function.ipynb"


def hand_write_file_in():
    """The lesson's ``write_file_in``, defined from its code cell alone."""
    nb = nbformat.read(LESSON, as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and "def write_file_in(" in c.source)
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "write_file_in")
    namespace = {"Path": Path}
    exec(compile(ast.Module([function], type_ignores=[]), str(LESSON), "exec"), namespace)
    return namespace["write_file_in"]


write_file_in = hand_write_file_in()
PARTS = st.sampled_from(["..", ".", "out", "logs", "mem.txt", "a", "C:", "\\", "", "/"])
NAMES = st.lists(PARTS, min_size=1, max_size=5).map("/".join) | st.text(max_size=12)


def attempt(name: str) -> tuple[bool, list[str], list[str]]:
    """Write ``name`` into a fresh folder with a link inside pointing out: (written, outside, inside)."""
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp, "reports")
        reports.mkdir()
        (reports / "out").symlink_to(tmp, target_is_directory=True)
        try:
            write_file_in(reports, name, "memory report")
            written = True
        except ValueError:
            written = False
        except OSError:  # a name the file system itself refuses (too long, a folder): nothing written
            written = False
        outside = sorted(p.name for p in Path(tmp).iterdir() if p.name != "reports")
        inside = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*") if p.is_file())
    return written, outside, inside


@pytest.mark.parametrize(
    "name, written",
    [
        ("mem_ok.txt", True),
        ("logs/mem.txt", True),
        ("../escaped.txt", False),
        ("/etc/passwd", False),
        ("C:\\Windows\\win.ini", False),
        ("out/x.txt", False),
        ("logs/../mem.txt", False),
    ],
)
def test_the_lessons_attacks(name, written):
    assert attempt(name) == (written, [], [name] if written else [])


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_nothing_lands_outside_whatever_the_name(name):
    written, outside, inside = attempt(name)
    assert outside == []
    assert len(inside) == (1 if written else 0)
