"""The provider-facts ledger against every place that states a provider fact.

settings.PROVIDERS, the README's provider table, the lessons' marked remarks and
facts.py's behaviours must each agree with helpers/providers/ledger.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.providers.emulate import THINKING_CHOICE
from helpers.providers.facts import BEHAVIOURS
from helpers.providers.ledger import CLAIMS, Claim, LedgerError, claim, endpoint, markers
from helpers.recording.errors import QWEN_THINKING_TOOL_CHOICE, REASONING_TOOLS, THINKING_TOOL_CHOICE
from helpers.settings import PROVIDERS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Places checked by their own test rather than by markers.
TABLES = {"README table", "03 table", "settings"}
# Claims facts.py does not follow yet, and why; each must still disagree (else remove it here).
KNOWN_DISAGREEMENTS: dict[str, str] = {}


def lesson_path(place: str) -> Path:
    """The notebook of a lesson number such as "07"."""
    found = sorted((ROOT / "notebooks").glob(f"{place}_*.ipynb"))
    assert len(found) == 1, f"no single notebook for lesson {place}: {found}"
    return found[0]


def units(place: str) -> list[str]:
    """What a marker's claim must be found in: a lesson's markdown cells, or a README paragraph."""
    if place == "README":
        return README.read_text(encoding="utf-8").split("\n\n")
    nb = nbformat.read(lesson_path(place), as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def marked_places() -> list[str]:
    """Every place some claim says it is shown in, other than the table and settings."""
    return sorted({p for c in CLAIMS.values() for p in c.shown_in} - TABLES)


COLUMNS = {"base URL": "base_url", "key variable": "key_env", "default model": "default_model"}


def cell_value(cell: str) -> str:
    """A cell without backticks or a trailing remark: `VLLM_API_KEY`, optional -> VLLM_API_KEY."""
    value = re.sub(r"\s*(\(.*\)|, optional)$", "", cell.strip()).strip("`")
    return "" if value == "none" else value


def provider_table(text: str) -> dict[str, dict[str, str]]:
    """The `LESSONS_PROVIDER` table in a README or lesson: provider -> {field: value}."""
    lines = text[text.index("| `LESSONS_PROVIDER` |") :].splitlines()
    fields = [COLUMNS.get(c.strip(), "") for c in lines[0].strip("|").split("|")][1:]
    table = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        name, *cells = (cell_value(c) for c in line.strip("|").split("|"))
        table[name] = {field: value for field, value in zip(fields, cells, strict=True) if field}
    return table


def table_disagreements(text: str) -> list[str]:
    """One line per cell of a provider table that differs from the ledger, and per provider missing."""
    table = provider_table(text)
    problems = [f"{name}: not in the table" for name in PROVIDERS if name not in table]
    for name, row in table.items():
        want = vars(endpoint(name))
        problems += [
            f"{name} {field}: the table says {got!r}, the ledger {want[field]!r}"
            for field, got in row.items()
            if got != want[field]
        ]
    return problems


def lesson_03_markdown() -> str:
    """Lesson 03's markdown cells (it builds a client by hand), one after another."""
    return "\n\n".join(units("03"))


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_settings_defaults_equal_the_ledger(name: str) -> None:
    p = PROVIDERS[name]
    assert (p.base_url, p.key_env, p.default_model) == tuple(vars(endpoint(name)).values())[1:]


def test_the_ledger_reaches_exactly_the_providers_settings_knows() -> None:
    reachable = {c.provider for c in CLAIMS.values() if c.key.endswith(".base_url")}
    assert reachable == set(PROVIDERS)


def test_readme_provider_table_equals_the_ledger() -> None:
    assert table_disagreements(README.read_text(encoding="utf-8")) == []


def test_lesson_03_provider_table_equals_the_ledger() -> None:
    assert table_disagreements(lesson_03_markdown()) == []


