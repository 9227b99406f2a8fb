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
