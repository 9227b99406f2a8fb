"""python -m helpers lab: JupyterLab from the project's root, lessons left as committed."""

from __future__ import annotations

import sys

from helpers.lessons.lab import command, pre_save
from helpers.settings import ROOT


def test_jupyterlab_serves_the_project_root_and_opens_the_first_lesson():
    cmd = command(["--allow-root"])
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ROOT}" in cmd
    assert "--FileContentsManager.pre_save_hook=helpers.lessons.lab.pre_save" in cmd
    assert cmd[-2:] == ["--allow-root", str(ROOT / "notebooks" / "00_overview.ipynb")]


def test_a_saved_notebook_loses_the_learners_python_version_only():
    language = {"name": "python", "version": "3.13.1", "pygments_lexer": "ipython3"}
    model = {"type": "notebook", "content": {"metadata": {"language_info": language, "kernelspec": {}}}}
    pre_save(model=model, path="notebooks/00_overview.ipynb", contents_manager=None)
    assert model["content"]["metadata"] == {
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        "kernelspec": {},
    }


def test_other_files_are_saved_as_they_are():
    model = {"type": "file", "content": "version: 1"}
    pre_save(model=model, path="notes.txt", contents_manager=None)
    assert model == {"type": "file", "content": "version: 1"}
