"""One prompt, several columns (provider, model, thinking level) streamed at once.

The page only draws: this module fills the columns from presets, merges the columns' streams into one
sequence of (column, Event), folds it into `Turn`s, decides when a column is due for a redraw, and keeps
the runs and the blind vote. The figures over runs are `llm.figures`; the files are `llm.compare_export`.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from llm import runtime
from llm.config import Settings
from llm.conversation import Turn, ends_text
from llm.errors import for_compare
from llm.events import Event
from llm.figures import FIGURES, PHASES, Spread, counted, phases, spreads
from llm.models import PROVIDERS, env_key
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from llm.thinking import LABELS, Level, Style, coerce, levels

T = TypeVar("T")

MIN_COLUMNS, MAX_COLUMNS = 2, 4
LETTERS = "ABCD"
PRESETS = ("Thinking levels", "Models")


@dataclass(frozen=True)
class Column:
    """What one column asks: a target (provider and model) at a thinking level."""

    target: Target
    style: Style = "none"
    level: Level | None = None

    @classmethod
    def at(cls, target: Target, style: Style, wanted: str | None) -> Column:
        """The column at the accepted level nearest to `wanted` (none for a model that cannot think)."""
        return cls(target, style, coerce(style, wanted))


def thinking_levels_preset(target: Target, style: Style) -> list[Column]:
    """The model at each level it accepts; a model that cannot think gets two identical columns."""
    accepted = levels(style)[:MAX_COLUMNS]
    if len(accepted) < MIN_COLUMNS:
        return [Column(target, style)] * MIN_COLUMNS
    return [Column(target, style, level) for level in accepted]


def models_preset(models: Sequence[tuple[Target, Style]], wanted: str | None, size: int = 3) -> list[Column]:
    """The first model and others at one level (each at its nearest accepted level).

    When the first model thinks, other thinking models come before those that cannot. A single model
    fills two columns.
    """
    if not models:
        return []
    first, *others = models
    if levels(first[1]):
        others.sort(key=lambda model: not levels(model[1]))
    picked = [first, *others][: min(size, MAX_COLUMNS)]
    columns = [Column.at(target, style, wanted) for target, style in picked]
    return columns + [columns[-1]] * (MIN_COLUMNS - len(columns))


def column_providers(current: str, settings: Settings) -> list[str]:
    """Providers a column can use with no more input: the sidebar's, Ollama, and those with a key or URL."""

    def ready(provider: str) -> bool:
        spec = PROVIDERS[provider]
        if spec.needs_base_url:
            return bool(settings.base_for(provider))
        return not spec.key_var or bool(env_key(provider))

    return [p for p in PROVIDERS if p == current or ready(p)]


def column_target(provider: str, model: str, current: Target, settings: Settings) -> Target:
    """Where a column's request goes: the sidebar's URL and key for its provider, else the environment's."""
    if provider == current.provider:
        return Target(provider, model, current.api_base, current.api_key)
    return Target(provider, model, settings.base_for(provider) or None)


async def merge(
    streams: Sequence[AsyncIterator[T]], halt: asyncio.Event | None = None
) -> AsyncIterator[tuple[int, T]]:
    """Run the streams at once and yield their items tagged by position, as they arrive.

    Setting `halt`, or closing the merged stream, cancels and closes every stream still running.
    """
    queue: asyncio.Queue[tuple[int, T | _End]] = asyncio.Queue()

    async def pump(index: int, stream: AsyncIterator[T]) -> None:
        try:
            async for item in stream:
                queue.put_nowait((index, item))
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
            queue.put_nowait((index, _END))

    async def relay_halt(event: asyncio.Event) -> None:
        await event.wait()
        queue.put_nowait((_HALTED, _END))

    pumps = [asyncio.ensure_future(pump(i, stream)) for i, stream in enumerate(streams)]
    tasks = [*pumps, *([asyncio.ensure_future(relay_halt(halt))] if halt else [])]
    try:
        running = len(pumps)
        while running:
            index, item = await queue.get()
            if index == _HALTED:
                return
            if isinstance(item, _End):
                running -= 1
                await pumps[index]  # a stream that raised raises here
                continue
            yield index, item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _End:
    """Marks the end of one merged stream."""


_END = _End()
_HALTED = -1


