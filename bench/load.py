"""A team's load on several Ollama servers: 20 chat sessions at once for 60 s, then a server stopped.

Two loopback Ollamas stream 30 ms a token behind `OLLAMA_API_BASE=A,B`, so every reply goes through
litellm's Router (llm/servers.py). Each session is an AppTest of the app on a thread of its own, all in
this one process as the sessions of one `streamlit run` share it, sending a message as soon as the last
reply ended. Time to first token runs from the message's send to the first thinking word the page
received (`Stats.first_token`, on the same clock), so it covers the page's run, the Router's choice and the
request. Three phases:
1. one session alone, the yardstick;
2. `--sessions` sessions for `--seconds`: every reply completes, both servers get a share within 60/40,
   and the 95th percentile of time to first token stays within 0.2 s of the single session's; then, as
   a reference, the same sessions on server A alone (one address, so no Router) for half as long;
3. the same sessions for `--kill-seconds`, server B stopped a third of the way in (its open streams cut and
   new connections refused, as when the process dies): no reply that had not started is lost; one that
   had started on B ends cut off with what arrived kept.

AppTest installs a runtime of its own for each run and removes it afterwards (`Runtime._instance`), so
sessions on several threads would remove each other's: here they share one, as a server's sessions do.
Twenty browser contexts were tried first: on two shared cores their drawing alone starved the server.

    python -m bench.load [--sessions 20] [--seconds 60] [--kill-seconds 20]
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from bench.common import arguments, verdict
from testkit.fake_ollama import FakeModel, FakeOllama

PACE = 0.03  # seconds a token, a mid-size model on a GPU
MODEL = "qwen3:8b"
ANSWER_TOKENS = 40  # after about ten thinking tokens: 1.5 s a reply at PACE
ENTRY = Path(__file__).resolve().parents[1] / "tests" / "app_entry" / "main.py"
SINGLE_REPLIES = 15


def _share_one_runtime() -> None:
    """One runtime for every AppTest, as one server process has (see the module's docstring)."""
    from streamlit import config
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    shared: Any = MagicMock(spec=Runtime)
    shared.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    shared.dataframe_source_mgr = app_test.DataframeSourceManager()
    shared.cache_storage_manager = MemoryCacheStorageManager()
    Runtime._instance = shared

    class Slot:  # where each AppTest run now puts and removes its own runtime, unread
        _instance: Any = None

    app_test.Runtime = Slot  # type: ignore[misc,assignment]
    # A server compiles each script once for all its sessions; a compile per run on twenty threads also
    # trips CPython 3.11's ast module, which is not thread-safe ("AST constructor recursion depth mismatch").
    scripts = app_test.ScriptCache()
    app_test.ScriptCache = lambda: scripts  # type: ignore[assignment,misc]
    # Each run also sets `global.appTest` and restores it when it ends, under the others' feet: set it once.
    config.set_option("global.appTest", True)
    app_test.patch_config_options = lambda _options: contextlib.nullcontext()  # type: ignore[assignment,return-value]


@dataclass
class Reply:
    first_token: float | None  # seconds from sending to the first thinking word; None if none came
    page: float  # seconds of it before the request left: the page's run up to the stream's start
    server: str | None
    complete: bool
    kept: int  # characters of thinking and answer kept on the page


def _session(name: str, until: float, count: float, out: list[Reply], lock: threading.Lock) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ENTRY), default_timeout=300)
    at.run()
    n = 0
    while time.monotonic() < until and n < count:
        n += 1
        sent = time.monotonic()
        at.chat_input(key="prompt").set_value(f"{name} message {n}").run()
        turn = at.session_state["turns"][-1]
        stats = turn.stats
        first = stats.first_token - sent if stats and stats.first_token else None
        reply = Reply(
            first,
            stats.started - sent if stats else 0.0,
            stats.server if stats else None,
            turn.status == "complete",
            len(turn.content) + len(turn.thinking),
        )
        with lock:
            out.append(reply)
        if n % 15 == 0:  # a new conversation now and then, as people do
            at = AppTest.from_file(str(ENTRY), default_timeout=300)
            at.run()


def _phase(
    sessions: int, seconds: float, count: float = float("inf"), midway: Callable[[], None] | None = None
) -> list[Reply]:
    out: list[Reply] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_session, args=(f"s{i}", until, count, out, lock), daemon=True)
        for i in range(sessions)
    ]
    for thread in threads:
        thread.start()
    if midway is not None:
        time.sleep(seconds / 3)
        midway()
    for thread in threads:
        thread.join()
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def _times(replies: list[Reply]) -> list[float]:
    return sorted(r.first_token for r in replies if r.first_token is not None)