def test_a_wrong_readme_table_fails(tmp_path: Path) -> None:
    # A copy with the stale DeepSeek default this test exists to catch.
    copy = tmp_path / "README.md"
    copy.write_text(README.read_text(encoding="utf-8").replace("`deepseek-v4-flash`", "`deepseek-chat`"))
    assert table_disagreements(copy.read_text(encoding="utf-8")) == [
        "deepseek default_model: the table says 'deepseek-chat', the ledger 'deepseek-v4-flash'"
    ]


@pytest.mark.parametrize("place", marked_places())
def test_every_marker_names_a_claim_shown_there_and_states_it(place: str) -> None:
    problems = []
    for text in units(place):
        for key in markers(text):
            if key not in CLAIMS:
                problems.append(f"{place}: marker names no claim: {key}")
                continue
            c = CLAIMS[key]
            if place not in c.shown_in:
                problems.append(f"{place}: {key} does not list {place} in shown_in")
            if c.says not in text:
                problems.append(f"{place}: the text marked {key} does not say {c.says!r}")
            if c.sure in ("disputed", "unconfirmed") and c.checked not in text:
                problems.append(f"{place}: {key} is {c.sure}, so the text must give its date {c.checked}")
    assert problems == []


@pytest.mark.parametrize("place", marked_places())
def test_every_claim_is_marked_where_it_says_it_is_shown(place: str) -> None:
    marked = {key for text in units(place) for key in markers(text)}
    expected = {c.key for c in CLAIMS.values() if place in c.shown_in}
    assert sorted(expected - marked) == []


@pytest.mark.parametrize("key", sorted(k for k, c in CLAIMS.items() if c.behaviour))
def test_facts_py_agrees_with_the_ledger(key: str) -> None:
    c = CLAIMS[key]
    served = getattr(BEHAVIOURS[c.provider], c.behaviour)
    if key in KNOWN_DISAGREEMENTS:
        assert served != c.value, f"facts.py now agrees on {key}: remove it from KNOWN_DISAGREEMENTS"
    else:
        assert served == c.value, f"facts.py {c.provider}.{c.behaviour} = {served!r}; the ledger: {c.value!r}"


def test_the_live_error_explanations_match_the_ledgers_wording() -> None:
    # errors.py sits above providers/ and cannot import the ledger: this test is the link.
    assert REASONING_TOOLS in str(claim("openai.chat_tools_with_reasoning").value)
    assert claim("deepseek.thinking_tool_choice").says == THINKING_TOOL_CHOICE
    assert QWEN_THINKING_TOOL_CHOICE in THINKING_CHOICE["dashscope"]


def test_a_claim_without_a_date_or_a_known_level_is_refused() -> None:
    fields = dict(provider="openai", api="sdk", scope="s", value=1, says="s", source="x/y#1")
    with pytest.raises(ValueError, match=r"^ledger claim 'openai.t': checked 'soon' is not an ISO date$"):
        Claim("openai.t", checked="soon", sure="documented", **fields)
    with pytest.raises(ValueError, match="a disputed claim needs disputed_by"):
        Claim("openai.t", checked="2026-12-04", sure="disputed", **fields)
    with pytest.raises(ValueError, match="sure 'maybe' is not one of"):
        Claim("openai.t", checked="2026-12-04", sure="maybe", **fields)  # type: ignore[arg-type]


def test_an_unknown_key_says_which_keys_its_provider_has() -> None:
    held = "mistral.call_type, mistral.ids_checked, mistral.tool_choice"
    with pytest.raises(LedgerError, match=rf"'mistral.nope'; mistral\.\* holds: {held}$"):
        claim("mistral.nope")


KEYS = st.from_regex(r"[a-z]{1,8}\.[a-z_]{1,12}", fullmatch=True)


@given(st.lists(KEYS, min_size=1, max_size=4), st.text(alphabet=" \n<>-!", max_size=5))
def test_markers_read_back_the_keys_written(keys: list[str], around: str) -> None:
    text = f"{around}prose <!-- ledger: {', '.join(keys)} --> more{around}"
    assert markers(text) == keys
