"""Tests of the stored widget state: renumbered the same way every run, outputs and metadata agreeing."""

from __future__ import annotations

import json

import nbformat

from helpers.recording.record import clean
from helpers.recording.widget_state import STATE_MIME, VIEW_MIME, stable_widget_state

ONE = f"{1:032x}"
TWO = f"{2:032x}"
THREE = f"{3:032x}"


def _model(name: str, **state: object) -> dict:
    return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}


def _notebook(box: str, html: str, layout: str, unseen: str) -> nbformat.NotebookNode:
    """A run as nbclient leaves it: a box shown, holding an HTML widget; one model never shown."""
    nb = nbformat.v4.new_notebook()
    view = {"model_id": box, "version_major": 2, "version_minor": 0}
    output = nbformat.v4.new_output("display_data", data={VIEW_MIME: view, "text/plain": "a box"})
    nb.cells = [nbformat.v4.new_code_cell("box", id="box", outputs=[output])]
    state = {
        unseen: _model("ButtonModel", description="never shown"),
        layout: _model("LayoutModel", width="100%"),
        html: _model("HTMLModel", value="<b>turn 1</b>", layout=f"IPY_MODEL_{layout}"),
        box: _model("VBoxModel", children=[f"IPY_MODEL_{html}"], layout=f"IPY_MODEL_{layout}"),
    }
    nb.metadata["widgets"] = {STATE_MIME: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_ids_follow_the_outputs_depth_first_and_unseen_models_are_dropped() -> None:
    nb = stable_widget_state(_notebook("b0x", "htm1", "lay0ut", "unseen"))
    saved = nb.metadata["widgets"][STATE_MIME]
    assert nb.cells[0].outputs[0].data[VIEW_MIME]["model_id"] == ONE
    assert list(saved["state"]) == [ONE, TWO, THREE]
    assert saved["state"][ONE]["state"]["children"] == [f"IPY_MODEL_{TWO}"]
    assert saved["state"][ONE]["state"]["layout"] == f"IPY_MODEL_{THREE}"
    assert saved["state"][TWO]["state"] == {"value": "<b>turn 1</b>", "layout": f"IPY_MODEL_{THREE}"}
    assert (saved["version_major"], saved["version_minor"]) == (2, 0)


def test_two_runs_with_different_random_ids_are_stored_byte_for_byte_alike() -> None:
    first = nbformat.writes(clean(_notebook("a1", "a2", "a3", "a4")))
    second = nbformat.writes(clean(_notebook("f9", "e8", "d7", "c6")))
    assert first == second
    assert json.loads(first)["metadata"]["widgets"][STATE_MIME]["state"][ONE]["model_name"] == "VBoxModel"


def test_every_shown_model_and_every_reference_is_in_the_stored_state() -> None:
    nb = clean(_notebook("b0x", "htm1", "lay0ut", "unseen"))
    state = nb.metadata["widgets"][STATE_MIME]["state"]
    text = json.dumps(state)
    refs = {part[:32] for part in text.split("IPY_MODEL_")[1:]}
    assert refs <= set(state)
    assert nb.cells[0].outputs[0].data[VIEW_MIME]["model_id"] in state


def test_a_run_without_widgets_stores_no_widget_metadata() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1\n")])]
    assert "widgets" not in clean(nb).metadata
    assert set(clean(nb).metadata) == {"kernelspec", "language_info"}
