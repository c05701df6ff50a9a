"""Thinking levels as data: which levels a model accepts, and what each level puts on the wire."""

from __future__ import annotations

from typing import Any, Literal

Level = Literal["off", "on", "low", "medium", "high"]
Style = Literal[
    "none",
    "ollama-effort",
    "ollama-toggle",
    "openai-effort",
    "anthropic-budget",
    "gemini-pro-budget",
    "gemini-flash-budget",
    "gemini-effort",
]

LABELS: dict[Level, str] = {"off": "Off", "on": "On", "low": "Low", "medium": "Medium", "high": "High"}


def _budget(tokens: int) -> dict[str, Any]:
    return {"thinking": {"type": "enabled", "budget_tokens": tokens}}


# The one table from a (style, level) to the request fields. Levels are listed in the order offered.
# Ollama gets `think` directly (litellm maps `reasoning_effort` wrongly for Ollama); a model that
# cannot think gets no `think` key at all, since Ollama answers 400 to any value.
WIRE: dict[Style, dict[Level, dict[str, Any]]] = {
    "none": {},
    "ollama-effort": {"low": {"think": "low"}, "medium": {"think": "medium"}, "high": {"think": "high"}},
    "ollama-toggle": {"off": {"think": False}, "on": {"think": True}},
    "openai-effort": {
        "low": {"reasoning_effort": "low"},
        "medium": {"reasoning_effort": "medium"},
        "high": {"reasoning_effort": "high"},
    },
    "anthropic-budget": {"off": {}, "low": _budget(1024), "medium": _budget(4096), "high": _budget(16384)},
    # Gemini 2.5 gets explicit budgets: litellm 1.106 maps reasoning_effort to 1024/2048/4096 tokens for
    # every 2.5 model, so High was an eighth of what 2.5 Pro may think. Google's ranges: 2.5 Pro 128-32768
    # and thinking cannot be switched off; 2.5 Flash 0-24576, Flash-Lite 512-24576, 0 switching it off.
    # High is each model's maximum. litellm sends `budget_tokens` as generationConfig.thinkingConfig.
    # thinkingBudget; Off needs the explicit 0 (a "disabled" type sends no budget, and Flash would think).
    "gemini-pro-budget": {"low": _budget(1024), "medium": _budget(8192), "high": _budget(32768)},
    "gemini-flash-budget": {
        "off": _budget(0),
        "low": _budget(1024),
        "medium": _budget(8192),
        "high": _budget(24576),
    },
    # Gemini 3 and later take levels (thinkingLevel), which litellm maps from reasoning_effort.
    "gemini-effort": {
        "off": {"reasoning_effort": "disable"},
        "low": {"reasoning_effort": "low"},
        "medium": {"reasoning_effort": "medium"},
        "high": {"reasoning_effort": "high"},
    },
}

# Why the Thinking control is disabled, shown next to it.
NO_THINKING_REASON = "This model cannot think, so no thinking setting is sent."


def levels(style: Style) -> list[Level]:
    """The levels a model of this style accepts, in display order; empty when it cannot think."""
    return list(WIRE[style])


def wire(style: Style, level: Level | None) -> dict[str, Any]:
    """Request fields for `level`; an unknown or missing level falls back to the style's default."""
    chosen = coerce(style, level)
    return {} if chosen is None else dict(WIRE[style][chosen])


def coerce(style: Style, wanted: str | None) -> Level | None:
    """The accepted level nearest to `wanted` (e.g. "on" → "medium" for gpt-oss, "high" → "on" for qwen3)."""
    accepted = levels(style)
    if not accepted:
        return None
    if wanted in accepted:
        return wanted  # type: ignore[return-value]
    if wanted == "off":
        return accepted[0]  # a model that cannot switch thinking off thinks as little as it can
    if wanted in ("low", "medium", "high") and "on" in accepted:
        return "on"
    if "medium" in accepted:
        return "medium"
    return accepted[-1]
