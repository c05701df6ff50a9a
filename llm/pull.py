"""Progress of an Ollama pull across its layers: bytes done, total, speed and time left."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from llm.models import human_bytes

SPEED_WINDOW = 5.0  # seconds of recent progress the speed is measured over


@dataclass(frozen=True)
class PullProgress:
    """One progress line of Ollama's `POST /api/pull`."""

    status: str
    digest: str = ""
    total: int = 0
    completed: int = 0


@dataclass(frozen=True)
class Suggestion:
    name: str
    about: str
    download: str


SUGGESTIONS = (
    Suggestion("gpt-oss:20b", "OpenAI's open-weight reasoner: thinking effort low, medium, high.", "14 GB"),
    Suggestion("qwen3:8b", "Qwen 3, 8B: thinking that can be switched on or off.", "5.2 GB"),
    Suggestion("deepseek-r1:8b", "DeepSeek-R1 distilled to 8B: thinks before every answer.", "5.2 GB"),
    Suggestion("qwen3:0.6b", "The smallest Qwen 3 with thinking: a quick first try.", "523 MB"),
)


def human_duration(seconds: float) -> str:
    """'under 1 s', '45 s', '4 min 38 s', '2 h 5 min'."""
    if seconds < 1:
        return "under 1 s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@dataclass(frozen=True)
class Snapshot:
    """Where a pull stands after one progress line."""

    status: str
    done: int = 0  # bytes on disk over every layer seen so far
    total: int = 0  # bytes of every layer seen so far (layers are announced as their download starts)
    speed: float | None = None  # bytes per second over the last few seconds
    elapsed: float = 0.0
    fetched: int = 0  # bytes downloaded by this pull (layers already on disk excluded)

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left for the layers known so far, at the current speed."""
        return (self.total - self.done) / self.speed if self.speed else None

    @property
    def finished(self) -> bool:
        return self.status == "success"

    def label(self) -> str:
        """'Pulling 3a4b5c6d7e8f · 1.2 GB of 13.8 GB · 45.3 MB/s · 4 min 38 s left'."""
        parts = [self.status[:1].upper() + self.status[1:]]
        if self.total:
            parts.append(f"{human_bytes(self.done)} of {human_bytes(self.total)}")
        if self.speed and not self.finished and self.done < self.total:
            parts.append(f"{human_bytes(self.speed)}/s")
            parts.append(f"{human_duration(self.eta or 0)} left")
        return " · ".join(parts)

    def summary(self, model: str) -> str:
        """One line for a finished pull."""
        if not self.fetched:
            return f"`{model}` is up to date: all {human_bytes(self.total)} were already on disk."
        rate = f", {human_bytes(self.fetched / self.elapsed)}/s on average" if self.elapsed >= 1 else ""
        return (
            f"Pulled `{model}` ({human_bytes(self.total)}): {human_bytes(self.fetched)} downloaded "
            f"in {human_duration(self.elapsed)}{rate}."
        )


class PullTracker:
    """Folds a pull's progress lines into `Snapshot`s; the caller passes the clock (monotonic seconds)."""

    def __init__(self, started: float, window: float = SPEED_WINDOW) -> None:
        self.started = started
        self.window = window
        self.layers: dict[str, tuple[int, int]] = {}  # digest -> (completed, total)
        self.fetched = 0
        self.samples: deque[tuple[float, int]] = deque([(started, 0)])
        self.snapshot = Snapshot("starting")

    def update(self, progress: PullProgress, now: float) -> Snapshot:
        if progress.digest:
            previous = self.layers.get(progress.digest)
            if previous is not None:  # a layer's first line may report bytes already on disk: not speed
                self.fetched += max(progress.completed - previous[0], 0)
            self.layers[progress.digest] = (progress.completed, progress.total)
        self.samples.append((now, self.fetched))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()
        first_time, first_bytes = self.samples[0]
        span = now - first_time
        speed = (self.fetched - first_bytes) / span if span > 0 else None
        self.snapshot = Snapshot(
            status=progress.status,
            done=sum(done for done, _ in self.layers.values()),
            total=sum(total for _, total in self.layers.values()),
            speed=speed or None,
            elapsed=now - self.started,
            fetched=self.fetched,
        )
        return self.snapshot
