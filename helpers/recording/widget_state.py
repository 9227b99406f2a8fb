"""Keep a run's widgets in the stored notebook, under ids that do not change from run to run.

nbclient saves the state of every widget the kernel made in the notebook's
metadata (``metadata.widgets["application/vnd.jupyter.widget-state+json"]``),
and JupyterLab and nbviewer draw a stored ``application/vnd.jupyter.widget-view+json``
output from it without running anything. Without that state JupyterLab shows
"Error displaying widget: model not found".

Each model's id is a random uuid, so a second run of an unchanged lesson would
rewrite every id. ``stable_widget_state`` renumbers them in the order the outputs
show them (each shown widget, then the models it refers to, depth first), in the
metadata and in the outputs alike, and drops models no output reaches: they
cannot be seen, and their order would be random.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import nbformat

__all__ = ["STATE_MIME", "VIEW_MIME", "stable_widget_state"]

STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
_REF = "IPY_MODEL_"  # how one widget's state names another (children, layout, style)


def _shown(nb: nbformat.NotebookNode) -> Iterator[dict[str, Any]]:
    """Each widget-view bundle of the outputs, in the order of the notebook."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(VIEW_MIME)
            if isinstance(view, dict) and "model_id" in view:
                yield view


def _references(value: Any) -> Iterator[str]:
    """The model ids a piece of widget state refers to, in order."""
    if isinstance(value, str) and value.startswith(_REF):
        yield value[len(_REF) :]
    elif isinstance(value, dict):
        if isinstance(value.get(VIEW_MIME), dict):  # an Output widget's stored outputs
            yield from _references(_REF + str(value[VIEW_MIME].get("model_id")))
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _order(roots: list[str], state: dict[str, Any]) -> list[str]:
    """The ids reachable from the shown widgets, depth first, each once."""
    seen: dict[str, None] = {}
    stack = list(reversed(roots))
    while stack:
        model_id = stack.pop()
        if model_id in seen or model_id not in state:
            continue
        seen[model_id] = None
        stack.extend(reversed(list(_references(state[model_id].get("state")))))
    return list(seen)


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """A copy of widget state with every reference to a model renamed."""
    if isinstance(value, str) and value.startswith(_REF):
        return _REF + names.get(value[len(_REF) :], value[len(_REF) :])
    if isinstance(value, dict):
        copy = {k: _renamed(v, names) for k, v in value.items()}
        if isinstance(copy.get("model_id"), str):  # a widget-view bundle inside an Output widget
            copy["model_id"] = names.get(copy["model_id"], copy["model_id"])
        return copy
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value


def stable_widget_state(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Renumber a run's widget models so that the same run stores the same notebook.

    The ids become ``00000000000000000000000000000001`` and on, in the order
    the outputs reach them; the metadata keeps only those models (none: no
    ``widgets`` key). Outputs naming a model the state lacks are left as they are.

    Args:
        nb: A notebook as nbclient leaves it; changed in place.

    Returns:
        The same notebook.
    """
    widgets = nb.metadata.pop("widgets", None) or {}
    saved = widgets.get(STATE_MIME) or {}
    state = saved.get("state") or {}
    order = _order([view["model_id"] for view in _shown(nb)], state)
    names = {old: f"{n:032x}" for n, old in enumerate(order, start=1)}
    for view in _shown(nb):
        view["model_id"] = names.get(view["model_id"], view["model_id"])
    if names:
        kept = {names[old]: _renamed(state[old], names) for old in order}
        version = {k: v for k, v in saved.items() if k != "state"}
        nb.metadata["widgets"] = nbformat.from_dict({STATE_MIME: {**version, "state": kept}})
    return nb
