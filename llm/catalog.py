"""Model lists per provider: what a server has, or a short current list for cloud providers."""

from __future__ import annotations

from llm import ollama, proxy, rest, servers
from llm.errors import LLMError, ServerUnreachable, bad_base_url
from llm.models import DEFAULT_COMPATIBLE_BASE, PROVIDERS, ModelInfo, env_key


def compatible_models(base: str, api_key: str | None = None) -> list[ModelInfo]:
    """Models an OpenAI-compatible server lists at `GET {base}/models` (LM Studio, llama.cpp, vLLM)."""
    if problem := rest.url_problem(base):
        raise bad_base_url(base, problem, "base URL", DEFAULT_COMPATIBLE_BASE)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = rest.call("GET", base.rstrip("/") + "/models", headers=headers, timeout=5.0)
        if response.ok:
            return [ModelInfo(m["id"], provider="openai_compatible") for m in response.json()["data"]]
        reason = f"HTTP {response.status}"
    except rest.Unreachable as exc:
        reason = str(exc)
    except (ValueError, KeyError, TypeError):
        reason = "the answer was not a model list"
    raise ServerUnreachable(
        f"Could not list models at {base} ({reason}). "
        "Check the base URL (it usually ends in /v1) and that the server runs."
    )


def models_for(provider: str, base: str | None, api_key: str | None = None) -> list[ModelInfo]:
    """The models to offer; raises `LLMError` when a local server cannot be asked."""
    listing = PROVIDERS[provider].listing
    if listing == "ollama":
        if servers.is_pool(base):  # several servers: each model once, with how many servers have it
            return servers.merged_models(servers.split_bases(base))
        return ollama.list_models(base or "")
    if listing == "proxy":
        if not base:
            raise LLMError("Enter the LiteLLM Proxy's address, e.g. http://localhost:4000.")
        return proxy.models(base, api_key or env_key(provider))  # a pasted key, else the environment's
    if listing == "openai":
        if not base:
            raise LLMError("Enter the server's base URL, e.g. http://localhost:1234/v1 for LM Studio.")
        return compatible_models(base, api_key)
    return [ModelInfo(name, provider=provider) for name in PROVIDERS[provider].models]


def show(base: str, model: str) -> ModelInfo:
    """An Ollama model's capabilities (`/api/show`), from the first of several servers that has it."""
    if servers.is_pool(base):
        return servers.show(servers.split_bases(base), model)
    return ollama.show(base, model)
