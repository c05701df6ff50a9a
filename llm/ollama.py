"""Ollama's REST endpoints beside chat: model lists, capabilities, loaded models, pull and delete."""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from llm import rest
from llm.errors import (
    BadRequest,
    LLMError,
    ModelNotFound,
    ServerError,
    ServerUnreachable,
    bad_base_url,
    ollama_model_missing,
    ollama_signin_needed,
    ollama_unreachable,
)
from llm.models import DEFAULT_OLLAMA_BASE, ModelInfo, uses_harmony
from llm.pull import PullProgress, human_duration

NEVER = 365 * 86400.0  # seconds: an expiry further away than this means keep_alive -1


def check_base(base: str) -> None:
    """Refuse an Ollama URL that is not http(s) with a host: urllib would read `file:///etc/passwd#`."""
    if problem := rest.url_problem(base):
        raise bad_base_url(base, problem, "Ollama URL", DEFAULT_OLLAMA_BASE)


def _call(
    base: str, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = rest.TIMEOUT
) -> rest.Response:
    check_base(base)
    try:
        response = rest.call(method, base.rstrip("/") + path, body, timeout=timeout)
    except rest.Unreachable:
        raise ollama_unreachable(base) from None
    _raise_for(response, base, (body or {}).get("model", ""))
    return response


