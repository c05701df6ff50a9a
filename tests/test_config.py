"""Settings from the environment: defaults, accepted forms, and clear messages for bad values."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from llm import config
from llm.config import DotEnv, load_settings
from llm.errors import ConfigError
from llm.request import Limits


def test_defaults() -> None:
    settings = load_settings({})
    assert (settings.provider, settings.model, settings.ollama_base) == (
        "ollama",
        "",
        "http://localhost:11434",
    )
    assert settings.thinking == "medium" and settings.hide_thinking is False
    assert settings.limits.first_token >= 120  # room for a cold load of a 20B model


@pytest.mark.parametrize("model", ["ollama/gpt-oss:20b", "ollama_chat/gpt-oss:20b", "gpt-oss:20b"])
def test_both_ollama_model_forms_name_the_same_model(model: str) -> None:
    assert load_settings({"MODEL": model}).model == "gpt-oss:20b"


def test_values_are_read() -> None:
    settings = load_settings(
        {
            "MODEL_PROVIDER": "Anthropic",
            "MODEL": "claude-sonnet-4-5",
            "OLLAMA_THINKING": "HIGH",
            "OLLAMA_HIDE_THINKING": "true",
            "OLLAMA_API_BASE": "http://gpu-box:11434/",
            "LLM_STALL_TIMEOUT": "12",
            "LLM_RETRIES": "0",
        }
    )
    assert (settings.provider, settings.model, settings.thinking) == (
        "anthropic",
        "claude-sonnet-4-5",
        "high",
    )
    assert settings.hide_thinking and settings.ollama_base == "http://gpu-box:11434"
    assert settings.limits.stall == 12 and settings.limits.retries == 0


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LLM_FIRST_TOKEN_TIMEOUT": "soon"}, "LLM_FIRST_TOKEN_TIMEOUT='soon' is not a number"),
        ({"LLM_STALL_TIMEOUT": "-3"}, "LLM_STALL_TIMEOUT=-3 is out of range"),
        ({"LLM_RETRIES": "99"}, "LLM_RETRIES=99 is out of range"),
        ({"OLLAMA_THINKING": "max"}, "OLLAMA_THINKING='max' is not valid"),
        ({"OLLAMA_HIDE_THINKING": "maybe"}, "OLLAMA_HIDE_THINKING='maybe' is not valid"),
        ({"MODEL_PROVIDER": "skynet"}, "MODEL_PROVIDER='skynet' is not known"),
        ({"OLLAMA_API_BASE": "localhost:11434"}, "must start with http://"),
    ],
)
def test_bad_values_say_what_to_fix(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LLM_RETRIES": "2.7"}, "LLM_RETRIES='2.7' must be a whole number, e.g. LLM_RETRIES=3"),
        ({"MODEL": "ollama_chat/"}, "MODEL='ollama_chat/' names no model after the prefix"),
        ({"MODEL": "ollama/"}, "e.g. MODEL=ollama/"),
        ({"MODEL_PROVIDER": "openai", "MODEL": "openai/"}, "e.g. MODEL=openai/gpt-5"),
        (
            {"OLLAMA_API_BASE": "file:///etc/passwd#"},
            "cannot be used: it must start with http:// or https://",
        ),
        ({"OLLAMA_API_BASE": "http://"}, "OLLAMA_API_BASE='http://' cannot be used: it names no host"),
        ({"OPENAI_COMPATIBLE_API_BASE": "ftp://box/v1"}, "OPENAI_COMPATIBLE_API_BASE='ftp://box/v1' cannot"),
    ],
)
def test_more_bad_values_say_what_to_fix(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert says in str(caught.value)


def test_every_bad_value_is_reported_at_once() -> None:
    env = {
        "LLM_RETRIES": "2.7",
        "MODEL": "ollama_chat/",
        "LLM_STALL_TIMEOUT": "soon",
        "OLLAMA_THINKING": "max",
        "OLLAMA_API_BASE": "file:///etc/passwd#",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    problems = caught.value.problems
    assert len(problems) == 5
    for name in env:
        assert sum(problem.startswith(f"{name}=") for problem in problems) == 1, name
    message = str(caught.value)
    assert message.startswith("5 settings need fixing:") and all(f"- {p}" in message for p in problems)


def test_one_bad_value_is_said_plainly() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"LLM_RETRIES": "2.7"})
    assert str(caught.value).startswith("LLM_RETRIES='2.7'") and caught.value.problems == [str(caught.value)]


def test_a_fixed_env_file_takes_effect_on_the_next_load(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    environ = {"MODEL": "qwen3:8b"}  # the real environment
    dotenv = DotEnv(path, environ)
    path.write_text("MODEL=gpt-oss:20b\nLLM_RETRIES=2.7\nLLM_STALL_TIMEOUT=30\n")
    dotenv.load()
    assert environ == {"MODEL": "qwen3:8b", "LLM_RETRIES": "2.7", "LLM_STALL_TIMEOUT": "30"}
    with pytest.raises(ConfigError, match="LLM_RETRIES"):
        load_settings(environ)
    path.write_text("MODEL=llama3.2:3b\nLLM_RETRIES=2\n")  # fixed, and the stall line removed
    dotenv.load()
    assert environ == {"MODEL": "qwen3:8b", "LLM_RETRIES": "2"}  # the real MODEL still wins
    settings = load_settings(environ)
    assert (settings.model, settings.limits.retries, settings.limits.stall) == ("qwen3:8b", 2, Limits.stall)


def test_a_value_set_since_by_the_process_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    environ: dict[str, str] = {}
    dotenv = DotEnv(path, environ)
    path.write_text("LLM_RETRIES=1\n")
    dotenv.load()
    environ["LLM_RETRIES"] = "5"  # e.g. a test or the shell of a child process
    path.write_text("LLM_RETRIES=2\n")
    dotenv.load()
    assert environ == {"LLM_RETRIES": "5"}
    path.unlink()
    dotenv.load()  # a missing file is no error and takes nothing the file did not give
    assert environ == {"LLM_RETRIES": "5"}


def test_the_app_rereads_env_on_each_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[[], AppTest]
) -> None:
    """Fixing `.env` needs no server restart: the next run of app.py reads it again."""
    dotenv = DotEnv(tmp_path / ".env")
    monkeypatch.setattr(config, "_DOTENV", dotenv)
    dotenv.path.write_text("LLM_RETRIES=2.7\nLLM_STALL_TIMEOUT=soon\n")
    try:
        at = make_app()
        [error] = [e.value for e in at.error]
        assert (
            "2 settings need fixing" in error
            and "LLM_RETRIES='2.7'" in error
            and "LLM_STALL_TIMEOUT" in error
        )
        dotenv.path.write_text("LLM_RETRIES=2\n")
        at.run()
        assert not at.exception and not at.error
        assert at.session_state["limits"].retries == 2
    finally:
        for key in dotenv.taken:
            os.environ.pop(key, None)
