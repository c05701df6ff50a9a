"""The leaderboard's tally: which comparisons count, and how ballots add up per setting."""

from __future__ import annotations

import random

from llm.compare import Comparison
from llm.leaderboard import Ballot, Setting, ballots, headline, leaders, standings
from llm.request import ChatRequest, Target
from llm.thinking import Level, Style

LOW, MEDIUM, HIGH = (Setting("ollama", "gpt-oss:20b", level) for level in ("low", "medium", "high"))


def request(
    model: str = "gpt-oss:20b", style: Style = "ollama-effort", level: Level | None = None
) -> ChatRequest:
    return ChatRequest(Target("ollama", model, "http://127.0.0.1:11434"), [], style, level)


def levels_run(*votes: int, blind: bool = True) -> Comparison:
    """gpt-oss at Low, Medium and High, with `votes` cast for each column in that order."""
    comparison = Comparison.start(
        "q", [request(level=lv) for lv in ("low", "medium", "high")], blind, random.Random(1)
    )
    for column, count in enumerate(votes):
        for _ in range(count):
            comparison.vote(column)
    return comparison


def run(name: str, *cast: tuple[Setting, int]) -> list[Ballot]:
    return [Ballot(name, position, setting, votes) for position, (setting, votes) in enumerate(cast)]


def test_a_blind_run_counts_once_revealed_and_voted() -> None:
    comparison = levels_run(0, 2, 1)
    assert ballots("r1", comparison.to_record()) == [], "still hidden: counting it would tell which is which"
    comparison.reveal()
    assert ballots("r1", comparison.to_record()) == [
        Ballot("r1", 0, LOW, 0),
        Ballot("r1", 1, MEDIUM, 2),
        Ballot("r1", 2, HIGH, 1),
    ]
    open_run = levels_run(1, 0, 0, blind=False)
    open_run.vote(0)
    assert ballots("r2", open_run.to_record()) == [], "a run that was not blind is no vote"
    unvoted = levels_run(0, 0, 0)
    unvoted.reveal()
    assert ballots("r3", unvoted.to_record()) == []


def test_the_level_counted_is_the_level_sent() -> None:
    qwen = request("qwen3:8b", "ollama-toggle", "high")  # sent as "on"
    plain = request("llama3.2:3b", "none", "high")  # cannot think: nothing sent
    comparison = Comparison.start("q", [qwen, plain], blind=True)
    comparison.vote(0)
    comparison.reveal()
    found = ballots("r", comparison.to_record())
    assert [b.setting for b in found] == [
        Setting("ollama", "qwen3:8b", "on"),
        Setting("ollama", "llama3.2:3b", ""),
    ]
    assert [b.setting.name() for b in found] == ["qwen3:8b · On", "llama3.2:3b"]


def test_several_runs_add_up_per_setting_and_rank_by_win_rate() -> None:
    board = standings(
        run("r1", (LOW, 0), (MEDIUM, 1), (HIGH, 3))
        + run("r2", (LOW, 1), (MEDIUM, 1), (HIGH, 2))
        + run("r3", (MEDIUM, 2), (HIGH, 0))
    )
    assert [(s.name, s.votes, s.runs, s.cast) for s in board] == [
        ("gpt-oss:20b · High", 5, 3, 10),
        ("gpt-oss:20b · Medium", 4, 3, 10),
        ("gpt-oss:20b · Low", 1, 2, 8),
    ]
    assert [round(s.win_rate, 3) for s in board] == [0.5, 0.4, 0.125]
    assert leaders(board) == board[:1]
    assert (
        headline(board)
        == "**Preferred so far: gpt-oss:20b · High**, with 5 of 10 votes (50%) in 3 blind runs."
    )


def test_columns_with_the_same_setting_count_one_run_and_all_their_votes() -> None:
    plain = Setting("ollama", "llama3.2:3b", "")  # a model that cannot think fills two columns
    board = standings(run("r1", (plain, 2), (plain, 1)) + run("r2", (plain, 1), (HIGH, 1)))
    by_name = {s.name: s for s in board}
    assert (by_name["llama3.2:3b"].votes, by_name["llama3.2:3b"].runs, by_name["llama3.2:3b"].cast) == (
        4,
        2,
        5,
    )
    assert by_name["llama3.2:3b"].win_rate == 0.8 and by_name["gpt-oss:20b · High"].win_rate == 0.5


def test_ties_share_first_place_and_the_order_breaks_them_by_votes_then_runs() -> None:
    board = standings(run("r1", (LOW, 1), (HIGH, 1)) + run("r2", (MEDIUM, 1), (LOW, 1)))
    assert [(s.name, s.win_rate, s.votes) for s in board] == [
        ("gpt-oss:20b · Low", 0.5, 2),
        ("gpt-oss:20b · High", 0.5, 1),
        ("gpt-oss:20b · Medium", 0.5, 1),
    ]
    assert leaders(board) == board[:1]
    tie = standings(run("r1", (LOW, 1), (HIGH, 1)))
    assert [s.name for s in leaders(tie)] == ["gpt-oss:20b · High", "gpt-oss:20b · Low"]
    assert headline(tie) == (
        "**A tie for first place: gpt-oss:20b · High and gpt-oss:20b · Low**, each with 1 of 2 votes (50%)."
    )
    three = standings(run("r1", (LOW, 1), (MEDIUM, 1), (HIGH, 1)))
    assert headline(three).startswith("**A tie for first place: gpt-oss:20b · High, gpt-oss:20b · Low and ")


def test_the_provider_is_part_of_the_setting_and_named_only_when_needed() -> None:
    proxied = Setting("litellm_proxy", "gpt-oss:20b", "high")
    board = standings(run("r1", (HIGH, 2), (proxied, 1), (LOW, 0)))
    assert [s.name for s in board] == [
        "gpt-oss:20b · High (Ollama)",
        "gpt-oss:20b · High (LiteLLM Proxy)",
        "gpt-oss:20b · Low",
    ]


def test_an_empty_board_has_no_leader() -> None:
    assert standings([]) == [] and leaders([]) == [] and headline([]) == ""
    nobody = standings(run("r1", (LOW, 0), (HIGH, 0)))
    assert leaders(nobody) == [] and headline(nobody) == ""
