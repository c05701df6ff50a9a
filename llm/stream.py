"""One streaming API for every provider: typed events, retries before the first token, timeouts."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from llm import images, keep_alive, ollama_chat, runtime, servers
from llm.chunks import Chunk, from_litellm
from llm.context import conversation_tokens
from llm.errors import LLMError, MissingKey, StreamBroken, TimedOut, translate
from llm.events import Event, Stats
from llm.models import DEFAULT_OLLAMA_BASE, PROVIDERS, env_key
from llm.think_tags import ThinkSplitter
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
        if self.provider == "ollama":
            return self.api_base or DEFAULT_OLLAMA_BASE
        return self.api_base

    @property
    def litellm_model(self) -> str:
        return PROVIDERS[self.provider].prefix + self.model

    @property
    def needs_litellm(self) -> bool:
        """Whether a reply loads litellm: any provider but Ollama, and the Router over several Ollamas."""
        return self.provider != "ollama" or servers.is_pool(self.base_url)


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


def backoff_delay(attempt: int, limits: Limits) -> float:
    """Exponential backoff with full jitter around the nominal delay."""
    nominal = min(limits.backoff_cap, limits.backoff * 2**attempt)
    return nominal * random.uniform(0.5, 1.5)


def request_kwargs(req: ChatRequest, limits: Limits) -> dict[str, Any]:
    """Everything passed to `litellm.acompletion` for this request."""
    import httpx

    target = req.target
    provider = PROVIDERS[target.provider]
    native = target.provider == "ollama"
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
    if target.provider == "ollama" and req.num_ctx:
        kwargs["num_ctx"] = req.num_ctx  # into `options` on /api/chat (llm/ollama_chat.py)
    if target.provider == "ollama" and req.keep_alive:
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


async def stream_chat(req: ChatRequest, limits: Limits = Limits()) -> AsyncIterator[Event]:
    """Stream one reply as events. Always ends with a `done` event; failures arrive as an `error` event."""
    stats = Stats(max_tokens=req.max_tokens, context_size=req.num_ctx)
    stats.prompt_estimate = conversation_tokens(req.messages, req.system)
    try:
        async for event in _stream(req, limits, stats):
            yield event
    finally:
        stats.end()
    yield Event("done", stats=stats)


async def _stream(req: ChatRequest, limits: Limits, stats: Stats) -> AsyncIterator[Event]:
    target = req.target
    key_var = PROVIDERS[target.provider].key_var
    where = target.base_url  # with several Ollama servers: the one this attempt went to
    pool = servers.pool_for(where) if target.provider == "ollama" else None

    def to_error(exc: BaseException, started: bool) -> LLMError:
        return translate(
            exc,
            provider=target.provider,
            model=target.model,
            base_url=where,
            key_var=key_var,
            started=started,
        )

    try:
        kwargs = request_kwargs(req, limits)
    except LLMError as refused:
        yield Event("error", text=str(refused), error=refused)
        return
    stream: Any = None
    first: Any = None
    for attempt in range(limits.retries + 1):
        if pool is not None:  # litellm's Router chooses among the servers not cooling down
            where = kwargs["api_base"] = stats.server = await pool.pick(target.model)
        opening = asyncio.ensure_future(_open(kwargs, native=target.provider == "ollama"))
        try:
            async for event in _watch(
                opening,
                limits.notice_every,
                limits.first_token,
                "Loading model…",
                _first_token_timeout(limits),
            ):
                yield event
            stream, first = opening.result()
            break
        except Exception as exc:
            err = to_error(exc, started=False)
            elsewhere = pool is not None and where is not None and pool.failed(target.model, where, err)
            if not err.retryable or attempt == limits.retries:
                yield Event("error", text=str(err), error=err)
                return
            delay = 0.0 if elsewhere else backoff_delay(attempt, limits)  # another server: no wait
            stats.retries += 1
            then = "trying another server" if elsewhere else f"retrying in {delay:.1f} s"
            yield Event("retry", text=f"{err.title}: {then} ({attempt + 1}/{limits.retries})")
            await asyncio.sleep(delay)
        finally:
            if not opening.done():
                opening.cancel()
    stats.first_byte = stats.first_byte or time.monotonic()
    splitter = ThinkSplitter()
    try:
        stalled = StreamBroken(
            f"The server stopped sending for {limits.stall:.0f} s. What arrived is kept; "
            "press Regenerate to try again."
        )
        chunk = first
        while chunk is not None:
            chunk = chunk if isinstance(chunk, Chunk) else from_litellm(chunk, stream)
            if chunk.reasoning_tokens is not None:
                count = PROVIDERS[target.provider].thinking_count
                stats.reasoning_exact = count == "server" or (count == "sent" and not chunk.reasoning_derived)
            for event in _chunk_events(chunk, splitter, stats, req.show_thinking):
                yield event
            step = asyncio.ensure_future(_next(stream))
            try:
                async for event in _watch(
                    step, limits.notice_every, limits.stall, "Waiting for the server…", stalled
                ):
                    if stats.finish_reason is None:  # after the last text, litellm's bookkeeping is no stall
                        yield event
            finally:
                if not step.done():
                    step.cancel()
            chunk = step.result()
        for event in _held_back(splitter, stats, req.show_thinking):  # a stream that ends without finishing
            yield event
        if stats.finish_reason is None:
            cut = StreamBroken(
                "The reply was cut off: the server closed the stream without saying the reply was complete "
                "(a failure on its side). What arrived is kept; press Regenerate to try again."
            )
            yield Event("error", text=str(cut), error=cut)
    except Exception as exc:
        err = to_error(exc, started=True)
        yield Event("error", text=str(err), error=err)
    finally:
        await _close(stream)


async def _open(kwargs: dict[str, Any], native: bool) -> tuple[Any, Any]:
    """Send the request and wait for its first chunk (a generator raises only at its first `next`).

    Ollama is read natively (`llm.ollama_chat`), every other provider through litellm.
    """
    if native:
        stream: Any = ollama_chat.chat(kwargs)
    else:
        litellm = await asyncio.to_thread(runtime.litellm)
        stream = await litellm.acompletion(**kwargs)
    try:
        first = await stream.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException:
        await _close(stream)
        raise
    return stream, first


def _first_token_timeout(limits: Limits) -> TimedOut:
    err = TimedOut(
        f"No first token after {limits.first_token:.0f} s. The model may be too large to load, or "
        "the server is stuck; raise LLM_FIRST_TOKEN_TIMEOUT or try a smaller model."
    )
    err.retryable = False  # waiting that long again would only double the wait
    return err


async def _watch(
    task: asyncio.Future[Any], every: float, limit: float, label: str, on_timeout: LLMError
) -> AsyncIterator[Event]:
    """Wait for `task`, yielding a `waiting` event every `every` s; raise `on_timeout` after `limit` s.

    The events keep the page drawing while nothing arrives, which is also when Streamlit can act on Stop.
    """
    began = time.monotonic()
    while True:
        done, _ = await asyncio.wait({task}, timeout=every)
        if done:
            task.result()  # re-raises the failure, if any
            return
        waited = time.monotonic() - began
        if waited >= limit:
            task.cancel()
            raise on_timeout
        yield Event("waiting", text=f"{label} {waited:.0f} s")


async def _next(stream: Any) -> Any:
    """The next chunk, or None at the end."""
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return None


async def _close(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception:
        pass


def _chunk_events(chunk: Chunk, splitter: ThinkSplitter, stats: Stats, show_thinking: bool) -> list[Event]:
    events: list[Event | None] = []
    if chunk.reasoning:
        events.append(_text_event("thinking", chunk.reasoning, stats, show_thinking))
    if chunk.content:
        for kind, text in splitter.feed(chunk.content):
            events.append(_text_event(kind, text, stats, show_thinking))
    if chunk.completion_tokens is not None or chunk.prompt_tokens is not None:
        stats.prompt_tokens = chunk.prompt_tokens
        stats.completion_tokens = chunk.completion_tokens
        stats.reasoning_tokens = chunk.reasoning_tokens
        stats.load_seconds = chunk.load_seconds
        events.append(Event("usage", stats=stats))
    if chunk.finish_reason and stats.finish_reason is None:
        # The reply's end as the model sent it. litellm closes its stream only after assembling the whole
        # reply for its own logging (about a second for 8,000 chunks), so `done` comes later: the
        # timings stop here, and the page shows the last text now (see `Event`).
        events.extend(_held_back(splitter, stats, show_thinking))
        stats.finish_reason = chunk.finish_reason
        stats.end()
        events.append(Event("finished", stats=stats))
    return [e for e in events if e is not None]


def _held_back(splitter: ThinkSplitter, stats: Stats, show_thinking: bool) -> list[Event]:
    """The text the splitter held back (what could have begun a tag), now that no more comes."""
    events = (_text_event(kind, text, stats, show_thinking) for kind, text in splitter.flush())
    return [e for e in events if e is not None]


def _text_event(kind: str, text: str, stats: Stats, show_thinking: bool) -> Event | None:
    now = time.monotonic()
    stats.first_token = stats.first_token or now
    if kind == "thinking":
        stats.thinking_started = stats.thinking_started or now
        stats.thinking_chars += len(text)
        return Event("thinking", text=text, stats=stats) if show_thinking else None
    if not text:
        return None
    if stats.thinking_started is not None and stats.thinking_ended is None:
        stats.thinking_ended = now
    stats.answer_chars += len(text)
    return Event("answer", text=text, stats=stats)  # live stats: "Thought for N s" as the answer starts
