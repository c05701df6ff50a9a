"""A reply's figures (first token, thinking, tokens, speed…) summed up over repeated runs: median and range,
the lines under a column, and the time split into phases for the chart."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from llm.conversation import Turn
from llm.events import COLD_LOAD, Stats


@dataclass(frozen=True)
class Figure:
    """One figure of a reply, read from `Stats.as_dict()`."""

    key: str
    label: str
    unit: str
    digits: int = 2
    exact: str | None = None  # the key saying whether the figure was counted (True) or estimated

    def format(self, value: float) -> str:
        return f"{value:,.{self.digits}f} {self.unit}"


FIGURES = (
    Figure("first_token_after_load_s", "First token", "s"),  # after the load, so a cold start is no slowness
    Figure("load_s", "Model load", "s", 1),  # Ollama's load_duration: a cold load, not the model's pace
    Figure("wait_s", "Wait for first byte", "s"),  # queueing and model load, apart from generation
    Figure("thinking_s", "Thinking time", "s", 1),
    # reported where the provider counts them, else estimated (≈): Stats.thinking_tokens
    Figure("thinking_tokens", "Thinking tokens", "tokens", 0, exact="thinking_tokens_exact"),
    Figure("completion_tokens", "Output tokens", "tokens", 0),  # thinking and answer, as the server counts
    Figure("generation_s", "Generation time", "s", 1),
    Figure("total_s", "Total time", "s", 1),
    Figure("tokens_per_s", "Speed", "tok/s", 1),
)


@dataclass(frozen=True)
class Spread:
    """Median and range of one figure over runs."""

    median: float
    low: float
    high: float
    runs: int
    estimated: bool = False  # at least one run's figure is an estimate: shown with ≈

    @classmethod
    def of(cls, values: Iterable[float | int | None], estimated: bool = False) -> Spread | None:
        known = [float(v) for v in values if v is not None]
        if not known:
            return None
        return cls(statistics.median(known), min(known), max(known), len(known), estimated)

    def format(self, figure: Figure) -> str:
        """'1.23 s', or '1.23 s (1.10 to 1.40, 5 runs)' over several runs; '≈310 tokens' when estimated."""
        text = ("≈" if self.estimated else "") + figure.format(self.median)
        if self.runs > 1:
            text += f" ({self.low:,.{figure.digits}f} to {self.high:,.{figure.digits}f}, {self.runs} runs)"
        return text

    def as_dict(self) -> dict[str, float | int | bool]:
        out: dict[str, float | int | bool] = {
            "median": self.median,
            "low": self.low,
            "high": self.high,
            "runs": self.runs,
        }
        if self.estimated:
            out["estimated"] = True
        return out


def counted(turns: Iterable[Turn]) -> list[Stats]:
    """The stats to sum up: those of complete replies, or of every reply when none completed."""
    measured = [t for t in turns if t.stats is not None]
    complete = [t for t in measured if t.status == "complete"]
    return [t.stats for t in complete or measured if t.stats is not None]


def spreads(turns: Iterable[Turn]) -> dict[str, Spread | None]:
    """Each figure's median and range over the given replies of one column."""
    figures = [stats.as_dict() for stats in counted(turns)]

    def estimated(figure: Figure) -> bool:
        return figure.exact is not None and any(d[figure.exact] is False for d in figures)

    return {f.key: Spread.of((d[f.key] for d in figures), estimated(f)) for f in FIGURES}  # type: ignore[misc]


def figure_lines(summary: dict[str, Spread | None]) -> list[str]:
    """'First token: 0.42 s' lines for the figures known (a model load only when it was a cold one)."""
    return [
        f"{f.label}: {s.format(f)}"
        for f in FIGURES
        if (s := summary[f.key]) is not None and (f.key != "load_s" or s.high >= COLD_LOAD)
    ]


PHASES = ("Loading", "Waiting", "Thinking", "Answering")


def phases(stats: Stats) -> dict[str, float] | None:
    """A finished reply's time split into the model's load, the rest of the wait for the first byte,
    thinking and answering."""
    if stats.total is None:
        return None
    waiting = stats.wait or 0.0
    loading = min(stats.load_seconds or 0.0, waiting)
    thinking = stats.thinking_seconds or 0.0
    return {
        "Loading": loading,
        "Waiting": waiting - loading,
        "Thinking": thinking,
        "Answering": max(0.0, stats.total - waiting - thinking),
    }