def _data(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """`_call`'s JSON object; a server at `base` that answers with something else is not Ollama."""
    try:
        data = _call(base, method, path, body).json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ServerError(
            f"The server at {base} answered {path} with something other than Ollama's JSON. "
            "Check the Ollama URL (OLLAMA_API_BASE): Ollama's is usually http://localhost:11434."
        )
    return data


def _raise_for(response: rest.Response, base: str, model: str) -> None:
    if response.ok:
        return
    detail = _detail(response)
    if response.status == 401:
        raise ollama_signin_needed(model, base, _signin_url(response))
    if response.status == 404:
        raise ollama_model_missing(model) if model else LLMError(f"{base}: {detail}", status=404)
    if response.status >= 500:
        raise ServerError(f"Ollama at {base} failed: {detail}", status=response.status)
    raise BadRequest(f"Ollama at {base} rejected the request: {detail}", status=response.status)


def _detail(response: rest.Response) -> str:
    """The server's `{"error": ...}` text, or the raw body."""
    try:
        return str(response.json().get("error", response.text))
    except (ValueError, AttributeError):
        return response.text


def _signin_url(response: rest.Response) -> str:
    """The page that signs this Ollama server in to ollama.com, from a 401's body."""
    try:
        return str(response.json().get("signin_url") or "")
    except (ValueError, AttributeError):
        return ""


def _info(entry: dict[str, Any], capabilities: frozenset[str] = frozenset()) -> ModelInfo:
    details = entry.get("details") or {}
    family = details.get("family", "")
    return ModelInfo(
        name=entry.get("name") or entry.get("model", ""),
        capabilities=capabilities or frozenset(entry.get("capabilities") or ()),
        family=family,
        parameter_size=details.get("parameter_size", ""),
        quantization=details.get("quantization_level", ""),
        size=int(entry.get("size") or 0),
        harmony=uses_harmony(family, str(entry.get("template") or "")),
        context_length=_context_length(entry.get("model_info") or {}),
    )


def _context_length(model_info: dict[str, Any]) -> int | None:
    """`model_info["<arch>.context_length"]`, arch being `general.architecture` (`/api/show` only)."""
    length = model_info.get(f"{model_info.get('general.architecture')}.context_length")
    return length if isinstance(length, int) and not isinstance(length, bool) and length > 0 else None


def list_models(base: str) -> list[ModelInfo]:
    """Installed models (`GET /api/tags`), sorted by name; capabilities not filled in (see `show`)."""
    entries = _data(base, "GET", "/api/tags").get("models") or []
    return sorted((_info(e) for e in entries), key=lambda m: m.name)


def show(base: str, model: str) -> ModelInfo:
    """One model with its capabilities and whether it is of the gpt-oss family (`POST /api/show`)."""
    data = _data(base, "POST", "/api/show", {"model": model})
    return _info({"name": model, **data}, frozenset(data.get("capabilities") or ()))


@dataclass(frozen=True)
class Loaded:
    """A model in memory (`GET /api/ps`)."""

    name: str
    size: int  # bytes in memory, GPU and CPU together
    size_vram: int  # bytes of it on the GPU
    expires_at: datetime | None  # when Ollama unloads it; None when the server did not say
    context_length: int = 0  # tokens of context it was loaded with (`num_ctx`); 0 when not reported

    @property
    def processor(self) -> str:
        """Where it runs, as `ollama ps` says it: '100% GPU', '100% CPU' or '48%/52% CPU/GPU'."""
        if not self.size:
            return ""
        gpu = round(100 * self.size_vram / self.size)
        if gpu >= 100:
            return "100% GPU"
        return "100% CPU" if gpu <= 0 else f"{100 - gpu}%/{gpu}% CPU/GPU"

    def unloads_in(self, now: datetime) -> str:
        """'in 4 min 38 s', 'now', or 'never' for a model kept loaded (keep_alive < 0)."""
        if self.expires_at is None or self.expires_at.year < 2000:
            return "unknown"
        left = (self.expires_at - now).total_seconds()
        if left > NEVER:
            return "never (kept loaded)"
        return f"in {human_duration(left)}" if left >= 1 else "now"


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as Ollama writes it (nanoseconds, any offset); None if it is not one."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def loaded(base: str) -> list[Loaded]:
    """Models in memory now (`GET /api/ps`)."""
    entries = _data(base, "GET", "/api/ps").get("models") or []
    return [
        Loaded(
            e.get("name") or e.get("model", ""),
            int(e.get("size") or 0),
            int(e.get("size_vram") or 0),
            parse_time(e.get("expires_at")),
            int(e.get("context_length") or 0),
        )
        for e in entries
    ]


def unload(base: str, model: str) -> None:
    """Free a model's memory now (a chat request with `keep_alive: 0` and no messages)."""
    _call(base, "POST", "/api/chat", {"model": model, "messages": [], "keep_alive": 0})


def load(base: str, model: str, keep_alive: str | int, timeout: float) -> float:
    """Load a model into memory and keep it there for `keep_alive`; return the seconds it took.

    A chat request with no messages (server/routes.go ChatHandler: the model is scheduled, then the answer
    is `done_reason: "load"` with no durations, so the time is measured here). `timeout` bounds the wait:
    a cold load of a large model takes tens of seconds.
    """
    began = time.monotonic()
    _call(base, "POST", "/api/chat", {"model": model, "messages": [], "keep_alive": keep_alive}, timeout)
    return time.monotonic() - began


def delete(base: str, model: str) -> None:
    """Unload a model, then remove it and its files (`DELETE /api/delete`).

    Ollama's delete never touches a loaded model (server/routes.go DeleteHandler): it would stay listed
    in memory, and unloading it afterwards fails, since its manifest is gone. Unloading first frees it.
    """
    try:
        unload(base, model)
        _call(base, "DELETE", "/api/delete", {"model": model})
    except ModelNotFound:
        raise ModelNotFound(f"`{model}` is not installed on {base} (already removed?).", status=404) from None


# Progress lines can pause while Ollama verifies a large download's checksum: wait minutes, not seconds.
PULL_TIMEOUT = 300.0
NETWORK_WORDS = (
    "dial tcp",
    "no such host",
    "connection refused",
    "connection reset",
    "max retries exceeded",
    "i/o timeout",
    "tls handshake",
    "network is unreachable",
)


def pull(base: str, model: str) -> Generator[PullProgress, None, None]:
    """Stream `POST /api/pull` progress up to "success"; raise `LLMError` for a missing model or a failure."""
    check_base(base)
    status = ""
    try:
        with rest.opened(
            "POST", base.rstrip("/") + "/api/pull", {"model": model, "stream": True}, timeout=PULL_TIMEOUT
        ) as response:
            if not 200 <= response.status < 300:
                answer = rest.Response(response.status, response.read())
                if answer.status == 401:
                    raise ollama_signin_needed(model, base, _signin_url(answer))
                raise pull_error(model, _detail(answer), response.status)
            for line in response:
                if not line.strip():
                    continue
                data = json.loads(line)
                if "error" in data:
                    raise pull_error(model, str(data["error"]))
                status = data.get("status", "")
                yield PullProgress(
                    status,
                    data.get("digest", ""),
                    int(data.get("total") or 0),
                    int(data.get("completed") or 0),
                )
    except rest.Unreachable:
        raise ollama_unreachable(base) from None
    except rest.NO_ANSWER as exc:
        raise _broken(model, base, type(exc).__name__) from None
    except json.JSONDecodeError:
        raise _broken(model, base, "a garbled progress line") from None
    if status != "success":
        raise _broken(model, base, "the stream ended early")


def _broken(model: str, base: str, reason: str) -> ServerError:
    return ServerError(
        f"The pull of `{model}` broke off: the connection to Ollama at {base} was lost "
        f"({reason}). Press Pull to resume; Ollama keeps what it already downloaded."
    )


def pull_error(model: str, detail: str, status: int | None = None) -> LLMError:
    """Map Ollama's words for a failed pull to a message that says what to do."""
    lowered = detail.lower()
    if "file does not exist" in lowered or "not found" in lowered:
        return ModelNotFound(
            f"`{model}` does not exist in the Ollama library ({detail}). Check the name on "
            "ollama.com/library, e.g. `qwen3:8b`.",
            status=404,
        )
    if any(word in lowered for word in NETWORK_WORDS):
        return ServerUnreachable(
            f"Ollama could not download `{model}`: the network failed ({detail}). "
            "Check this machine's internet connection, then press Pull again to resume.",
            status=status,
        )
    if status is not None and status < 500:
        return BadRequest(f"Ollama rejected the pull of `{model}`: {detail}", status=status)
    return ServerError(f"Pulling `{model}` failed: {detail}", status=status)
