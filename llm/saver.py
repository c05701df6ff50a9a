"""Writes to a `Store` from one background thread, so drawing and streaming never wait on the database.

The store may be handed over unopened, as a function that opens it: it is then opened by `open_soon` on a
thread of its own (SQLAlchemy imported, the schema made), or by whoever needs it first, and `ready` says
when that is done, so a page can be drawn before it is.

Writes keep the order they were first queued in. A turn queued again before it was written is written
once, as it is at its latest. When the database fails, everything stays queued, `problem` says why, and
the writes are retried with a growing pause until they succeed.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from llm.conversation import Turn
from llm.errors import StoreError

if TYPE_CHECKING:  # the store's module loads SQLAlchemy: an unopened store does not need it yet
    from llm.store import Store

Write = Callable[["Store"], object]
FIRST_PAUSE, LAST_PAUSE = 1.0, 15.0


def snapshot(turn: Turn) -> Turn:
    """A copy of the turn as it is now (its strings are immutable, so this is cheap)."""
    stats = copy.copy(turn.stats) if turn.stats else None
    return dataclasses.replace(turn, stats=stats, settings=dict(turn.settings))


class Saver:
    # A streaming reply is queued at every page update; it is written once a second at most (each write
    # costs the process's CPU that the sessions share: bench/sessions.py); `flush` writes at once.
    def __init__(self, store: Store | Callable[[], Store], interval: float = 1.0) -> None:
        """`store`, or a function that opens it (see the module's docstring)."""
        self._store: Store | None = None if callable(store) else store
        self._open: Callable[[], Store] | None = store if callable(store) else None
        self._opening = threading.Lock()
        self.ready = threading.Event()  # the store is open and its schema made (or failed to be)
        self._wanted = threading.Event()
        self._open_begun = False
        if self._store is not None:
            self.ready.set()
        self.interval = interval
        self.problem: str | None = None
        self.written = 0  # writes done so far: a reader's cached copy older than this may be stale
        self._pending: dict[Hashable, Write] = {}  # insertion order is the order of writing
        self._busy = False  # a batch taken from _pending is being written
        self._hurry = False  # someone waits in `flush`: no pause before the next write
        self._closed = False
        self._keys = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> Store:
        """The store, opened here if no one has opened it yet (waiting for `open_soon` if it is opening)."""
        if self._store is None:
            with self._opening:
                if self._store is None:
                    assert self._open is not None
                    self._store = self._open()
                    self._wanted.set()  # a pending `open_soon` need not wait any longer
        return self._store

    def open_soon(self, after: float = 0.0) -> None:
        """Open the store and make its schema on a thread of its own, `after` seconds from now (at once if
        a read or a write opens it first); `ready` is set when that is done. Once only."""
        with self._changed:
            if self._open_begun or self.ready.is_set():
                return
            self._open_begun = True
        threading.Thread(target=self._open_now, args=(after,), name="history-open", daemon=True).start()

    def _open_now(self, after: float) -> None:
        self._wanted.wait(after)
        try:
            with contextlib.suppress(StoreError):  # met again by the first read or write, which says why
                self.store.schema_version()  # opening it makes the schema
        finally:
            self.ready.set()

    def put_turn(self, owner: str, chat_id: str, turn: Turn, settings: dict[str, str] | None = None) -> None:
        """Queue the turn as it is now; a later call for the same turn replaces this one if still queued."""
        saved, chosen = snapshot(turn), dict(settings) if settings is not None else None
        self.put(lambda store: store.save_turn(owner, chat_id, saved, chosen), key=("turn", chat_id, turn.id))

    def put(self, write: Write, key: Hashable | None = None) -> None:
        """Queue `write(store)`; with a `key`, it replaces a queued write of the same key in its place.

        Whatever `write` reads must not change afterwards: pass copies.
        """
        with self._changed:
            if self._closed:
                return
            self._pending[next(self._keys) if key is None else key] = write
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="history-saver", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False if it is not done within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._hurry = True
            self._changed.notify_all()
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def close(self, timeout: float = 5.0) -> bool:
        """Write what is queued (waiting up to `timeout`), then stop the thread; True if nothing was left."""
        written = self.flush(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        return written

    def _run(self) -> None:
        if self._store is None:
            # Opening it loads SQLAlchemy, holding the interpreter while the page that queued this sends its
            # request (bench/first_reply.py): the first write waits a pause, as every later one does.
            self._sleep(self.interval)
        pause = FIRST_PAUSE
        while True:
            with self._changed:
                while not self._pending and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                batch, self._pending, self._busy = list(self._pending.items()), {}, True
                self._hurry = False
            failed = self._write(batch)
            with self._changed:
                self._busy = False
                if failed:
                    # what was queued meanwhile is newer: it wins, in the failed write's place
                    self._pending = {**dict(failed), **self._pending}
                self._changed.notify_all()
            if failed:
                self._sleep(pause)
                pause = min(pause * 2, LAST_PAUSE)
            else:
                pause = FIRST_PAUSE
                self._sleep(self.interval)

    def _write(self, batch: list[tuple[Hashable, Write]]) -> list[tuple[Hashable, Write]]:
        """Write in order; what is left from the first write that failed (to be retried)."""
        for done, (_key, write) in enumerate(batch):
            try:
                write(self.store)
            except StoreError as exc:
                if exc.retryable:
                    self.problem = f"{exc} Retrying."
                    return batch[done:]
                self.problem = str(exc)  # never written, whatever the retries: dropped
                continue
            except Exception as exc:  # a bug: retrying would not help, and must not hold back later writes
                self.problem = f"A change to the history was not saved ({type(exc).__name__}: {exc})."
                continue
            self.problem = None
            self.written += 1
        return []

    def _sleep(self, seconds: float) -> None:
        """Wait, unless the saver is closed or flushed first."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._hurry, seconds)
