"""Ollama's REST endpoints beside chat: model lists, capabilities, loaded models, pull and delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from llm.errors import BadRequest, LLMError, ServerError, ollama_model_missing, ollama_unreachable
from llm.models import ModelInfo

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def _call(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    try:
        response = httpx.request(method, base.rstrip("/") + path, json=body, timeout=TIMEOUT)
    except httpx.TransportError:
        raise ollama_unreachable(base) from None
    _raise_for(response, base, (body or {}).get("model", ""))
    return response


def _raise_for(response: httpx.Response, base: str, model: str) -> None:
    if response.is_success:
        return
    try:
        detail = response.json().get("error", response.text)
    except ValueError:
        detail = response.text
    if response.status_code == 404:
        raise ollama_model_missing(model) if model else LLMError(f"{base}: {detail}", status=404)
    if response.status_code >= 500:
        raise ServerError(f"Ollama at {base} failed: {detail}", status=response.status_code)
    raise BadRequest(f"Ollama at {base} rejected the request: {detail}", status=response.status_code)


def _info(entry: dict[str, Any], capabilities: frozenset[str] = frozenset()) -> ModelInfo:
    details = entry.get("details") or {}
    return ModelInfo(
        name=entry.get("name") or entry.get("model", ""),
        capabilities=capabilities or frozenset(entry.get("capabilities") or ()),
        family=details.get("family", ""),
        parameter_size=details.get("parameter_size", ""),
        quantization=details.get("quantization_level", ""),
        size=int(entry.get("size") or 0),
    )


def list_models(base: str) -> list[ModelInfo]:
    """Installed models (`GET /api/tags`), sorted by name; capabilities not filled in (see `show`)."""
    entries = _call(base, "GET", "/api/tags").json().get("models") or []
    return sorted((_info(e) for e in entries), key=lambda m: m.name)


def show(base: str, model: str) -> ModelInfo:
    """One model with its capabilities (`POST /api/show`)."""
    data = _call(base, "POST", "/api/show", {"model": model}).json()
    return _info({"name": model, **data}, frozenset(data.get("capabilities") or ()))


@dataclass(frozen=True)
class Loaded:
    name: str
    size: int
    size_vram: int
    expires_at: str


def loaded(base: str) -> list[Loaded]:
    """Models in memory now (`GET /api/ps`)."""
    entries = _call(base, "GET", "/api/ps").json().get("models") or []
    return [Loaded(e.get("name", ""), int(e.get("size") or 0), int(e.get("size_vram") or 0),
                   e.get("expires_at", "")) for e in entries]


def unload(base: str, model: str) -> None:
    """Free a model's memory now (a chat request with `keep_alive: 0` and no messages)."""
    _call(base, "POST", "/api/chat", {"model": model, "messages": [], "keep_alive": 0})


def delete(base: str, model: str) -> None:
    _call(base, "DELETE", "/api/delete", {"model": model})


@dataclass(frozen=True)
class PullProgress:
    status: str
    digest: str = ""
    total: int = 0
    completed: int = 0


def pull(base: str, model: str) -> Iterator[PullProgress]:
    """Stream `POST /api/pull` progress; raise `LLMError` for an unknown model or a broken download."""
    try:
        with httpx.stream("POST", base.rstrip("/") + "/api/pull", json={"model": model, "stream": True},
                          timeout=httpx.Timeout(60.0, connect=3.0)) as response:
            if not response.is_success:
                response.read()
                _raise_for(response, base, model)
            for line in response.iter_lines():
                if not line.strip():
                    continue
                data = json.loads(line)
                if "error" in data:
                    raise _pull_error(model, data["error"])
                yield PullProgress(data.get("status", ""), data.get("digest", ""), int(data.get("total") or 0),
                                   int(data.get("completed") or 0))
    except httpx.ConnectError:
        raise ollama_unreachable(base) from None
    except (httpx.TransportError, json.JSONDecodeError) as exc:
        raise ServerError(f"The download of `{model}` broke off ({type(exc).__name__}). Press Pull to resume; "
                          "Ollama keeps what it already fetched.") from None


def _pull_error(model: str, detail: str) -> LLMError:
    if "file does not exist" in detail or "not found" in detail:
        return BadRequest(f"`{model}` is not in the Ollama library ({detail}). Check the name on "
                          "ollama.com/library, e.g. `qwen3:8b`.", status=404)
    return ServerError(f"Pulling `{model}` failed: {detail}")
