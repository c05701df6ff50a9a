"""The blind-vote leaderboard: which setting (provider, model, thinking level) people preferred.

A blind run counts once its settings are revealed: counted sooner, the board would tell which column is
which. Each column of a counted run is a `Ballot`; `standings` sums the ballots up per setting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from llm.models import PROVIDERS
from llm.thinking import LABELS, WIRE, Style, coerce


@dataclass(frozen=True)
class Setting:
    """What a column asked: the provider's id, the model and the thinking level sent ("" for none)."""

    provider: str
    model: str
    thinking: str

    def name(self, with_provider: bool = False) -> str:
        """'gpt-oss:20b · High', with ' (Ollama)' when another provider serves the same model and level."""
        level = f" · {LABELS[self.thinking]}" if self.thinking in LABELS else ""  # type: ignore[index]
        spec = PROVIDERS.get(self.provider)
        where = f" ({spec.label if spec else self.provider})" if with_provider else ""
        return f"{self.model}{level}{where}"


@dataclass(frozen=True)
class Ballot:
    """One column of one counted blind run: its setting and the votes it won there."""

    run: str  # the comparison's id
    position: int  # the column's index in the comparison's requests
    setting: Setting
    votes: int


def counts(record: dict[str, Any]) -> bool:
    """Whether a saved comparison (`Comparison.to_record()`) is a revealed blind run with a vote."""
    return bool(record.get("blind") and record.get("revealed") and sum(record.get("votes") or []) > 0)


def ballots(run: str, record: dict[str, Any]) -> list[Ballot]:
    """The ballots of a saved comparison: one per column if it `counts`, else none."""
    if not counts(record):
        return []
    found = []
    for position, (request, votes) in enumerate(zip(record["requests"], record["votes"], strict=False)):
        style: Style = request["style"] if request.get("style") in WIRE else "none"
        level = coerce(style, request.get("level")) or ""
        found.append(Ballot(run, position, Setting(request["provider"], request["model"], level), int(votes)))
    return found


@dataclass(frozen=True)
class Standing:
    """One setting's line on the board."""

    setting: Setting
    name: str
    votes: int  # votes its columns won
    runs: int  # blind runs it took part in (once per run, however many columns it had)
    cast: int  # votes cast in those runs, for every column

    @property
    def win_rate(self) -> float:
        """The share of the votes cast in its runs that it won."""
        return self.votes / self.cast if self.cast else 0.0


def standings(found: Iterable[Ballot]) -> list[Standing]:
    """One line per setting, the best first: highest win rate, then most votes, then most runs."""
    found = list(found)
    cast: dict[str, int] = defaultdict(int)
    for ballot in found:
        cast[ballot.run] += ballot.votes
    votes: dict[Setting, int] = defaultdict(int)
    runs: dict[Setting, set[str]] = defaultdict(set)
    for ballot in found:
        votes[ballot.setting] += ballot.votes
        runs[ballot.setting].add(ballot.run)
    shared: dict[tuple[str, str], int] = defaultdict(int)  # the same model and level from several providers
    for setting in votes:
        shared[setting.model, setting.thinking] += 1
    board = [
        Standing(
            setting,
            setting.name(with_provider=shared[setting.model, setting.thinking] > 1),
            votes[setting],
            len(runs[setting]),
            sum(cast[run] for run in runs[setting]),
        )
        for setting in votes
    ]
    return sorted(board, key=lambda s: (-s.win_rate, -s.votes, -s.runs, s.name))


def leaders(board: list[Standing]) -> list[Standing]:
    """Those sharing first place: the same win rate and votes as the first line (none without a vote)."""
    if not board or board[0].votes == 0:
        return []
    first = board[0]
    return [s for s in board if (s.win_rate, s.votes) == (first.win_rate, first.votes)]


def plural(count: int, word: str) -> str:
    """'1 vote', '2 votes'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def headline(board: list[Standing]) -> str:
    """The answer to "which setting did people prefer?", in one sentence of Markdown."""
    first = leaders(board)
    if not first:
        return ""
    top = first[0]
    share = f"{top.votes} of {plural(top.cast, 'vote')} ({top.win_rate:.0%})"
    if len(first) == 1:
        return f"**Preferred so far: {top.name}**, with {share} in {plural(top.runs, 'blind run')}."
    names = ", ".join(s.name for s in first[:-1]) + f" and {first[-1].name}"
    return f"**A tie for first place: {names}**, each with {share}."
