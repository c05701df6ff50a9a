"""What a request is (where it goes, what it carries, its time limits) and the litellm arguments it makes.

The types apart from the engine that sends them (`llm.stream`), as ollama-python keeps `_types.py` apart from
`_client.py`: settings, pages and tests build requests without importing the stream engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llm import images, keep_alive, servers
from llm.errors import MissingKey
from llm.models import DEFAULT_OLLAMA_BASE, PROVIDERS, env_key
from llm.thinking import Level, Style, wire


@dataclass(frozen=True)
class Limits:
    """Timeouts (seconds) and retry policy. `first_token` must cover a cold load of a 20B model."""

    connect: float = 5.0
    first_token: float = 300.0
    stall: float = 60.0
    retries: int = 3
    backoff: float = 0.5  # first retry delay; doubles each time, with jitter
    backoff_cap: float = 8.0
    notice_every: float = 1.0  # how often a `waiting` event reports progress before the first token


@dataclass(frozen=True)
class Target:
    """Where a request goes. The key is never printed (repr=False) nor exported."""

    provider: str
    model: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str | None:
        if PROVIDERS[self.provider].native:
            return self.api_base or DEFAULT_OLLAMA_BASE
        return self.api_base

    @property
    def litellm_model(self) -> str:
        return PROVIDERS[self.provider].prefix + self.model

    @property
    def needs_litellm(self) -> bool:
        """Whether a reply loads litellm: any provider but Ollama, and the Router over several Ollamas."""
        return not PROVIDERS[self.provider].native or servers.is_pool(self.base_url)


@dataclass(frozen=True)
class ChatRequest:
    target: Target
    messages: list[dict[str, Any]]  # role, content, and a person's pictures (`llm.images.Image`)
    style: Style = "none"
    level: Level | None = None
    system: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    show_thinking: bool = True
    num_ctx: int | None = None  # Ollama's context window (`llm.context.choose`); other providers ignore it
    keep_alive: str | None = None  # how long Ollama keeps the model loaded (`llm.keep_alive`); Ollama only
    vision: bool = False  # the model can see: pictures are sent (`llm.images.can_see`), else left out


def request_kwargs(req: ChatRequest, limits: Limits) -> dict[str, Any]:
    """Everything passed to `litellm.acompletion` for this request."""
    import httpx

    target = req.target
    provider = PROVIDERS[target.provider]
    native = provider.native
    messages = ([{"role": "system", "content": req.system}] if req.system.strip() else []) + [
        images.on_wire(m, req.vision, native) for m in req.messages
    ]
    kwargs: dict[str, Any] = {
        "model": target.litellm_model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "timeout": httpx.Timeout(max(limits.first_token, limits.stall), connect=limits.connect),
        "max_retries": 0,  # the OpenAI client retries twice on its own; `limits` is the one retry policy
        **wire(req.style, req.level),
    }
    if req.temperature is not None:
        kwargs["temperature"] = req.temperature
    if req.max_tokens:
        kwargs["max_tokens"] = req.max_tokens
    budget = (kwargs.get("thinking") or {}).get("budget_tokens")
    if budget:
        # Anthropic's extended thinking accepts only the default temperature, and max_tokens must exceed
        # the thinking budget, or the API answers 400.
        kwargs.pop("temperature", None)
        kwargs["max_tokens"] = max(kwargs.get("max_tokens") or 0, budget + 4096)
    if target.base_url:
        kwargs["api_base"] = target.base_url
    if native and req.num_ctx:
        kwargs["num_ctx"] = req.num_ctx  # into `options` on /api/chat (llm/ollama_chat.py)
    if native and req.keep_alive:
        kwargs["keep_alive"] = keep_alive.wire(req.keep_alive)
    key = target.api_key or (env_key(target.provider) if provider.key_var else None)
    if provider.key_var and not key:
        if not provider.key_optional:
            raise MissingKey(
                f"{provider.label} needs an API key. Set {provider.key_var} in your environment or .env, "
                "or paste a key in the sidebar (kept for this session only)."
            )
        key = "not-needed"  # local OpenAI-compatible servers accept any key
    if key:
        kwargs["api_key"] = key
    return kwargs
