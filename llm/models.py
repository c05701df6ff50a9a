"""Providers and model facts as data: what each provider needs, and what each model can do."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal

from llm.thinking import Style


@dataclass(frozen=True)
class Provider:
    id: str
    label: str
    prefix: str  # litellm's model prefix
    key_var: str | None = None  # environment variable holding the API key
    models: tuple[str, ...] = ()  # a short current list; any other name can be typed
    needs_base_url: bool = False
    key_optional: bool = False
    # Whose count the thinking tokens in its usage are (`completion_tokens_details.reasoning_tokens`).
    # "sent": the server's when it sent one. When it sent none, litellm's stream_chunk_builder counts the
    # thinking text itself and puts `text_tokens` beside its figure (litellm/main.py, calculate_usage in
    # litellm_core_utils/streaming_chunk_builder_utils.py); OpenAI-shaped APIs send no `text_tokens`.
    # "server": always the API's (Gemini's thoughtsTokenCount; litellm adds text_tokens from its details).
    # "estimate": possibly litellm's own count (Anthropic's, unless the API gave one:
    # llms/anthropic/chat/transformation.py), or whatever a proxy's backend route produced.
    thinking_count: Literal["sent", "server", "estimate"] = "sent"
    # Speaks Ollama's own API: its replies are read natively from /api/chat (not through litellm), its
    # errors are read as Ollama's, and its models can be loaded, kept warm, given a context window and
    # managed on the Models page.
    native: bool = False
    # How its models are listed: Ollama's /api/tags, an OpenAI-compatible server's /models, a LiteLLM
    # Proxy's /v1/model/info, or the short list in `models`.
    listing: Literal["ollama", "openai", "proxy", "fixed"] = "fixed"
    # Its server's address: the `Settings` field (also the sidebar's widget key) holding it, the sidebar
    # box's label and help, and the address used when none is set. "" when it has no address to set.
    base_setting: str = ""
    base_label: str = ""
    base_help: str | None = None
    default_base: str | None = None
    # How its models' thinking style is known (`thinking_style`): "capabilities" from Ollama's /api/show;
    # "openai", "anthropic", "gemini" from that maker's model ids; "hosted" from the ids of a host of others'
    # models (gpt-oss, OpenAI's reasoning models); "proxied" from the model behind a LiteLLM Proxy; "none":
    # no thinking setting is sent.
    thinking: Literal["capabilities", "openai", "anthropic", "gemini", "hosted", "proxied", "none"] = "none"
    # Whose words its refusals come in: "proxy", a LiteLLM Proxy's budget, rate-limit and key refusals
    # (`llm.proxy.refusal`); "own", told as any provider's failures.
    refusals: Literal["own", "proxy"] = "own"
    # Who installs and removes its models, for the Models page (which manages Ollama's); "" when the
    # provider hosts them itself.
    hosting: str = ""


DEFAULT_OLLAMA_BASE = "http://localhost:11434"
DEFAULT_COMPATIBLE_BASE = "http://localhost:1234/v1"
DEFAULT_PROXY_BASE = "http://localhost:4000"

# litellm's route for any server that speaks OpenAI's chat API (LM Studio, llama.cpp, vLLM, Ollama's /v1).
# It parses the stream itself, as it does Ollama's: `openai/` goes through the openai SDK, whose typed
# chunks cost more CPU per token (bench/tokens.py measures it). Text, inline <think> tags and usage arrive
# alike.
OPENAI_COMPATIBLE_PREFIX = "hosted_vllm/"

PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        Provider(
            "ollama",
            "Ollama",
            "ollama_chat/",
            native=True,
            listing="ollama",
            base_setting="ollama_base",
            base_label="Ollama URL",
            default_base=DEFAULT_OLLAMA_BASE,
            thinking="capabilities",
        ),
        Provider(
            "openai",
            "OpenAI",
            "openai/",
            "OPENAI_API_KEY",
            ("gpt-5", "gpt-5-mini", "gpt-5-nano", "o4-mini", "gpt-4.1", "gpt-4.1-mini"),
            thinking="openai",
        ),
        Provider(
            "anthropic",
            "Anthropic",
            "anthropic/",
            "ANTHROPIC_API_KEY",
            ("claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"),
            thinking_count="estimate",
            thinking="anthropic",
        ),
        Provider(
            "gemini",
            "Google Gemini",
            "gemini/",
            "GEMINI_API_KEY",
            ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
            thinking_count="server",
            thinking="gemini",
        ),
        Provider(
            "openrouter",
            "OpenRouter",
            "openrouter/",
            "OPENROUTER_API_KEY",
            (
                "openai/gpt-oss-120b",
                "deepseek/deepseek-r1",
                "anthropic/claude-sonnet-4.5",
                "google/gemini-2.5-flash",
                "meta-llama/llama-3.3-70b-instruct",
            ),
            thinking="hosted",
        ),
        Provider(
            "groq",
            "Groq",
            "groq/",
            "GROQ_API_KEY",
            ("openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3-32b", "llama-3.3-70b-versatile"),
            thinking="hosted",
        ),
        Provider(
            "openai_compatible",
            "OpenAI-compatible server",
            OPENAI_COMPATIBLE_PREFIX,
            "OPENAI_COMPATIBLE_API_KEY",
            needs_base_url=True,
            key_optional=True,
            listing="openai",
            base_setting="compatible_base",
            base_label="Base URL",
            base_help="LM Studio, llama.cpp or vLLM, ending in /v1",
            default_base=DEFAULT_COMPATIBLE_BASE,
            hosting="An OpenAI-compatible server (LM Studio, llama.cpp, vLLM) manages its models itself.",
        ),
        Provider(
            "litellm_proxy",
            "LiteLLM Proxy",
            "litellm_proxy/",
            "LITELLM_PROXY_API_KEY",
            needs_base_url=True,
            key_optional=True,  # a proxy without a master key takes any key
            thinking_count="estimate",
            listing="proxy",
            base_setting="proxy_base",
            base_label="LiteLLM Proxy URL",
            base_help="The team's LiteLLM Proxy, e.g. http://localhost:4000 (LITELLM_PROXY_API_BASE)",
            default_base=DEFAULT_PROXY_BASE,
            thinking="proxied",
            refusals="proxy",
            hosting="A LiteLLM Proxy serves the models its owner lists in its config.",
        ),
    )
}


@dataclass(frozen=True)
class ModelInfo:
    """One model as a server or a provider list describes it."""

    name: str
    provider: str = "ollama"
    capabilities: frozenset[str] = field(default_factory=frozenset)
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    size: int = 0  # bytes on disk
    # Ollama reads this model's replies as OpenAI's harmony format (the gpt-oss family): the only models
    # whose `think` takes "low"/"medium"/"high". Known from `/api/show` (see `uses_harmony`), never the name.
    harmony: bool = False
    context_length: int | None = None  # the most tokens of context it takes (`/api/show`), when known
    backend: str = ""  # behind a LiteLLM Proxy: the model it stands for, e.g. `ollama_chat/gpt-oss:20b`
    servers: int = 0  # with several Ollama servers: how many of them have it, of `of_servers`
    of_servers: int = 0

    @property
    def label(self) -> str:
        """'qwen3:8b · 8.2B · 5.2 GB' for the model picker (with '· on 2 of 3 servers' for several)."""
        parts = [self.name, self.parameter_size, human_bytes(self.size) if self.size else ""]
        if self.of_servers > 1:
            parts.append(f"on {self.servers} of {self.of_servers} servers")
        return " · ".join(p for p in parts if p)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


HARMONY_FAMILIES = ("gptoss", "gpt-oss")


def uses_harmony(family: str, template: str) -> bool:
    """Ollama's own test (server/routes.go `shouldUseHarmony`): family gptoss and harmony's tags in the
    template. A model merely named "gpt-oss-…" is not one, and Ollama answers 400 to a string `think`."""
    return family in HARMONY_FAMILIES and "<|start|>" in template and "<|end|>" in template


def is_gpt_oss_id(name: str) -> bool:
    """A cloud provider's gpt-oss model id (`openai/gpt-oss-120b`): those ids are the provider's own."""
    return bool(re.search(r"(^|/)gpt-oss", name))


_OPENAI_REASONING = re.compile(r"^(o\d|gpt-5)")
_ANTHROPIC_THINKING = re.compile(r"claude-(3-7|sonnet-4|opus-4|haiku-4)")
_GEMINI_25 = re.compile(r"gemini-2\.5-(pro|flash)")
_GEMINI_LEVELS = re.compile(r"gemini-[3-9]")


def thinking_style(info: ModelInfo) -> Style:
    """How a model thinks: for Ollama from what `/api/show` reports, for cloud providers from the model id."""
    name = info.name.lower()
    spec = PROVIDERS.get(info.provider)
    match spec.thinking if spec else "none":
        case "capabilities":
            if "thinking" not in info.capabilities:
                return "none"
            return "ollama-effort" if info.harmony else "ollama-toggle"
        case "openai":
            return "openai-effort" if _OPENAI_REASONING.search(name) else "none"
        case "anthropic":
            return "anthropic-budget" if _ANTHROPIC_THINKING.search(name) else "none"
        case "gemini":
            if match := _GEMINI_25.search(name):  # Flash-Lite shares Flash's budgets (and its Off)
                return "gemini-pro-budget" if match[1] == "pro" else "gemini-flash-budget"
            return "gemini-effort" if _GEMINI_LEVELS.search(name) else "none"
        case "hosted":
            return (
                "openai-effort"
                if is_gpt_oss_id(name) or _OPENAI_REASONING.search(name.split("/")[-1])
                else "none"
            )
        case "proxied":
            return _proxied_style(info)
    return "none"


# litellm's prefixes of the providers whose thinking this app knows, behind a LiteLLM Proxy.
_PROXIED = {"openai": "openai", "anthropic": "anthropic", "gemini": "gemini", "groq": "groq"}
_PROXIED_OLLAMA = ("ollama_chat", "ollama")


def _proxied_style(info: ModelInfo) -> Style:
    """A proxy's model thinks as the model behind it (`ModelInfo.backend`, from the proxy's /v1/model/info).

    An Ollama model behind a proxy cannot be asked `/api/show`: gpt-oss is known by its id, as for cloud
    providers, and another thinks when the proxy's config says `supports_reasoning: true` for it.
    """
    prefix, _, name = info.backend.partition("/")
    if prefix in _PROXIED_OLLAMA:
        if is_gpt_oss_id(name):
            return "ollama-effort"
        return "ollama-toggle" if "thinking" in info.capabilities else "none"
    if prefix == "openrouter":
        return thinking_style(ModelInfo(name, provider="openrouter"))
    if prefix in _PROXIED:
        return thinking_style(ModelInfo(name, provider=_PROXIED[prefix]))
    return "none"


def normalize_model(provider: str, model: str) -> str:
    """Accept `ollama/NAME` or `ollama_chat/NAME` (the forms `.env` files use) as plain NAME."""
    if PROVIDERS[provider].native:
        for prefix in ("ollama_chat/", "ollama/"):
            if model.startswith(prefix):
                return model[len(prefix) :]
    prefix = PROVIDERS[provider].prefix
    return model[len(prefix) :] if model.startswith(prefix) and provider != "openrouter" else model


def env_key(provider: str) -> str | None:
    """The provider's key from the environment (or `.env`, once loaded), if set."""
    var = PROVIDERS[provider].key_var
    return os.environ.get(var) or None if var else None
