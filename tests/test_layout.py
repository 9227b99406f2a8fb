"""helpers/ stays a house a newcomer can read: small modules, dependencies one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
# Each group may import only the groups before it.
ORDER = ["settings", "limits", "tools", "calling", "views", "recording", "providers", "lessons"]
ALLOWED = {
    "settings": set(),
    # Bounds on an HTTP exchange: beside settings, for every group that sends requests.
    "limits": set(),
    "tools": {"settings", "limits"},
    "calling": {"settings", "limits", "tools"},
    # Pictures and widgets of a conversation: they read what calling produces.
    "views": {"settings", "tools", "calling"},
    # Authored usage is counted with lesson 02's tokenizer (views/tokenize.py).
    "recording": {"settings", "limits", "tools", "calling", "views"},
    # Provider emulations and the capability probe: served from recording's loopback.
    "providers": {"settings", "limits", "tools", "calling", "recording"},
    "lessons": {"settings", "tools", "calling", "views"},
}
MODULES = sorted(p for p in HELPERS.rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def group(path: Path) -> str:
    parts = path.relative_to(HELPERS).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_groups(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            package = path.relative_to(HELPERS).parts[:-1]
            base = list(package[: len(package) - (node.level - 1)])
            target = [*base, *(node.module or "").split(".")] if node.module else base
            found.add(target[0] if target else node.names[0].name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
            found.add(node.module.split(".")[1])
    return found - {""}


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(HELPERS)) for p in MODULES])
def test_dependencies_point_one_way(path):
    own = group(path)
    others = imported_groups(path) - {own}
    assert others <= ALLOWED[own], f"{own} may import {sorted(ALLOWED[own])}, not {sorted(others)}"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(HELPERS)) for p in MODULES])
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 320, "split it by role"


def test_every_group_is_known():
    assert {group(p) for p in MODULES} <= set(ORDER), "add the new group to ORDER and ALLOWED"
