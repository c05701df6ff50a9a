"""The level-to-wire table, cell by cell, and which style each kind of model gets."""

from __future__ import annotations

import pytest

from llm.models import ModelInfo, thinking_style
from llm.thinking import WIRE, coerce, levels, wire

BUDGET = {"type": "enabled"}
EXPECTED = {
    ("ollama-effort", "low"): {"think": "low"},
    ("ollama-effort", "medium"): {"think": "medium"},
    ("ollama-effort", "high"): {"think": "high"},
    ("ollama-toggle", "off"): {"think": False},
    ("ollama-toggle", "on"): {"think": True},
    ("openai-effort", "low"): {"reasoning_effort": "low"},
    ("openai-effort", "medium"): {"reasoning_effort": "medium"},
    ("openai-effort", "high"): {"reasoning_effort": "high"},
    ("anthropic-budget", "off"): {},
    ("anthropic-budget", "low"): {"thinking": {**BUDGET, "budget_tokens": 1024}},
    ("anthropic-budget", "medium"): {"thinking": {**BUDGET, "budget_tokens": 4096}},
    ("anthropic-budget", "high"): {"thinking": {**BUDGET, "budget_tokens": 16384}},
    ("gemini-pro-budget", "low"): {"thinking": {**BUDGET, "budget_tokens": 1024}},
    ("gemini-pro-budget", "medium"): {"thinking": {**BUDGET, "budget_tokens": 8192}},
    ("gemini-pro-budget", "high"): {"thinking": {**BUDGET, "budget_tokens": 32768}},
    ("gemini-flash-budget", "off"): {"thinking": {**BUDGET, "budget_tokens": 0}},
    ("gemini-flash-budget", "low"): {"thinking": {**BUDGET, "budget_tokens": 1024}},
    ("gemini-flash-budget", "medium"): {"thinking": {**BUDGET, "budget_tokens": 8192}},
    ("gemini-flash-budget", "high"): {"thinking": {**BUDGET, "budget_tokens": 24576}},
    ("gemini-effort", "off"): {"reasoning_effort": "disable"},
    ("gemini-effort", "low"): {"reasoning_effort": "low"},
    ("gemini-effort", "medium"): {"reasoning_effort": "medium"},
    ("gemini-effort", "high"): {"reasoning_effort": "high"},
}


def test_expected_covers_every_cell() -> None:
    cells = {(style, level) for style, row in WIRE.items() for level in row}
    assert cells == set(EXPECTED)


@pytest.mark.parametrize(("style", "level"), sorted(EXPECTED))
def test_cell(style: str, level: str) -> None:
    assert wire(style, level) == EXPECTED[style, level]  # type: ignore[arg-type]


def test_model_that_cannot_think_sends_nothing() -> None:
    assert levels("none") == []
    assert wire("none", "high") == {}
    assert wire("none", None) == {}


def test_gemini_25_pro_cannot_be_switched_off_and_flash_can() -> None:
    assert levels("gemini-pro-budget") == ["low", "medium", "high"]
    assert coerce("gemini-pro-budget", "off") == "low"
    assert levels("gemini-flash-budget") == ["off", "low", "medium", "high"]


def test_gpt_oss_cannot_be_switched_off() -> None:
    assert levels("ollama-effort") == ["low", "medium", "high"]
    assert coerce("ollama-effort", "off") == "low"
    assert coerce("ollama-effort", "on") == "medium"


@pytest.mark.parametrize(
    ("wanted", "toggle", "effort"),
    [
        ("low", "on", "low"),
        ("high", "on", "high"),
        ("on", "on", "medium"),
        ("off", "off", "low"),
        (None, "on", "medium"),
    ],
)
def test_coerce_env_values(wanted: str | None, toggle: str, effort: str) -> None:
    assert coerce("ollama-toggle", wanted) == toggle
    assert coerce("ollama-effort", wanted) == effort


@pytest.mark.parametrize(
    ("info", "style"),
    [
        (
            ModelInfo(
                "gpt-oss:20b",
                capabilities=frozenset({"completion", "thinking"}),
                family="gptoss",
                harmony=True,
            ),
            "ollama-effort",
        ),
        (ModelInfo("my-reasoner", capabilities=frozenset({"thinking"}), harmony=True), "ollama-effort"),
        # named gpt-oss, not of the family: Ollama refuses a string think (400), so true/false it is
        (
            ModelInfo("gpt-oss-x:latest", capabilities=frozenset({"completion", "thinking"}), family="llama"),
            "ollama-toggle",
        ),
        (
            ModelInfo("qwen3:8b", capabilities=frozenset({"completion", "thinking"}), family="qwen3"),
            "ollama-toggle",
        ),
        (ModelInfo("deepseek-r1:8b", capabilities=frozenset({"thinking"})), "ollama-toggle"),
        (ModelInfo("llama3.2:3b", capabilities=frozenset({"completion", "tools"})), "none"),
        (ModelInfo("gpt-oss:20b"), "none"),  # capabilities unknown (model missing): send no think key
        (ModelInfo("gpt-5-mini", provider="openai"), "openai-effort"),
        (ModelInfo("o4-mini", provider="openai"), "openai-effort"),
        (ModelInfo("gpt-4.1", provider="openai"), "none"),
        (ModelInfo("claude-sonnet-4-5", provider="anthropic"), "anthropic-budget"),
        (ModelInfo("claude-3-5-haiku-latest", provider="anthropic"), "none"),
        (ModelInfo("gemini-2.5-pro", provider="gemini"), "gemini-pro-budget"),
        (ModelInfo("gemini-2.5-flash", provider="gemini"), "gemini-flash-budget"),
        (ModelInfo("gemini-2.5-flash-lite", provider="gemini"), "gemini-flash-budget"),
        (ModelInfo("gemini-3-pro-preview", provider="gemini"), "gemini-effort"),
        (ModelInfo("gemini-1.5-pro", provider="gemini"), "none"),
        (ModelInfo("openai/gpt-oss-120b", provider="groq"), "openai-effort"),
        (ModelInfo("llama-3.3-70b-versatile", provider="groq"), "none"),
        (ModelInfo("anything", provider="openai_compatible"), "none"),
        (ModelInfo("openai/o4-mini", provider="openrouter"), "openai-effort"),
        (ModelInfo("deepseek/deepseek-r1", provider="openrouter"), "none"),
    ],
)
def test_thinking_style(info: ModelInfo, style: str) -> None:
    assert thinking_style(info) == style
