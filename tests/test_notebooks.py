"""Notebook structure: what nbval does not check, and what makes it silently skip.

Running the notebooks is the other half of the test: pytest collects every
notebook under strict nbval (see pyproject.toml) and compares each output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from helpers.lessons.contents import LESSONS
from helpers.providers.ledger import models_named
from helpers.recording.check import SECRET
from helpers.recording.record import KERNELSPEC, LANGUAGE_INFO
from helpers.settings import PROVIDERS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = [ROOT / "notebooks" / f"{lesson.stem}.ipynb" for lesson in LESSONS]
IDS = [p.stem for p in NOTEBOOKS]
KEPT_CELL_METADATA = {"tags"}
# Model names a notebook may mention: the providers' defaults, what the article's run reported
# back, and the models a claim of the provider-facts ledger is scoped to (DeepSeek's retired names
# among them), so a lesson names a model only where a sourced claim does.
KNOWN_MODELS = {p.default_model.lower() for p in PROVIDERS.values()} | {"gpt-5-mini-2025-08-07"}
KNOWN_MODELS |= models_named()
# What JupyterLab writes when it saves a lesson, less the learner's Python
# version: stored this way, opening a lesson leaves it unchanged.
JUPYTERLAB_METADATA = {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}
MODEL_NAME = re.compile(r"\b(?:gpt-[\w.-]*\w|qwen[\w.:/-]*\w|deepseek-[\w-]*\w|o\d-[\w-]*\w)", re.I)
MAX_UNCOMPARED_CELLS = 3  # in lessons 00-06, each showing the learner's own machine
NBVAL_TROUBLE = ("clear_output(", ".update(")


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_lessons():
    assert IDS[:1] == ["00_overview"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_valid_nbformat_and_heading_first(path):
    nb = load(path)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_as_jupyter_saves_it(path):
    # Jupyter saves through nbformat: a file in any other layout changes when opened and saved.
    text = path.read_text(encoding="utf-8")
    assert text == nbformat.writes(load(path)) + "\n", "write notebooks with nbformat.writes(nb) + '\\n'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_cells_printed_text_is_stored_whole(path):
    # Split stream outputs depend on how busy the machine was when the lesson ran.
    for i, cell in enumerate(code_cells(load(path))):
        names = [o.get("name") for o in cell.outputs if o.output_type == "stream"]
        assert len(names) == len(set(names)), f"code cell {i} stores its printed text in pieces"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_one_fresh_in_order_run(path):
    counts = [c.execution_count for c in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), "re-run the notebook top to bottom"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_no_empty_cells_no_trouble_for_nbval(path):
    for i, cell in enumerate(load(path).cells):
        assert cell.source.strip(), f"cell {i} is empty"
        if cell.cell_type != "code":
            continue
        assert not cell.source.rstrip().endswith(";"), f"cell {i} ends in ';'"
        assert not any(t in cell.source for t in NBVAL_TROUBLE), f"cell {i} uses what nbval mishandles"
        assert all(o.output_type != "error" for o in cell.outputs), f"cell {i} stores an error"
        assert cell.outputs, f"cell {i} shows nothing: every code cell should end in something to see"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_prose_before_every_code_cell(path):
    cells = load(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            assert i > 0 and cells[i - 1].cell_type == "markdown", f"cell {i} has no prose before it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_volatile_metadata_keys_or_addresses(path):
    nb = load(path)
    # The widgets' state lets JupyterLab and nbviewer draw a stored widget; the writer renumbers its ids.
    widgets = nb.metadata.get("widgets", {"application/vnd.jupyter.widget-state+json": {"state": {}}})
    assert list(widgets) == ["application/vnd.jupyter.widget-state+json"]
    ids = list(widgets["application/vnd.jupyter.widget-state+json"]["state"])
    assert ids == [f"{n:032x}" for n in range(1, len(ids) + 1)], "widget ids not renumbered: refresh it"
    metadata = {k: v for k, v in nb.metadata.items() if k != "widgets"}
    assert metadata == JUPYTERLAB_METADATA, "store the metadata as JupyterLab writes it"
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    for i, cell in enumerate(nb.cells):
        assert set(cell.metadata) <= KEPT_CELL_METADATA, f"cell {i}: {sorted(cell.metadata)}"
    text = path.read_text(encoding="utf-8")
    assert not SECRET.search(text), "something that looks like a key"
    assert not re.search(r"at 0x[0-9a-f]{6,}", text), "a memory address in an output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_only_known_model_names(path):
    text = json.dumps(
        [c.source for c in load(path).cells]
        + [o.get("text", "") for c in code_cells(load(path)) for o in c.outputs],
        ensure_ascii=False,
    )
    unknown = {m.lower() for m in MODEL_NAME.findall(text)} - KNOWN_MODELS
    assert not unknown, f"unknown model names: {sorted(unknown)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_names_its_own_cassette_and_replays(path):
    first_code = code_cells(load(path))[0]
    assert f'setup("{path.stem}")' in first_code.source
    banner = "".join(o.get("text", "") for o in first_code.outputs)
    assert banner.startswith("replay · "), "stored outputs must come from replay"
    assert banner.count("\n") == 1, "the setup cell prints one banner line and nothing else"


def test_few_cells_escape_comparison():
    tagged = [
        (path.stem, i)
        for path in NOTEBOOKS
        if path.stem[:2] <= "06"
        for i, cell in enumerate(load(path).cells)
        if "nbval-ignore-output" in cell.metadata.get("tags", [])
    ]
    assert len(tagged) <= MAX_UNCOMPARED_CELLS, tagged
    for path in NOTEBOOKS:
        for cell in code_cells(load(path)):
            assert "# NBVAL" not in cell.source.upper(), "tag cells; nbval comments are easy to miss"
