"""Make every test run offline, in replay, whatever the environment holds.

Notebook kernels started by nbval inherit this environment, so setting it here,
before any test runs, covers them too.
"""

from __future__ import annotations

import os
import tempfile

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
    """Collect only the project's lessons: a learner's Untitled.ipynb is not a test."""
    if collection_path.suffix == ".ipynb" and collection_path.parent.name == "notebooks":
        from helpers.lessons.contents import LESSONS

        return collection_path.stem not in {lesson.stem for lesson in LESSONS}
    return None


def pytest_sessionstart(session):
    """Finish a recording that a kill interrupted mid-commit, before a cassette or notebook is read."""
    from helpers.recording.journal import recover
    from helpers.settings import ROOT

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in recover(ROOT / "cassettes"):
        if reporter is not None:
            reporter.write_line(line)
