"""One background event loop for all async work, and litellm loaded off the first page draw.

Streamlit scripts are synchronous; the pages hand coroutines and async generators to this loop.
A single long-lived loop keeps litellm's cached HTTP clients valid between replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from concurrent.futures import Future
from types import ModuleType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_litellm: Future[ModuleType] | None = None
_warmed = False  # the native Ollama client's warm-up has been started
_needed = threading.Event()  # set when litellm is wanted now, cutting the preload's wait short
_streams = 0  # `batches` running in this process: a page reading a stream (`streams`)


def loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="llm-loop", daemon=True).start()
        return _loop


def _import_litellm() -> ModuleType:
    # Without this, an offline machine spends seconds retrying a download of litellm's price table.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # a provider that lacks a field (e.g. temperature on o-series) ignores it
    return litellm


def preload(litellm: bool = True, after: float = 3.0) -> None:
    """Warm what a first reply needs, in background threads, `after` seconds from now.

    The native Ollama client (httpx and its TLS context) always; litellm only when asked, for the
    providers and the Router that need it, imported and its first call warmed. Either, begun while the
    browser still draws the first page, slows that page (bench/startup.py); litellm's import holds the
    interpreter lock and a core for seconds, so a first Ollama message sent while it ran waited for it
    (bench/first_reply.py). A person takes longer than `after` to type a first message; a message sent
    sooner makes the client itself, and `litellm()` starts the import at once.
    """
    global _litellm, _warmed
    with _lock:
        if not _warmed:
            _warmed = True
            threading.Thread(target=_warm_native, args=(after,), name="ollama-warm", daemon=True).start()
        if litellm and _litellm is None:
            _litellm = Future()
            args = (_litellm, after)
            threading.Thread(target=_resolve, args=args, name="litellm-import", daemon=True).start()


def _warm_native(after: float) -> None:
    _needed.wait(after)
    from llm import ollama_chat

    run(ollama_chat.warm())


def _resolve(fut: Future[ModuleType], after: float) -> None:
    _needed.wait(after)
    try:
        litellm = _import_litellm()
    except BaseException as exc:
        fut.set_exception(exc)
        return
    fut.set_result(litellm)
    if _needed.is_set():
        return  # a call is waiting for litellm now: it loads what a warm-up would
    with contextlib.suppress(Exception):  # a warm-up that fails leaves the first call as slow as before
        run(_first_call(litellm), timeout=60)


async def _first_call(litellm: ModuleType) -> None:
    """Make a mock call, sending nothing: litellm's first `acompletion` imports openai's API resources and
    its response bookkeeping lazily, which held up a first reply (bench/first_reply.py measures it)."""
    import openai.resources  # noqa: F401  (imported on the first use of a client's `.chat`)

    message = [{"role": "user", "content": "warm-up"}]
    stream = await litellm.acompletion(
        model="openai/warm-up", messages=message, mock_response="ok", stream=True, api_key="not-sent"
    )
    async for _ in stream:
        pass


def litellm() -> ModuleType:
    """litellm, importing it now or waiting for the background import if it is running."""
    preload(after=0)
    _needed.set()
    assert _litellm is not None
    return _litellm.result()


def litellm_if_loaded() -> ModuleType | None:
    """litellm if its import has finished, else None (without starting or waiting for it)."""
    fut = _litellm
    if fut is None or not fut.done() or fut.exception() is not None:
        return None
    return fut.result()


def run(coro: Awaitable[T], timeout: float | None = None) -> T:
    """Run a coroutine on the shared loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(_await(coro), loop()).result(timeout)


async def _await(aw: Awaitable[T]) -> T:
    return await aw


def iterate(agen: AsyncIterator[T]) -> Generator[T]:
    """Drive an async generator from synchronous code, item by item (see `batches`)."""
    with contextlib.closing(batches(agen, lambda: 0.0)) as parts:
        for part in parts:
            yield from part


class _Pump(Generic[T]):
    """What an async generator produced on the loop, waiting for a synchronous thread to take it."""

    def __init__(self, urgent: Callable[[T], bool]) -> None:
        self._cond = threading.Condition()
        self._items: list[T] = []
        self._urgent = urgent
        self._hurry = False  # an urgent item is waiting
        self._ended = False
        self._error: Exception | None = None

    async def drain(self, agen: AsyncIterator[T]) -> None:
        try:
            async for item in agen:
                with self._cond:
                    self._items.append(item)
                    # Only the first item of a batch or an urgent one can end a wait (see `take`): waking
                    # the taker for each item cost a thread switch per token and slowed the stream's reading.
                    urgent = self._urgent(item)
                    self._hurry = self._hurry or urgent
                    if len(self._items) == 1 or urgent:
                        self._cond.notify()
        except Exception as exc:
            self._error = exc
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify()

    @property
    def error(self) -> Exception | None:
        return self._error

    def take(self, due: float) -> tuple[list[T], bool]:
        """Wait for an item, then until `due` (monotonic), an urgent item or the end; return the items
        and if it ended."""
        with self._cond:
            self._cond.wait_for(lambda: self._items or self._ended)
            self._cond.wait_for(lambda: self._ended or self._hurry, max(0.0, due - time.monotonic()))
            items, self._items, self._hurry = self._items, [], False
            return items, self._ended


def streams() -> int:
    """How many streams this process's pages are reading right now (each `batches` or `iterate`)."""
    return _streams


def _count(change: int) -> None:
    global _streams
    with _lock:
        _streams += change


def batches(
    agen: AsyncIterator[T], interval: Callable[[], float], urgent: Callable[[T], bool] = lambda _: False
) -> Generator[list[T]]:
    """Drive an async generator from synchronous code, handing over what arrived as lists.

    The generator runs ahead on the shared loop. A list is handed over once something has arrived and
    `interval()` seconds have passed since the last one, and at once when an `urgent` item arrives or
    the generator ends, so a fast stream crosses threads a few times a second instead of once per item.
    Closing this iterator closes the generator; an exception it raised is raised here after the items
    before it.
    """
    pump: _Pump[T] = _Pump(urgent)
    task = run(_start(pump.drain(agen)))
    handed = -math.inf
    _count(1)
    try:
        while True:
            items, ended = pump.take(handed + interval())
            if items:
                yield items
                handed = time.monotonic()
            if ended:
                if pump.error is not None:
                    raise pump.error
                return
    finally:
        _count(-1)
        run(_cancel(task), timeout=10)


async def _start(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.ensure_future(coro)


async def _cancel(task: asyncio.Task[None]) -> None:
    """Cancel a task (a no-op once it is done) and wait for its cleanup."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
