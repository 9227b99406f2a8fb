"""Tests for helpers.settings: what each environment gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.settings import PROVIDERS, ROOT, SettingsError, api_key_for, load_settings

KEY = "sk-test-0123456789abcdef"


def test_defaults_without_a_key_replay_openai() -> None:
    s = load_settings({})
    assert s.mode == "replay"
    assert s.provider is PROVIDERS["openai"]
    assert s.model == "gpt-5-mini"
    assert s.base_url == "https://api.openai.com/v1"
    assert s.api_key == ""
    assert s.cassette_dir == ROOT / "cassettes"
    assert s.workdir == ROOT / "notebooks" / "workspace"
    assert s.record_plan is None
    assert s.timeout == 30.0


def test_root_is_the_repository() -> None:
    assert (ROOT / "helpers" / "settings.py").is_file()


def test_a_key_alone_still_replays() -> None:
    # No surprise bills, and the outputs match the prose: live is asked for.
    s = load_settings({"OPENAI_API_KEY": f"  {KEY}\n"})
    assert (s.mode, s.api_key) == ("replay", KEY)


def test_live_is_asked_for() -> None:
    s = load_settings({"OPENAI_API_KEY": KEY, "LESSONS_MODE": "live"})
    assert (s.mode, s.api_key) == ("live", KEY)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"LESSONS_MODE": "live"}, "OPENAI_API_KEY"),
        (
            {"LESSONS_MODE": "record", "LESSONS_PROVIDER": "dashscope", "OPENAI_API_KEY": KEY},
            "DASHSCOPE_API_KEY",
        ),
    ],
)
def test_live_or_record_without_the_providers_key_says_which_to_set(env: dict, variable: str) -> None:
    with pytest.raises(SettingsError, match=f"needs a key: set {variable}"):
        load_settings(env)


def test_a_blank_key_is_no_key() -> None:
    assert load_settings({"OPENAI_API_KEY": "   "}).mode == "replay"


def test_a_providers_own_key_and_its_defaults() -> None:
    env = {"LESSONS_PROVIDER": "dashscope", "DASHSCOPE_API_KEY": "ds-key", "LESSONS_MODE": "live"}
    s = load_settings(env)
    assert s.mode == "live"
    assert s.provider.name == "dashscope"
    assert s.model == "qwen-plus"
    assert s.base_url == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert s.api_key == "ds-key"


def test_a_providers_own_key_wins_over_the_openai_key() -> None:
    env = {"LESSONS_PROVIDER": "deepseek", "DEEPSEEK_API_KEY": "ds", "OPENAI_API_KEY": KEY}
    s = load_settings(env)
    assert (s.api_key, s.model, s.base_url) == ("ds", "deepseek-v4-flash", "https://api.deepseek.com/v1")


def test_an_openai_key_is_never_sent_to_another_provider() -> None:
    assert api_key_for(PROVIDERS["dashscope"], {"OPENAI_API_KEY": KEY}) == ""
    assert api_key_for(PROVIDERS["ollama"], {"OPENAI_API_KEY": KEY}) == ""
    settings = load_settings({"LESSONS_PROVIDER": "deepseek", "OPENAI_API_KEY": KEY})
    assert (settings.api_key, settings.mode) == ("", "replay")


def test_another_providers_key_does_not_count() -> None:
    s = load_settings({"DASHSCOPE_API_KEY": "ds-key"})
    assert (s.provider.name, s.mode, s.api_key) == ("openai", "replay", "")


@pytest.mark.parametrize(
    ("name", "model", "url"),
    [
        ("ollama", "qwen3", "http://localhost:11434/v1"),
        ("vllm", "Qwen/Qwen3-8B", "http://localhost:8000/v1"),
    ],
)
def test_local_providers_need_no_key(name: str, model: str, url: str) -> None:
    assert load_settings({"LESSONS_PROVIDER": name}).mode == "replay"
    s = load_settings({"LESSONS_PROVIDER": name, "LESSONS_MODE": "live"})
    assert (s.mode, s.model, s.base_url, s.api_key) == ("live", model, url, "")
    assert s.provider.local is True


def test_provider_and_mode_are_read_case_insensitively() -> None:
    s = load_settings({"LESSONS_PROVIDER": " DashScope ", "LESSONS_MODE": "REPLAY"})
    assert (s.provider.name, s.mode) == ("dashscope", "replay")


def test_base_url_and_model_overrides() -> None:
    env = {
        "OPENAI_BASE_URL": " http://localhost:9000/v1/ ",
        "LESSONS_MODEL": " my-model ",
        "OPENAI_API_KEY": KEY,
    }
    s = load_settings(env)
    assert s.base_url == "http://localhost:9000/v1"
    assert s.model == "my-model"
    assert s.provider.name == "openai"


def test_the_providers_own_url_loses_its_trailing_slash_too() -> None:
    assert load_settings({"OPENAI_BASE_URL": "https://x.example/v1//"}).base_url == ("https://x.example/v1")


def test_record_mode_with_a_plan_needs_no_key() -> None:
    # The record command's plan points every session at a loopback endpoint.
    s = load_settings({"LESSONS_MODE": "record", "LESSONS_RECORD_PLAN": " plan.json "})
    assert (s.mode, s.record_plan, s.api_key) == ("record", Path("plan.json"), "")


def test_the_mode_can_be_forced_to_replay_with_a_key() -> None:
    assert load_settings({"OPENAI_API_KEY": KEY, "LESSONS_MODE": "replay"}).mode == "replay"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LESSONS_MODE", "Playback", "LESSONS_MODE='playback' is not one of: replay, live, record"),
        (
            "LESSONS_PROVIDER",
            "anthropic",
            "LESSONS_PROVIDER='anthropic' is not one of: openai, dashscope, deepseek, vllm, ollama",
        ),
    ],
)
def test_unknown_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({variable: value})
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_the_key_is_not_in_the_repr() -> None:
    s = load_settings({"OPENAI_API_KEY": KEY, "LESSONS_MODE": "live"})
    assert KEY not in repr(s)
    assert KEY not in str(s)
    assert "api_key" not in repr(s)
    assert "mode='live'" in repr(s)


def test_paths_come_from_the_environment(tmp_path: Path) -> None:
    env = {"LESSONS_CASSETTE_DIR": str(tmp_path / "c"), "LESSONS_WORKDIR": str(tmp_path / "w")}
    s = load_settings(env)
    assert s.cassette_dir == tmp_path / "c"
    assert s.workdir == tmp_path / "w"
    assert s.cassette_path("01_first_call") == tmp_path / "c" / "01_first_call.yaml"
    assert s.recording_path("01_first_call") == (
        tmp_path / "c" / ".recording-01_first_call" / "01_first_call.yaml"
    )


def test_os_environ_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "LESSONS_MODE", "LESSONS_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LESSONS_MODEL", "from-environ")
    assert load_settings().model == "from-environ"


def test_settings_are_frozen() -> None:
    s = load_settings({})
    with pytest.raises(AttributeError):
        s.mode = "live"  # type: ignore[misc]


def test_the_timeout_is_read_in_seconds() -> None:
    assert load_settings({"LESSONS_TIMEOUT": " 12.5 "}).timeout == 12.5
    assert load_settings({"LESSONS_TIMEOUT": "   "}).timeout == 30.0


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"LESSONS_TIMEOUT": value})
    assert str(info.value) == f"LESSONS_TIMEOUT={value!r} is not a number of seconds above 0"
