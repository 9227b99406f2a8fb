"""Run a notebook top to bottom in a fresh kernel, as the record and refresh commands do.

nbclient runs it; two things differ from nbclient's defaults. Ctrl-C cancels
the run cleanly: nbclient's own SIGINT handler shuts the kernel down under the
running cell, which then fails with ZMQ errors and an AssertionError, where
here the kernel is shut down and ``execute`` raises KeyboardInterrupt. And the
kernel's own stderr (its warnings) is dropped: a cell's errors come back as
messages, and are reported from those.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient


def _set_environ(values: Mapping[str, str | None]) -> None:
    """Set each variable, or remove it where the value is None."""
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextlib.contextmanager
def _environ(changes: Mapping[str, str | None]) -> Iterator[None]:
    # The kernel inherits this process's environment, so set it around a run.
    saved = {k: os.environ.get(k) for k in changes}
    try:
        _set_environ(changes)
        yield
    finally:
        _set_environ(saved)


class _Client(NotebookClient):
    """nbclient's client, except that Ctrl-C cancels the run and shuts the kernel down."""

    interrupted = False

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        """Start the kernel, with Ctrl-C handled here (nbclient has just set its own handler)."""
        task = asyncio.current_task()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; not the main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self._interrupt, task)
        await super().async_start_new_kernel(**kwargs)

    def _interrupt(self, task: asyncio.Task[Any] | None) -> None:
        if self.interrupted or task is None:
            return  # a second Ctrl-C must not cut the kernel's shutdown short
        self.interrupted = True
        self.shutdown_kernel = "immediate"
        task.cancel()


def execute(path: Path, env: Mapping[str, str | None], timeout: int = 300) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel.

    Raises:
        CellExecutionError: A cell failed.
        KeyboardInterrupt: Ctrl-C was pressed; the kernel has been shut down.
    """
    nb = nbformat.read(path, as_version=4)
    client = _Client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        # A busy machine flushes a cell's output in several pieces: store it as one.
        coalesce_streams=True,
        # The widgets' state goes into the metadata, so a stored widget can be drawn (nbclient's default).
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    with _environ(env):
        try:
            client.execute(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            if not client.interrupted:
                raise
            if client.km is not None:  # stopped while starting, or in nbclient's own cleanup
                with contextlib.suppress(Exception):
                    client._cleanup_kernel()
            raise KeyboardInterrupt from None
        finally:
            atexit.unregister(client._cleanup_kernel)  # nbclient's exit hook: the kernel is dealt with
    return nb
