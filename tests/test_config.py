"""Settings from the environment: defaults, accepted forms, and clear messages for bad values."""

from __future__ import annotations

import pytest

from llm.config import load_settings
from llm.errors import ConfigError


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
