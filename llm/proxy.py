"""A LiteLLM Proxy as a provider: its models, what each is behind the proxy, and its refusals in plain words.

The proxy (`litellm --config …`) holds the cloud keys and the servers; the app knows only its URL and a
virtual key. `/v1/models` lists the names the proxy offers; `/v1/model/info` says what each name is behind
it (`litellm_params.model`, e.g. `ollama_chat/gpt-oss:20b` or `anthropic/claude-sonnet-4-5`), which is how a
thinking level is turned into what that model family takes.
"""

from __future__ import annotations

from typing import Any

from llm import rest
from llm.errors import (
    AuthFailed,
    BudgetSpent,
    LLMError,
    RateLimited,
    ServerError,
    ServerUnreachable,
    bad_base_url,
)
from llm.models import DEFAULT_PROXY_BASE, ModelInfo

KEY_VAR = "LITELLM_PROXY_API_KEY"


def _root(base: str) -> str:
    """The proxy's address without a trailing `/v1` (both forms are accepted in LITELLM_PROXY_API_BASE)."""
    base = base.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def _get(base: str, path: str, api_key: str | None) -> rest.Response:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        return rest.call("GET", _root(base) + path, headers=headers, timeout=5.0)
    except rest.Unreachable as exc:
        raise ServerUnreachable(
            f"The LiteLLM Proxy is not reachable at {base} ({exc}). Check LITELLM_PROXY_API_BASE and that "
            "the proxy runs (`litellm --config config.yaml`)."
        ) from None


def models(base: str, api_key: str | None) -> list[ModelInfo]:
    """The proxy's models (`/v1/models`), each with what it is behind the proxy when `/v1/model/info` says."""
    if problem := rest.url_problem(base):
        raise bad_base_url(base, problem, "LiteLLM Proxy URL", DEFAULT_PROXY_BASE)
    response = _get(base, "/v1/models", api_key)
    if not response.ok:
        detail = _message(response)
        raise refusal(response.status, detail, base=base, model="") or ServerError(
            f"The LiteLLM Proxy at {base} could not list its models "
            f"(HTTP {response.status}: {_short(detail)}).",
            status=response.status,
        )
    try:
        names = [str(m["id"]) for m in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        raise ServerUnreachable(
            f"The server at {base} did not answer /v1/models with a model list: is it a LiteLLM Proxy?"
        ) from None
    behind = _model_info(base, api_key)
    return [from_entry(name, behind.get(name)) for name in names]


def _model_info(base: str, api_key: str | None) -> dict[str, dict[str, Any]]:
    """Each model name's first deployment from `/v1/model/info`; empty when the key may not read it."""
    try:
        response = _get(base, "/v1/model/info", api_key)
        entries = response.json()["data"] if response.ok else []
    except (LLMError, ValueError, KeyError, TypeError):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("model_name"), str):
            found.setdefault(entry["model_name"], entry)
    return found


def from_entry(name: str, entry: dict[str, Any] | None) -> ModelInfo:
    """A proxy model as the app knows it, from its `/v1/model/info` entry (None when there is none)."""
    params = (entry or {}).get("litellm_params") or {}
    details = (entry or {}).get("model_info") or {}
    thinks = details.get("supports_reasoning") is True
    return ModelInfo(
        name,
        provider="litellm_proxy",
        capabilities=frozenset({"thinking"} if thinks else ())
        | frozenset({"vision"} if details.get("supports_vision") is True else ()),
        backend=str(params.get("model") or ""),
        context_length=details.get("max_input_tokens")
        if isinstance(details.get("max_input_tokens"), int)
        else None,
    )


def _message(response: rest.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return str(error.get("message") if isinstance(error, dict) else error)
    except (ValueError, AttributeError):
        return response.text


def refusal(status: int | None, detail: str, *, base: str | None, model: str) -> LLMError | None:
    """The proxy's refusals (a spent budget, a rate limit, a key it does not take) in plain words; None for
    any other failure, which is told as any provider's."""
    lowered = detail.lower()
    where = f"The LiteLLM Proxy at {base}" if base else "The LiteLLM Proxy"
    what = f"`{model}`" if model else "this model"
    if "budget" in lowered:
        return BudgetSpent(
            f"{where} has spent the budget set for {what} or for your key ({_short(detail)}). Ask whoever "
            "runs the proxy to raise it, or wait until the budget period resets: sending again cannot help.",
            status=status,
        )
    if status == 429 or "rate limit" in lowered:
        return RateLimited(
            f"{where} is limiting how many requests {what} gets ({_short(detail)}). Wait a minute and send "
            "again, or ask whoever runs the proxy for a higher limit.",
            status=429,
        )
    if "no connected db" in lowered:
        return AuthFailed(
            f"{where} did not accept the key: it has no database, so it takes only its master key. Check "
            f"{KEY_VAR} (or the key in the sidebar).",
            status=status,
        )
    if status in (401, 403) or "authentication error" in lowered or "virtual key" in lowered:
        return AuthFailed(
            f"{where} did not accept the key ({_short(detail)}). Check {KEY_VAR} (or the key in the "
            "sidebar): it takes a virtual key from whoever runs the proxy, starting with sk-.",
            status=status,
        )
    return None


def _short(detail: str) -> str:
    """The proxy's own words without litellm's prefixes and its trailer about fallbacks."""
    text = detail.split("\n\nLiteLLM:", 1)[0].strip()
    for prefix in ("litellm.", "RateLimitError: ", "BadRequestError: ", "AuthenticationError: "):
        text = text.removeprefix(prefix)
    return text.split(", model_id:", 1)[0].strip()
