"""Every command-line error: one line on stderr, exit 2 for usage, 1 for a failure, 130 for Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import ROOT

from helpers.__main__ import main
from helpers.settings import port_number

POSIX = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def run(argv: list[str]) -> int:
    """``main(argv)``'s exit code, also when argparse exits."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["check", "--bogus"], "python -m helpers check: error: unrecognized arguments: --bogus"),
        (["record"], "python -m helpers record: error: the following arguments are required: NOTEBOOK"),
        (["nosuch"], "python -m helpers: error: argument command: invalid choice: 'nosuch'"),
        (["lab", "--port", "-1"], "python -m helpers lab: error: argument --port: '-1' is not a port"),
        (["lab", "--port", "99999"], "python -m helpers lab: error: argument --port: '99999' is not a port"),
        (["lab", "--port=eighty"], "python -m helpers lab: error: argument --port: 'eighty' is not a port"),
        (["refresh", "README.md"], "python -m helpers refresh: error: README.md: not a notebook"),
        (["refresh", "missing.ipynb"], "python -m helpers refresh: error: missing.ipynb: no such file"),
        (["refresh", "notebooks"], "python -m helpers refresh: error: notebooks: not a file"),
        (
            ["record", "corrupt.ipynb"],
            "python -m helpers record: error: corrupt.ipynb: not a readable notebook",
        ),
        (
            ["eval", "--model", "x"],
            "python -m helpers eval: error: --provider, --base-url and --model need --live",
        ),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(argv, said, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    if "corrupt.ipynb" in argv:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "corrupt.ipynb").write_text('{"cells": [', encoding="utf-8")
    assert run(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith(said), err


# One bad option per subcommand (lab passes options it does not know on to JupyterLab).
BAD_OPTIONS = {
    "record": ["--bogus", "x.ipynb"],
    "refresh": ["--bogus", "x.ipynb"],
    "check": ["--bogus"],
    "contents": ["--bogus"],
    "lab": ["--port", "x"],
    "eval": ["--bogus"],
    "probe": ["--bogus"],
    "serve": ["--bogus", "06_the_loop"],
}


@pytest.mark.parametrize("command", sorted(BAD_OPTIONS))
def test_every_subcommand_says_a_bad_option_in_one_line_of_one_format(command, capsys):
    assert run([command, *BAD_OPTIONS[command]]) == 2
    out, err = capsys.readouterr()
    prog = f"python -m helpers {command}"
    assert out == "" and err.count("\n") == 1, err
    assert err.startswith(f"{prog}: error: ") and err.endswith(f" (see {prog} --help)\n"), err


def test_lesson_workdir_at_the_root_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("LESSONS_WORKDIR", "/")
    assert run(["eval"]) == 2
    out, err = capsys.readouterr()
    assert (
        out == ""
        and err.startswith("eval: LESSONS_WORKDIR='/' is the root of a file system")
        and err.count("\n") == 1
    )


def test_serve_on_a_port_out_of_range_is_one_line(capsys):
    assert run(["serve", "--port", "99999", str(ROOT / "cassettes" / "06_the_loop.yaml")]) in (1, 2)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and len(err.splitlines()) == 1, err


@given(port=st.integers())
def test_a_port_is_1_to_65535_or_0(port):
    if 0 <= port <= 65535:
        assert port_number(str(port)) == port
    else:
        with pytest.raises(
            argparse.ArgumentTypeError, match="is not a port: give 1-65535, or 0 for any free one"
        ):
            port_number(str(port))


@given(text=st.text(max_size=8).filter(lambda t: not t.strip().lstrip("+-").isdigit()))
def test_a_port_that_is_no_number_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        port_number(text)


@POSIX
@pytest.mark.parametrize("command", [["check"], ["eval"]])
def test_ctrl_c_at_any_moment_of_startup_is_one_line_and_130(command, tmp_path):
    """SIGINT after 0 to 1.2 s: while Python starts, while the command imports, while it works."""
    env = {**os.environ, "LESSONS_WORKDIR": str(tmp_path)}
    codes = []
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2):
        process = subprocess.Popen(
            [sys.executable, "-m", "helpers", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
        _, err = process.communicate(timeout=60)
        text = err.decode()
        if "Fatal Python error: init_import_site" in text:
            continue  # the signal came while Python itself started, before any code of ours ran
        assert "Traceback" not in text and len(text.splitlines()) <= 1, (delay, text)
        # Before Python has set its own handler, the signal ends it as it would any program.
        assert process.returncode in (0, 1, 130, -signal.SIGINT), (delay, process.returncode, text)
        if process.returncode == 130:
            assert text == "interrupted\n"
        codes.append(process.returncode)
    assert 130 in codes
