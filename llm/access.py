"""Who may use the app when it is shared on a network: the passcode gate and its throttle.

People start the app with `--server.address 0.0.0.0` to let colleagues watch. Any visitor could then point
the server at any URL (the Ollama URL box makes the server fetch it) and spend the keys in `.env`. So an
app listening anywhere but this machine's own loopback address asks for `APP_PASSCODE` first (unless
`APP_OPEN=true` says its owner chose an open server), and takes server addresses and keys from `.env` only.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# The addresses that keep a server on this machine. Anything else counts as shared, even another
# 127.x.y.z: tests bind 127.0.0.2 to stand in for a LAN address, and nobody types it to stay local.
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
TRUE = frozenset({"1", "true", "yes", "on"})
LOCAL = "local"  # whose history it is when Streamlit's login is not configured: the person at this machine


@dataclass(frozen=True)
class Access:
    """How this server may be used, from its listening address and the environment."""

    address: str
    shared: bool  # listening beyond this machine: addresses and keys come from .env only
    passcode: str  # "" when none is asked (local, or open by the owner's choice)
    problem: str | None = None  # set when the app must not serve at all

    @property
    def gated(self) -> bool:
        return bool(self.passcode)


def shared(address: str | None) -> bool:
    """Whether a server bound to `address` can be reached from other machines (no address: all of them)."""
    return (address or "").strip().lower() not in LOCAL_ADDRESSES


def access(address: str | None, env: Mapping[str, str]) -> Access:
    """The rules for a server at `address` (Streamlit's `server.address`), given `env` (.env included)."""
    where = address or "every network interface"
    if not shared(address):
        return Access(where, False, "")
    passcode = env.get("APP_PASSCODE", "").strip()
    if passcode:
        return Access(where, True, passcode)
    if env.get("APP_OPEN", "").strip().lower() in TRUE:
        return Access(where, True, "")
    return Access(
        where,
        True,
        "",
        f"This app listens on {where}, so other machines can reach it, and no APP_PASSCODE is set. Set "
        "APP_PASSCODE in .env (visitors then type it once), or APP_OPEN=true if you mean the app to be "
        "open to anyone on your network; or start it on 127.0.0.1 to keep it to this machine.",
    )


def matches(given: str, passcode: str) -> bool:
    """Whether `given` is the passcode, compared in constant time (no timing hint of how much matched)."""
    return hmac.compare_digest(given.encode(), passcode.encode())


FREE_TRIES = 5  # wrong passcodes before each further try has to wait
FIRST_WAIT = 2.0  # seconds, doubling with each further failure
LONGEST_WAIT = 300.0


class Throttle:
    """Repeated wrong passcodes from one visitor (one address) wait longer and longer before the next try."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # visitor → (failures, time of the last)

    def wait(self, visitor: str) -> float:
        """Seconds `visitor` must still wait before trying again (0 when they may try now)."""
        with self._lock:
            count, last = self._failures.get(visitor, (0, 0.0))
        if count < FREE_TRIES:
            return 0.0
        delay = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (count - FREE_TRIES))
        return max(0.0, last + delay - self._clock())

    def failed(self, visitor: str) -> None:
        with self._lock:
            count, _ = self._failures.get(visitor, (0, 0.0))
            self._failures[visitor] = (count + 1, self._clock())

    def passed(self, visitor: str) -> None:
        with self._lock:
            self._failures.pop(visitor, None)

    def attempt(self, visitor: str, given: str, passcode: str) -> tuple[bool, float]:
        """Whether `given` opens the app, and if it was not even tried, the seconds left to wait."""
        if (left := self.wait(visitor)) > 0:
            return False, left
        if matches(given, passcode):
            self.passed(visitor)
            return True, 0.0
        self.failed(visitor)
        return False, 0.0
