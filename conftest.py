"""Make every test run offline, in replay, whatever the environment holds.

Notebook kernels started by nbval inherit this environment, so setting it here,
before any test runs, covers them too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

for _name in (
    "OPENAI_API_KEY",
    "DASHSCOPE_API_KEY",
    "DEEPSEEK_API_KEY",
    "VLLM_API_KEY",
    "OPENAI_BASE_URL",
    "LESSONS_PROVIDER",
    "LESSONS_MODEL",
    "LESSONS_RECORD_PLAN",
    "LESSONS_CASSETTE_DIR",
):
    os.environ.pop(_name, None)
os.environ["LESSONS_MODE"] = "replay"
# What the lessons write goes to a scratch folder, not the learner's workspace.
os.environ["LESSONS_WORKDIR"] = tempfile.mkdtemp(prefix="lessons-workspace-")


def pytest_ignore_collect(collection_path, config):
    """Under notebooks/, collect only the lessons: a learner's Untitled.ipynb, or the tests
    lesson 12 writes into the workspace, are not the project's tests."""
    notebooks = Path(__file__).resolve().parent / "notebooks"
    if notebooks not in collection_path.resolve().parents:
        return None
    from helpers.lessons.contents import LESSONS

    lessons = {notebooks / f"{lesson.stem}.ipynb" for lesson in LESSONS}
    return collection_path.resolve() not in lessons


# The files that take longest start first (under pytest-xdist, each file runs
# whole on one worker, in this order), so that no worker is left with a long file
# while the other has finished: the browser test beside everything else, then the
# files that take 4 s or more, then the lessons, longest first (the tests not
# named here come last). Seconds measured one file at a time, with
# `python -m pytest -n0 --durations=0 --ignore=tests/test_browser.py` (tests) and
# `python -m pytest -q notebooks --durations=0` (lessons, cell times added up).
FIRST = (
    "tests/test_browser.py",  # 150-170 s
    "tests/test_record.py",  # 17 s
    "tests/test_record_kill.py",  # 10 s
    "tests/test_errors.py",  # 7 s
    "notebooks/16_",  # 4.7 s
    "tests/test_published.py",  # 4.5 s
    "notebooks/12_",  # 4.1 s
    "notebooks/17_",  # 3.2 s
    "notebooks/07_",  # 3.2 s
    "notebooks/15_",  # 2.4 s
    "notebooks/10_",  # 2.2 s
    "notebooks/13_",  # 2.2 s
    "notebooks/02_",  # 2.2 s
    "notebooks/11_",  # 2.1 s
    "notebooks/09_",  # 2.0 s
    "notebooks/08_",  # 1.9 s
    "notebooks/06_",  # 1.9 s
    "notebooks/",  # 1.7-1.8 s each
)


def pytest_collection_modifyitems(config, items):
    """Order files slowest first, keeping each file's own order (a notebook's cells run in turn)."""

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, start in enumerate(FIRST) if path.startswith(start)), len(FIRST))

    items[:] = sorted(items, key=rank)  # stable: the order within a rank is kept


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
def pytest_sessionstart(session):
    """Say which recording a kill interrupted mid-commit, and the command that finishes it.

    Tests only read: finishing it is the record and refresh commands' job. Once
    per run: in the main process, not again in each pytest-xdist worker.
    """
    if hasattr(session.config, "workerinput"):
        return
    from helpers.recording.journal import interrupted
    from helpers.settings import ROOT

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in interrupted(ROOT / "cassettes"):
        if reporter is not None:
            reporter.write_line(line)