def redraws(
    events: Iterable[tuple[int, Event]],
    turns: Sequence[Turn],
    interval: float = 0.25,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[int]:
    """Yield a column's index when it is due for a redraw; `turns` already hold the events.

    Streamlit re-sends a block's whole text at each update, so a column is redrawn at most once per
    `interval` for new text; its first answer text, a retry and its last text (`ends_text`) are drawn
    at once. Columns with changes not drawn yet are yielded at the end.
    """
    last: dict[int, float] = {}
    dirty: set[int] = set()
    for index, event in events:
        first_answer = event.kind == "answer" and turns[index].content == event.text
        urgent = first_answer or event.kind == "retry" or ends_text(event)
        dirty.add(index)
        now = clock()
        for column in sorted(dirty):
            if (column == index and urgent) or now - last.get(column, -math.inf) >= interval:
                dirty.discard(column)
                last[column] = now
                yield column
    yield from sorted(dirty)


def thinking_name(style: Style, level: Level | None) -> str:
    """The level actually sent ('n/a' for a model that cannot think)."""
    sent = coerce(style, level)
    return LABELS[sent] if sent else "n/a"


@dataclass
class Comparison:
    """One prompt asked of several columns, possibly several times, with a blind vote."""

    prompt: str
    requests: list[ChatRequest]
    runs: list[list[Turn]] = field(default_factory=list)
    blind: bool = False
    order: list[int] = field(default_factory=list)  # display position → column; shuffled when blind
    votes: list[int] = field(default_factory=list)
    revealed: bool = False
    stopped: bool = False  # no more runs: Stop, or any click that reran the page, ended the streaming
    _halt: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False, compare=False)
    _idle: threading.Event = field(default_factory=threading.Event, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.order = self.order or list(range(len(self.requests)))
        self.votes = self.votes or [0] * len(self.requests)
        self._idle.set()

    @classmethod
    def start(
        cls,
        prompt: str,
        requests: Sequence[ChatRequest],
        blind: bool = False,
        rng: random.Random | None = None,
    ) -> Comparison:
        order = list(range(len(requests)))
        if blind:
            (rng or random.Random()).shuffle(order)
        return cls(prompt, list(requests), blind=blind, order=order)

    def settings(self, column: int) -> dict[str, str]:
        """Provider, model and thinking level of a column (never the key)."""
        req = self.requests[column]
        return {
            "provider": PROVIDERS[req.target.provider].label,
            "model": req.target.model,
            "thinking": thinking_name(req.style, req.level),
        }

    @property
    def hidden(self) -> bool:
        """Blind and not revealed yet: columns go by letter only."""
        return self.blind and not self.revealed

    @property
    def columns(self) -> range:
        return range(len(self.requests))

    def letter(self, column: int) -> str:
        return LETTERS[self.order.index(column)]

    def name(self, column: int) -> str:
        """'A · gpt-oss:20b · High'."""
        settings = self.settings(column)
        level = f" · {settings['thinking']}" if settings["thinking"] != "n/a" else ""
        return f"{self.letter(column)} · {settings['model']}{level}"

    def label(self, column: int) -> str:
        """The name, or only the letter while hidden."""
        return self.letter(column) if self.hidden else self.name(column)

    def error_text(self, column: int, turn: Turn) -> str:
        """What a failed reply in `column` says: while hidden, only that its letter failed (an error names
        the model, the provider or the server)."""
        if self.hidden:
            return f"Column {self.letter(column)} failed. Why is shown with the settings after the reveal."
        return for_compare(turn.error)

    def new_run(self) -> list[Turn] | None:
        """Empty replies, one per column, for the next run (stream it at once); None once stopped."""
        with self._lock:
            if self.stopped:
                return None
            run = [Turn("assistant", status="streaming", settings=self.settings(i)) for i in self.columns]
            self.runs.append(run)
            self._idle.clear()
            return run

    async def stream(self, limits: Limits) -> AsyncIterator[tuple[int, Event]]:
        """The latest run: every column streamed at once, each event folded into its reply as it arrives.

        Folding happens here, on the event loop, so that `stop` from another thread sees final replies.
        """
        turns = self.runs[-1]
        try:
            async for index, event in merge([stream_chat(req, limits) for req in self.requests], self._halt):
                turns[index].apply(event)
                yield index, event
        finally:
            self._idle.set()

    def stop(self, wait: float = 10.0) -> None:
        """End the comparison's streaming for good and mark replies that were cut off.

        Streamlit starts the next run of the page while the run it interrupted may still be streaming:
        this halts those streams and waits for them, so the page then draws replies that no longer change.
        """
        with self._lock:
            self.stopped = True
        if not self._idle.is_set():
            runtime.loop().call_soon_threadsafe(self._halt.set)
            self._idle.wait(wait)
        for run in self.runs:
            for turn in run:
                turn.stop()

    def replies(self, column: int) -> list[Turn]:
        return [run[column] for run in self.runs]

    def summary(self, column: int) -> dict[str, Spread | None]:
        return spreads(self.replies(column))

    def vote(self, column: int) -> None:
        self.votes[column] += 1

    def reveal(self) -> None:
        self.revealed = True

    @property
    def can_reveal(self) -> bool:
        return self.hidden and sum(self.votes) > 0

    def table(self, named: bool = False) -> list[dict[str, str]]:
        """One row per figure, one cell per column (in display order): median and range."""
        summaries = {i: self.summary(i) for i in self.order}
        heads = {i: self.name(i) if named else self.label(i) for i in self.order}
        return [
            {
                "Figure": f.label,
                **{heads[i]: s.format(f) if (s := summaries[i][f.key]) else "—" for i in self.order},
            }
            for f in FIGURES
        ]

    def chart(self) -> list[dict[str, Any]]:
        """Long-form rows (column, phase, median seconds) for a stacked bar chart of where time went."""
        rows: list[dict[str, Any]] = []
        for i in self.order:
            split = [p for stats in counted(self.replies(i)) if (p := phases(stats))]
            for phase in PHASES:
                if split:
                    rows.append(
                        {
                            "Column": self.label(i),
                            "Phase": phase,
                            "Seconds": statistics.median(p[phase] for p in split),
                        }
                    )
        return rows

    def thinking_chart(self) -> list[dict[str, Any]]:
        """Rows (column, median thinking tokens, its label) for a bar chart of each column's thinking."""
        rows: list[dict[str, Any]] = []
        for i in self.order:
            spread = self.summary(i)["thinking_tokens"]
            if spread is not None:
                count = f"{'≈' if spread.estimated else ''}{spread.median:,.0f}"
                rows.append({"Column": self.label(i), "Thinking tokens": spread.median, "Count": count})
        return rows

    def to_record(self) -> dict[str, Any]:
        """Everything needed to draw this comparison again (for the history), never an API key."""
        return {
            "prompt": self.prompt,
            "requests": [
                {
                    "provider": req.target.provider,
                    "model": req.target.model,
                    "api_base": req.target.api_base,
                    "messages": [dict(m) for m in req.messages],
                    "style": req.style,
                    "level": req.level,
                    "system": req.system,
                    "temperature": req.temperature,
                    "max_tokens": req.max_tokens,
                    "show_thinking": req.show_thinking,
                }
                for req in self.requests
            ],
            "runs": [[turn.as_dict() for turn in run] for run in self.runs],
            "blind": self.blind,
            "order": list(self.order),
            "votes": list(self.votes),
            "revealed": self.revealed,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Comparison:
        """The comparison `to_record` saved, stopped: it starts no more runs."""
        requests = [
            ChatRequest(
                Target(r["provider"], r["model"], r.get("api_base")),
                [dict(m) for m in r.get("messages", [])],
                r.get("style", "none"),
                r.get("level"),
                r.get("system", ""),
                r.get("temperature"),
                r.get("max_tokens"),
                r.get("show_thinking", True),
            )
            for r in record["requests"]
        ]
        comparison = cls(
            record["prompt"],
            requests,
            runs=[[Turn.from_dict(turn) for turn in run] for run in record.get("runs", [])],
            blind=bool(record.get("blind")),
            order=list(record.get("order", [])),
            votes=list(record.get("votes", [])),
            revealed=bool(record.get("revealed")),
        )
        comparison.stopped = True
        return comparison

    def as_dict(self) -> dict[str, Any]:
        """Prompt, shared settings, and per column its settings, votes, every run and the summary."""
        first = self.requests[0]
        columns = []
        for i in self.order:
            column: dict[str, Any] = {"label": self.letter(i), **self.settings(i)}
            if self.blind:
                column["votes"] = self.votes[i]
            column["runs"] = [turn.as_dict() for turn in self.replies(i)]
            column["summary"] = {k: s.as_dict() if s else None for k, s in self.summary(i).items()}
            columns.append(column)
        return {
            "prompt": self.prompt,
            "settings": {
                "system": first.system,
                "temperature": first.temperature,
                "max_tokens": first.max_tokens,
                "runs": len(self.runs),
            },
            "blind": {"revealed": self.revealed} if self.blind else None,
            "columns": columns,
        }
