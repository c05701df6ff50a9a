"""Defaults from the environment and `.env` (read again on each run), with messages that say what to fix."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values

from llm.context import DEFAULT_CEILING
from llm.errors import ConfigError
from llm.keep_alive import DEFAULT as KEEP_ALIVE
from llm.keep_alive import parse as parse_keep_alive
from llm.models import (
    DEFAULT_COMPATIBLE_BASE,
    DEFAULT_OLLAMA_BASE,
    DEFAULT_PROXY_BASE,
    PROVIDERS,
    normalize_model,
)
from llm.request import Limits
from llm.rest import url_problem
from llm.servers import split_bases

T = TypeVar("T")

THINKING_VALUES = ("low", "medium", "high", "on", "off")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = ("sqlite://", "postgresql://", "postgresql+psycopg://")
MIN_CTX, MAX_CTX = 512, 2_097_152  # context sizes accepted in .env


@dataclass(frozen=True)
class Settings:
    provider: str = "ollama"
    model: str = ""
    ollama_base: str = DEFAULT_OLLAMA_BASE
    compatible_base: str = ""
    proxy_base: str = ""  # a LiteLLM Proxy (LITELLM_PROXY_API_BASE)
    thinking: str = "medium"
    hide_thinking: bool = False
    limits: Limits = field(default_factory=Limits)
    num_ctx: int | None = None  # Ollama's context window; None is Auto (llm.context.choose)
    max_ctx: int = DEFAULT_CEILING  # Auto's ceiling
    history: bool = True  # conversations and compare runs are saved (HISTORY=off: kept in the tab only)
    keep_alive: str = KEEP_ALIVE  # how long Ollama keeps a model loaded (OLLAMA_KEEP_ALIVE)

    def base_for(self, provider: str) -> str:
        """The server address set for a provider ("" for a cloud provider, or when unset)."""
        setting = PROVIDERS[provider].base_setting if provider in PROVIDERS else ""
        return str(getattr(self, setting)) if setting else ""


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


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.removeprefix("-").isdigit():
        raise ConfigError(f"{name}={raw!r} must be a whole number, e.g. {name}={default}.")
    if not low <= int(raw) <= high:
        raise ConfigError(f"{name}={raw} is out of range: use a value from {low} to {high}.")
    return int(raw)


def _provider(env: Mapping[str, str]) -> str:
    provider = env.get("MODEL_PROVIDER", "ollama").strip().lower() or "ollama"
    if provider not in PROVIDERS:
        raise ConfigError(f"MODEL_PROVIDER={provider!r} is not known. Use one of: {', '.join(PROVIDERS)}.")
    return provider


def _model(raw: str, provider: str) -> str:
    """MODEL without a provider prefix; a prefix with no name after it is refused."""
    model = normalize_model(provider, raw) if raw else ""
    if raw and not model.strip("/"):
        example = f"{raw}{PROVIDERS[provider].models[0]}" if PROVIDERS[provider].models else f"{raw}qwen3:8b"
        raise ConfigError(
            f"MODEL={raw!r} names no model after the prefix. Write the name, e.g. MODEL={example}, "
            "or leave MODEL empty to pick a model in the sidebar."
        )
    return model


def _choice(env: Mapping[str, str], name: str, default: str, accepted: Collection[str], use: str) -> str:
    value = env.get(name, default).strip().lower() or default
    if value not in accepted:
        raise ConfigError(f"{name}={value!r} is not valid. Use {use}.")
    return value


def _base(env: Mapping[str, str], name: str, default: str) -> str:
    """A server's base URL: http(s) with a host, or `default` when unset."""
    base = env.get(name, "").strip() or default
    several = name == "OLLAMA_API_BASE"  # several Ollama servers, comma-separated (llm.servers)
    for part in [p.strip() for p in base.split(",") if p.strip()] if several else [base] if base else []:
        if problem := url_problem(part):
            example = {
                "OLLAMA_API_BASE": DEFAULT_OLLAMA_BASE,
                "LITELLM_PROXY_API_BASE": DEFAULT_PROXY_BASE,
            }.get(name, DEFAULT_COMPATIBLE_BASE)
            raise ConfigError(f"{name}={part!r} cannot be used: {problem}, e.g. {name}={example}.")
    return ",".join(split_bases(base)) if several else base


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment, after `.env` is loaded).

    Every bad value is reported, in one `ConfigError` whose `problems` lists each.
    """
    env = os.environ if env is None else env
    problems: list[str] = []

    def check(read: Callable[[], T], fallback: T) -> T:
        try:
            return read()
        except ConfigError as err:
            problems.append(err.message)
            return fallback

    provider = check(lambda: _provider(env), "ollama")
    raw_model = env.get("MODEL", "").strip()
    if "/" in raw_model and raw_model.split("/", 1)[0] in ("ollama", "ollama_chat"):
        provider = "ollama" if "MODEL_PROVIDER" not in env else provider
    thinking = check(
        lambda: _choice(
            env, "OLLAMA_THINKING", "medium", THINKING_VALUES, f"one of: {', '.join(THINKING_VALUES)}"
        ),
        "medium",
    )
    hide = env.get("OLLAMA_HIDE_THINKING", "").strip().lower()
    if hide not in _TRUE | _FALSE:
        problems.append(f"OLLAMA_HIDE_THINKING={hide!r} is not valid. Use true or false.")
    history = env.get("HISTORY", "on").strip().lower() or "on"
    if history not in _TRUE | _FALSE:
        problems.append(f"HISTORY={history!r} is not valid. Use on (save conversations) or off.")
    database = env.get("DATABASE_URL", "").strip()
    if database and not database.startswith(DATABASE_SCHEMES):
        problems.append(
            f"DATABASE_URL must start with {' or '.join(DATABASE_SCHEMES)}, "
            "e.g. postgresql+psycopg://user:password@host/db (leave it empty for a SQLite file in data/)."
        )
    settings = Settings(
        provider=provider,
        model=check(lambda: _model(raw_model, provider), ""),
        ollama_base=check(lambda: _base(env, "OLLAMA_API_BASE", DEFAULT_OLLAMA_BASE), DEFAULT_OLLAMA_BASE),
        compatible_base=check(lambda: _base(env, "OPENAI_COMPATIBLE_API_BASE", ""), ""),
        proxy_base=check(lambda: _base(env, "LITELLM_PROXY_API_BASE", ""), ""),
        thinking=thinking,
        hide_thinking=hide in _TRUE,
        limits=Limits(
            connect=check(lambda: _number(env, "LLM_CONNECT_TIMEOUT", Limits.connect, 0.1, 600), 0.0),
            first_token=check(
                lambda: _number(env, "LLM_FIRST_TOKEN_TIMEOUT", Limits.first_token, 1, 3600), 0.0
            ),
            stall=check(lambda: _number(env, "LLM_STALL_TIMEOUT", Limits.stall, 1, 3600), 0.0),
            retries=check(lambda: _whole(env, "LLM_RETRIES", Limits.retries, 0, 10), 0),
        ),
        num_ctx=check(lambda: _tokens(env, "OLLAMA_NUM_CTX", auto=True), None),
        max_ctx=check(lambda: _tokens(env, "OLLAMA_MAX_CTX", auto=False), None) or DEFAULT_CEILING,
        history=history in _TRUE,
        keep_alive=check(lambda: parse_keep_alive(env.get("OLLAMA_KEEP_ALIVE", "")), KEEP_ALIVE),
    )
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        listed = "\n".join(f"- {problem}" for problem in problems)
        raise ConfigError(f"{len(problems)} settings need fixing:\n\n{listed}", problems=problems)
    return settings


# Beside app.py. Not resolved: a copy of app.py run beside links to llm/ (tests/browser) reads its own .env.
ENV_FILE = Path(__file__).absolute().parents[1] / ".env"


class DotEnv:
    """A `.env` file read into an environment, again on each load, so an edited `.env` needs no restart.

    A variable of the real environment is never overridden (as python-dotenv's `load_dotenv` does). One that
    came from `.env` takes the file's new value, and goes when its line does.
    """

    def __init__(self, path: Path = ENV_FILE, environ: MutableMapping[str, str] = os.environ) -> None:
        self.path = path
        self.environ = environ
        self.taken: dict[str, str] = {}  # keys set from the file, with the value set
        self._lock = threading.Lock()  # sessions run their scripts on threads of their own

    def load(self) -> None:
        read = dotenv_values(self.path) if self.path.is_file() else {}
        values = {key: value for key, value in read.items() if value is not None}
        with self._lock:
            for key, ours in list(self.taken.items()):
                if self.environ.get(key) != ours:  # set since by someone else: no longer the file's
                    del self.taken[key]
                elif key not in values:
                    del self.environ[key], self.taken[key]
            for key, value in values.items():
                if key not in self.environ or key in self.taken:  # the real environment wins
                    self.environ[key] = self.taken[key] = value


_DOTENV = DotEnv()


def load_env() -> None:
    """Read (or re-read) the `.env` beside app.py into the environment: app.py calls this on each run."""
    _DOTENV.load()
