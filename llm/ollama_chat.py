"""Ollama's native `/api/chat`, read line by line: raw text, the server's finish and its token counts.

Every Ollama chat comes here. `/api/chat` is the endpoint that honours `options.num_ctx` and the
model's own sampling defaults (Ollama's `/v1` can set no window and forces top_p 1.0 and temperature
1.0: openai/openai.go). litellm's `ollama_chat/` parser removes inline `<think>` tags and passes the
thinking on as answer text (the closing tag's chunk vanishes), so the text is read here as the server
sent it and `ThinkSplitter` finds the tags. Reading the lines directly also skips litellm's per-chunk
work and its assembly of the whole reply before a stream ends (bench/tokens.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import weakref
from collections.abc import AsyncIterator
from typing import Any

from llm.chunks import Chunk

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


class OllamaHTTPError(Exception):
    """An error answer from Ollama, with its status and body as litellm's errors carry them.

    `errors.translate`, the one boundary for provider errors, maps it like any other by its status and
    the server's words; a mid-stream `{"error": …}` line has no status.
    """

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The `/api/chat` body for the fields `request.request_kwargs` prepared (litellm's names)."""
    options: dict[str, Any] = {}
    if kwargs.get("temperature") is not None:
        options["temperature"] = kwargs["temperature"]
    if kwargs.get("max_tokens"):
        options["num_predict"] = kwargs["max_tokens"]
    if kwargs.get("num_ctx"):
        options["num_ctx"] = kwargs["num_ctx"]
    out: dict[str, Any] = {
        "model": str(kwargs["model"]).split("/", 1)[1],
        "messages": kwargs["messages"],
        "stream": True,
    }
    if options:
        out["options"] = options
    if "think" in kwargs:
        out["think"] = kwargs["think"]
    if "keep_alive" in kwargs:
        out["keep_alive"] = kwargs["keep_alive"]
    return out


def _client() -> Any:
    """One HTTP client per event loop (a client's connections belong to the loop that made them)."""
    import httpx

    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = httpx.AsyncClient()
    return client


async def warm() -> None:
    """Make this loop's client before the first reply needs it (loading its TLS context takes a while);
    nothing is sent."""
    _client()


async def chat(kwargs: dict[str, Any]) -> AsyncIterator[Chunk]:
    """Stream one reply. Raises `OllamaHTTPError` for an error answer or an error line."""
    headers = {}
    if key := os.environ.get("OLLAMA_API_KEY"):  # as litellm's ollama_chat route sends it
        headers["Authorization"] = f"Bearer {key}"
    url = str(kwargs["api_base"]).rstrip("/") + "/api/chat"
    request = _client().stream("POST", url, json=body(kwargs), headers=headers, timeout=kwargs["timeout"])
    async with request as response:
        if response.status_code >= 400:
            raise OllamaHTTPError((await response.aread()).decode(errors="replace"), response.status_code)
        async for line in response.aiter_lines():
            if line.strip():
                yield _chunk(json.loads(line))


def _chunk(data: dict[str, Any]) -> Chunk:
    if "error" in data:
        raise OllamaHTTPError(str(data["error"]))
    message = data.get("message") or {}
    if data.get("done") is not True:
        return Chunk(content=message.get("content") or "", reasoning=message.get("thinking") or "")
    return Chunk(
        content=message.get("content") or "",
        reasoning=message.get("thinking") or "",
        finish_reason=data.get("done_reason") or "stop",
        prompt_tokens=data.get("prompt_eval_count"),
        completion_tokens=data.get("eval_count"),
        load_seconds=_seconds(data.get("load_duration")),
    )


def _seconds(nanoseconds: object) -> float | None:
    """A duration of the done line (nanoseconds) in seconds; None when absent or not a number."""
    if isinstance(nanoseconds, int | float) and not isinstance(nanoseconds, bool) and nanoseconds >= 0:
        return nanoseconds / 1e9
    return None
