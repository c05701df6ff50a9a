"""The shared loop: async generators driven from synchronous code; litellm loaded in the background."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from llm import runtime

ROOT = Path(__file__).resolve().parents[1]


async def numbers(
    count: int, cleaned: list[str] | None = None, fail_at: int | None = None
) -> AsyncIterator[int]:
    try:
        for i in range(count):
            if i == fail_at:
                raise ValueError("broken stream")
            yield i
            await asyncio.sleep(0)
    finally:
        if cleaned is not None:
            await asyncio.sleep(0)  # cleanup that needs the loop, as closing an HTTP stream does
            cleaned.append("closed")


def test_batches_hand_over_every_item_in_order() -> None:
    got = list(runtime.batches(numbers(500), lambda: 0.0))
    assert [i for batch in got for i in batch] == list(range(500))
    assert all(got)  # no empty batch


def test_batches_group_what_arrives_within_the_interval() -> None:
    got = list(runtime.batches(numbers(500), lambda: 60.0))
    # the first item is handed over at once; the rest wait for the interval, or for the end (it comes first)
    assert len(got) <= 2 and [i for batch in got for i in batch] == list(range(500))


def test_batches_hand_over_an_urgent_item_at_once() -> None:
    release = threading.Event()

    async def last_then_held() -> AsyncIterator[str]:
        yield "first"
        yield "last"
        await asyncio.to_thread(release.wait, 30)  # the stream stays open after its last text
        yield "closed"

    with closing(runtime.batches(last_then_held(), lambda: 60.0, lambda item: item == "last")) as got:
        items: list[str] = []
        while "last" not in items:
            items += next(got)
        assert items == ["first", "last"]  # not held for the 60 s interval, nor until the stream closes
        release.set()
        assert next(got) == ["closed"]


def test_closing_batches_closes_the_generator_first() -> None:
    cleaned: list[str] = []
    with closing(runtime.batches(numbers(10**9, cleaned), lambda: 0.0)) as batches:
        assert next(batches)[0] == 0
    assert cleaned == ["closed"]


def test_batches_raise_the_generator_error_after_the_items_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="broken stream"):
        for batch in runtime.batches(numbers(10, fail_at=5), lambda: 0.0):
            got += batch
    assert got == [0, 1, 2, 3, 4]


def test_streams_counts_the_streams_being_read_until_each_ends_or_is_closed() -> None:
    before = runtime.streams()  # another test's generator may not be collected yet
    with closing(runtime.batches(numbers(10**9), lambda: 0.0)) as first:
        next(first)
        assert runtime.streams() == before + 1
        with closing(runtime.iterate(numbers(10**9))) as second:
            next(second)
            assert runtime.streams() == before + 2
        assert runtime.streams() == before + 1
    assert runtime.streams() == before
    with pytest.raises(ValueError, match="broken stream"):
        list(runtime.batches(numbers(10, fail_at=5), lambda: 0.0))
    assert runtime.streams() == before


def test_iterate_hands_over_items_one_by_one() -> None:
    assert list(runtime.iterate(numbers(5))) == [0, 1, 2, 3, 4]


def test_litellm_needed_now_does_not_wait_for_a_deferred_preload() -> None:
    # A fresh interpreter, so no earlier test has imported litellm already.
    code = "from llm import runtime; runtime.preload(after=3600); print(runtime.litellm().__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.stdout.strip() == "litellm", done.stderr


def test_a_preload_for_ollama_alone_warms_its_client_and_leaves_litellm_unloaded() -> None:
    """litellm's import holds the interpreter for seconds: an Ollama reply never needs it."""
    code = (
        "import sys, threading\n"
        "from llm import ollama_chat, runtime\n"
        "runtime.preload(litellm=False, after=0)\n"
        "[t.join() for t in threading.enumerate() if t.name == 'ollama-warm']\n"
        "print('litellm' in sys.modules, len(ollama_chat._clients))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.split() == ["False", "1"], done.stderr