def main() -> None:
    args = arguments(__doc__ or "", 1, sessions=20, seconds=60, kill_seconds=20)
    model = FakeModel(MODEL, ["completion", "thinking"], "qwen3", "8.2B", answer_tokens=ANSWER_TOKENS)
    with FakeOllama([model], token_delay=PACE) as a, FakeOllama([model], token_delay=PACE) as b:
        os.environ.update(
            {
                "OLLAMA_API_BASE": f"{a.url},{b.url}",
                "MODEL_PROVIDER": "ollama",
                "MODEL": MODEL,
                "OLLAMA_THINKING": "on",
                "HISTORY": "off",
            }
        )
        _share_one_runtime()
        print(f"Two loopback Ollamas at {PACE * 1000:.0f} ms a token: A {a.url}, B {b.url}")
        # The first reply after start waits for litellm's import (the Router): not counted.
        base = _single(_phase(1, 3600, SINGLE_REPLIES + 1)[1:])
        a.reset()
        b.reset()
        _loaded(_phase(args.sessions, args.seconds), a, b, base, args.sessions, args.seconds)
        # The reference: the same load on server A alone (one address: no Router), for half as long.
        os.environ["OLLAMA_API_BASE"] = a.url
        alone_server = _phase(args.sessions, args.seconds / 2)
        os.environ["OLLAMA_API_BASE"] = f"{a.url},{b.url}"
        _reference(alone_server, args.seconds / 2)
        a.reset()
        _stopped(_phase(args.sessions, args.kill_seconds, midway=b.stop), a, args.kill_seconds)


def _single(alone: list[Reply]) -> list[float]:
    times = _times(alone)
    print(f"\n1. One session, {len(alone)} replies")
    print(f"  time to first token: median {statistics.median(times):.3f} s, p95 {_p95(times):.3f} s")
    _split(alone)
    return times


def _loaded(
    replies: list[Reply], a: FakeOllama, b: FakeOllama, base: list[float], sessions: int, seconds: int
) -> None:
    shares = len(a.chats()), len(b.chats())
    share_a = shares[0] / max(1, sum(shares))
    times = _times(replies)
    added = _p95(times) - _p95(base)
    done = sum(r.complete for r in replies)
    print(f"\n2. {sessions} sessions at once for {seconds} s")
    print(f"  replies: {len(replies)}, complete: {done}  {verdict(done == len(replies))}")
    print(
        f"  shares: A {shares[0]} ({share_a:.1%}), B {shares[1]} ({1 - share_a:.1%})"
        f"  {verdict(0.4 <= share_a <= 0.6)} (within 60/40)"
    )
    print(
        f"  time to first token: median {statistics.median(times):.3f} s, p95 {_p95(times):.3f} s; "
        f"p95 minus one session's: {added:+.3f} s  {verdict(added <= 0.2)} (within 0.2 s)"
    )
    _split(replies)


def _reference(replies: list[Reply], seconds: float) -> None:
    times = _times(replies)
    done = sum(r.complete for r in replies)
    print(f"\n   Reference: the same sessions for {seconds:.0f} s on server A alone (one address, no Router)")
    print(f"  replies: {len(replies)}, complete: {done}")
    print(f"  time to first token: median {statistics.median(times):.3f} s, p95 {_p95(times):.3f} s")
    _split(replies)


def _split(replies: list[Reply]) -> None:
    page = sorted(r.page for r in replies)
    rest = sorted(r.first_token - r.page for r in replies if r.first_token is not None)
    print(
        f"    of which the page's run before the request: median {statistics.median(page):.3f} s, "
        f"p95 {_p95(page):.3f} s; the request to its first token: median {statistics.median(rest):.3f} s, "
        f"p95 {_p95(rest):.3f} s"
    )


def _stopped(replies: list[Reply], a: FakeOllama, seconds: int) -> None:
    lost = [r for r in replies if not r.complete and r.first_token is None]
    cut = [r for r in replies if not r.complete and r.first_token is not None]
    complete = sum(r.complete for r in replies)
    print(f"\n3. The same sessions for {seconds} s, server B stopped after {seconds / 3:.0f} s")
    print(f"  replies: {len(replies)}, complete: {complete}, served by A: {len(a.chats())}")
    print(f"  lost before their first token: {len(lost)}  {verdict(not lost)}")
    print(
        f"  cut off after their first token (on B as it stopped): {len(cut)}, "
        f"what arrived kept: {sum(bool(r.kept) for r in cut)}  {verdict(all(r.kept for r in cut))}"
    )


if __name__ == "__main__":
    main()
