"""One ruff configuration for code and notebooks (pyproject.toml), over the project's own files."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT, tracked_files

OWN_FILES = tracked_files("*.py", "*.ipynb")


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *OWN_FILES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_project_files_are_found():
    assert "helpers/__init__.py" in OWN_FILES and "notebooks/00_overview.ipynb" in OWN_FILES


def test_ruff_check_passes_on_code_and_notebooks():
    result = ruff("check", "--force-exclude")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = ruff("format", "--check", "--force-exclude")
    assert result.returncode == 0, result.stdout + result.stderr
