"""One background event loop for all async work, and litellm loaded off the first page draw.

Streamlit scripts are synchronous; the pages hand coroutines and async generators to this loop.
A single long-lived loop keeps litellm's cached HTTP clients valid between replies.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from concurrent.futures import Future
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_litellm: Future[ModuleType] | None = None


def loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="llm-loop", daemon=True).start()
        return _loop


def _import_litellm() -> ModuleType:
    # Without this, an offline machine spends ~6 s retrying a download of litellm's price table.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # a provider that lacks a field (e.g. temperature on o-series) ignores it
    return litellm


def preload() -> None:
    """Start importing litellm in a background thread (1.5 to 5 s) so the first draw does not wait."""
    global _litellm
    with _lock:
        if _litellm is None:
            _litellm = Future()
            threading.Thread(target=_resolve, args=(_litellm,), name="litellm-import", daemon=True).start()


def _resolve(fut: Future[ModuleType]) -> None:
    try:
        fut.set_result(_import_litellm())
    except BaseException as exc:
        fut.set_exception(exc)


def litellm() -> ModuleType:
    """litellm, waiting for the background import if it is still running."""
    preload()
    assert _litellm is not None
    return _litellm.result()


def run(coro: Awaitable[T], timeout: float | None = None) -> T:
    """Run a coroutine on the shared loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(_await(coro), loop()).result(timeout)


async def _await(aw: Awaitable[T]) -> T:
    return await aw


def iterate(agen: AsyncIterator[T]) -> Iterator[T]:
    """Drive an async generator from synchronous code; closing this iterator closes the generator."""
    try:
        while True:
            try:
                yield run(agen.__anext__())
            except StopAsyncIteration:
                return
    finally:
        aclose: Any = getattr(agen, "aclose", None)
        if aclose is not None:
            run(aclose(), timeout=10)
