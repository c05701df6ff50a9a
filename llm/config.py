"""Defaults from the environment and `.env`, checked once, with messages that say what to fix."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from llm.context import DEFAULT_CEILING
from llm.errors import ConfigError
from llm.models import DEFAULT_OLLAMA_BASE, PROVIDERS, normalize_model
from llm.stream import Limits

THINKING_VALUES = ("low", "medium", "high", "on", "off")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
MIN_CTX, MAX_CTX = 512, 2_097_152  # context sizes accepted in .env


@dataclass(frozen=True)
class Settings:
    provider: str = "ollama"
    model: str = ""
    ollama_base: str = DEFAULT_OLLAMA_BASE
    compatible_base: str = ""
    thinking: str = "medium"
    hide_thinking: bool = False
    limits: Limits = field(default_factory=Limits)
    num_ctx: int | None = None  # Ollama's context window; None is Auto (llm.context.choose)
    max_ctx: int = DEFAULT_CEILING  # Auto's ceiling


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number. Use seconds, e.g. {name}={default:g}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw} is out of range: use a value from {low:g} to {high:g}.")
    return value


def _tokens(env: Mapping[str, str], name: str, auto: bool) -> int | None:
    """A context size in tokens; `auto` accepts `auto` (or nothing) for None."""
    raw = env.get(name, "").strip().lower()
    if not raw or (auto and raw == "auto"):
        return None
    example = "auto or a size in tokens, e.g. 16384" if auto else "a size in tokens, e.g. 65536"
    if not raw.isdigit():
        raise ConfigError(f"{name}={raw!r} is not valid. Use {example}.")
    if not MIN_CTX <= int(raw) <= MAX_CTX:
        raise ConfigError(f"{name}={raw} is out of range: use {MIN_CTX} to {MAX_CTX} tokens.")
    return int(raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment, after `.env` is loaded)."""
    env = os.environ if env is None else env
    provider = env.get("MODEL_PROVIDER", "ollama").strip().lower() or "ollama"
    if provider not in PROVIDERS:
        raise ConfigError(f"MODEL_PROVIDER={provider!r} is not known. Use one of: {', '.join(PROVIDERS)}.")
    model = env.get("MODEL", "").strip()
    if "/" in model and model.split("/", 1)[0] in ("ollama", "ollama_chat"):
        provider = "ollama" if "MODEL_PROVIDER" not in env else provider
    thinking = env.get("OLLAMA_THINKING", "medium").strip().lower() or "medium"
    if thinking not in THINKING_VALUES:
        raise ConfigError(
            f"OLLAMA_THINKING={thinking!r} is not valid. Use one of: {', '.join(THINKING_VALUES)}."
        )
    hide = env.get("OLLAMA_HIDE_THINKING", "").strip().lower()
    if hide not in _TRUE | _FALSE:
        raise ConfigError(f"OLLAMA_HIDE_THINKING={hide!r} is not valid. Use true or false.")
    base = env.get("OLLAMA_API_BASE", "").strip() or DEFAULT_OLLAMA_BASE
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"OLLAMA_API_BASE={base!r} must start with http:// or https://.")
    limits = Limits(
        connect=_number(env, "LLM_CONNECT_TIMEOUT", Limits.connect, 0.1, 600),
        first_token=_number(env, "LLM_FIRST_TOKEN_TIMEOUT", Limits.first_token, 1, 3600),
        stall=_number(env, "LLM_STALL_TIMEOUT", Limits.stall, 1, 3600),
        retries=int(_number(env, "LLM_RETRIES", Limits.retries, 0, 10)),
    )
    return Settings(
        provider=provider,
        model=normalize_model(provider, model) if model else "",
        ollama_base=base.rstrip("/"),
        compatible_base=env.get("OPENAI_COMPATIBLE_API_BASE", "").strip(),
        thinking=thinking,
        hide_thinking=hide in _TRUE,
        limits=limits,
        num_ctx=_tokens(env, "OLLAMA_NUM_CTX", auto=True),
        max_ctx=_tokens(env, "OLLAMA_MAX_CTX", auto=False) or DEFAULT_CEILING,
    )
