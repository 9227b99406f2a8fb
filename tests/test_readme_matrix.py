"""The README's provider matrix is what `python -m helpers probe --emulate all` prints today."""

from __future__ import annotations

from pathlib import Path

from helpers.providers.report import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_matrix_is_the_probe_of_the_emulations(capsys):
    assert main(["--emulate", "all"]) == 0
    printed = capsys.readouterr().out.strip()
    shown = (
        README.read_text(encoding="utf-8").split("<!-- probe:start -->\n")[1].split("<!-- probe:end -->")[0]
    )
    assert shown.strip() == printed, (
        "regenerate the README's matrix with: python -m helpers probe --emulate all"
    )
    assert printed.count("| emulated |") == 8
