"""One streaming API for every provider: typed events, retries before the first token, timeouts."""

from __future__ import annotations

import asyncio
import collections
import random
import time
from collections.abc import AsyncIterator
from typing import Any

from llm import ollama_chat, runtime, servers
from llm.chunks import Chunk, from_litellm
from llm.context import conversation_tokens
from llm.errors import LLMError, StreamBroken, TimedOut, translate
from llm.events import Event, Stats
from llm.models import PROVIDERS
from llm.request import ChatRequest, Limits, request_kwargs
from llm.think_tags import ThinkSplitter


def backoff_delay(attempt: int, limits: Limits) -> float:
    """Exponential backoff with full jitter around the nominal delay."""
    nominal = min(limits.backoff_cap, limits.backoff * 2**attempt)
    return nominal * random.uniform(0.5, 1.5)


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
    native = PROVIDERS[target.provider].native
    where = target.base_url  # with several Ollama servers: the one this attempt went to
    pool = servers.pool_for(where) if native else None

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
        opening = asyncio.ensure_future(_open(kwargs, native=native))
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
    ahead: _ReadAhead | None = None
    try:
        stalled = StreamBroken(
            f"The server stopped sending for {limits.stall:.0f} s. What arrived is kept; "
            "press Regenerate to try again."
        )
        ahead = _ReadAhead(stream)
        chunk = first
        while chunk is not None:
            chunk = chunk if isinstance(chunk, Chunk) else from_litellm(chunk, stream)
            if chunk.reasoning_tokens is not None:
                count = PROVIDERS[target.provider].thinking_count
                stats.reasoning_exact = count == "server" or (count == "sent" and not chunk.reasoning_derived)
            for event in _chunk_events(chunk, splitter, stats, req.show_thinking):
                yield event
            arrived, began = ahead.arrived(), time.monotonic()
            while arrived is None:  # nothing yet: wait, saying so now and then, up to the stall limit
                arrived = await ahead.within(limits.notice_every)
                waited = time.monotonic() - began
                if arrived is None and waited >= limits.stall:
                    raise stalled
                if arrived is None and stats.finish_reason is None:  # after the last text: litellm's own work
                    yield Event("waiting", text=f"Waiting for the server… {waited:.0f} s")
            chunk, failed = arrived
            if failed is not None:
                raise failed
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
        if ahead is not None:
            await ahead.stop()  # before closing the stream: it may be reading it
        await _close(stream)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _ReadAhead:
    """A stream's chunks, read as they come by a task of their own. A chunk that has arrived is taken at once;
    waiting for one costs a future and a timer, not a task of its own per chunk (bench/tokens.py)."""

    def __init__(self, stream: Any) -> None:
        self._arrived: collections.deque[tuple[Any, BaseException | None]] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._task = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: Any) -> None:
        while True:
            try:
                chunk = await _next(stream)
            except Exception as exc:
                self._put((None, exc))
                return
            self._put((chunk, None))
            if chunk is None:
                return

    def _put(self, item: tuple[Any, BaseException | None]) -> None:
        self._arrived.append(item)
        if self._waiter is not None:
            _wake(self._waiter)

    def arrived(self) -> tuple[Any, BaseException | None] | None:
        """The next chunk (None at the end) and the failure that ended the stream, if they have arrived."""
        return self._arrived.popleft() if self._arrived else None

    async def within(self, seconds: float) -> tuple[Any, BaseException | None] | None:
        """As `arrived`, waiting up to `seconds` for it."""
        if not self._arrived:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(seconds, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        return self.arrived()

    async def stop(self) -> None:
        if not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task})


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
