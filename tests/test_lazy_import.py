"""``import helpers`` is quick: each public name's module is imported when the name is first used."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT

import helpers


def python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_importing_the_package_imports_no_helper_module_and_no_sdk():
    loaded = python(
        "import sys, helpers; print(sorted(m for m in sys.modules if m.startswith(('helpers.', 'openai'))))"
    )
    assert loaded == "[]"


def test_a_name_imports_only_its_own_modules():
    code = (
        "import sys; from helpers import get_memory_info; "
        "print('ipywidgets' in sys.modules, 'vcr' in sys.modules)"
    )
    assert python(code) == "False False"


def test_every_public_name_is_there_and_listed():
    assert len(helpers.__all__) == len(set(helpers.__all__))
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None, name
    assert set(helpers.__all__) <= set(dir(helpers))
    assert "setup" in python("from helpers import *; print(setup.__name__)")


def test_an_unknown_name_is_an_attribute_error():
    try:
        helpers.no_such_helper  # noqa: B018
    except AttributeError as error:
        assert str(error) == "module 'helpers' has no attribute 'no_such_helper'"
    else:
        raise AssertionError("helpers.no_such_helper did not raise")


def test_reading_a_notebook_builds_no_grammar():
    # jsonschema 4.25+ imports rfc3987-syntax, which builds 38 grammars (2-3 s) in every
    # process that imports nbformat: JupyterLab, nbval, `python -m helpers refresh`.
    # requirements.txt holds jsonschema below that; this fails if it moves.
    assert python("import sys, nbformat; print('rfc3987_syntax' in sys.modules)") == "False"
