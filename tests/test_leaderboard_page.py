"""The Compare page's Leaderboard under AppTest, against the loopback Ollama-protocol server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from llm.compare import Comparison
from llm.store import Store
from llm.thinking import LABELS
from testkit.fake_ollama import FakeOllama
from tests.conftest import ENTRY
from tests.test_compare_page import COMPARE, headers, run
from ui import history

MakeApp = Callable[..., AppTest]
EMPTY = "No blind votes yet."


def open_compare() -> AppTest:
    """A new browser session of the app, on the Compare page."""
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    at.run()
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def page(app_env: FakeOllama) -> AppTest:
    app_env.token_delay = 0.0
    return open_compare()


def board(at: AppTest) -> list[tuple[str, int, int, float]]:
    """The leaderboard's rows: setting, votes won, blind runs, win rate (none when the board is empty)."""
    tables = [d.value for d in at.dataframe if "Votes won" in d.value.columns]
    if not tables:
        return []
    table: pd.DataFrame = tables[0]
    return [
        (row["Setting"], row["Votes won"], row["Blind runs"], round(row["Win rate"], 3))
        for _, row in table.iterrows()
    ]


def headline(at: AppTest) -> str:
    return next((m.value for m in at.markdown if m.value.startswith(":material/trophy:")), "")


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def blind_vote(at: AppTest, letter: str, prompt: str = "which is larger, 9.11 or 9.9?") -> str:
    """A blind run with one vote for `letter`; the name of the setting voted for, read after the reveal."""
    at.toggle(key="compare_blind").set_value(True)
    run(at, prompt)
    assert headers(at) == ["A", "B", "C"]
    next(b for b in at.button if b.label == f"Vote for {letter}").click().run()
    assert not at.exception, at.exception
    comparison: Comparison = at.session_state["comparison"]
    column = comparison.order["ABC".index(letter)]
    level = comparison.requests[column].level
    return f"gpt-oss:20b · {LABELS[level or 'off']}"


def reveal(at: AppTest) -> None:
    at.button(key="compare_reveal").click().run()
    assert not at.exception, at.exception


@contextmanager
def queries() -> Iterator[list[str]]:
    """The SQL statements every engine of this process runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_votes_join_the_board_once_revealed_and_survive_a_new_session(
    page: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        history, "LISTED_FOR", 3600.0
    )  # however slow the machine, the reruns below reuse lists
    at = page
    assert EMPTY in captions(at)
    assert at.button(key="leaderboard_reset").disabled
    with queries() as seen:  # nothing saved yet: a rerun does not look again
        at.run()
    assert not [q for q in seen if "blind_votes" in q or "FROM comparisons" in q]

    chosen = blind_vote(at, "B")
    # still blind: the board says nothing of this run, or which column is which
    assert board(at) == [] and EMPTY in captions(at) and headline(at) == ""
    assert "This run's votes count once the settings are revealed." in captions(at)
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("gpt-oss" in text or "Medium" in text for text in shown)

    reveal(at)
    rows = board(at)
    assert rows[0] == (chosen, 1, 1, 1.0)
    assert sorted(r[0] for r in rows[1:]) == sorted(
        {f"gpt-oss:20b · {n}" for n in ("Low", "Medium", "High")} - {chosen}
    )
    assert [r[1:] for r in rows[1:]] == [(0, 1, 0.0)] * 2
    assert (
        headline(at)
        == f":material/trophy: **Preferred so far: {chosen}**, with 1 of 1 vote (100%) in 1 blind run."
    )
    assert len(at.get("vega_lite_chart")) == 3  # time chart, thinking tokens chart, the board's bars
    assert "Kept with your history" in captions(at)
    assert not at.button(key="leaderboard_reset").disabled

    history.writer().flush()  # the reveal's save lands (within a second): the lists are read once more
    at.run()
    with queries() as seen:  # then reruns draw the board and the lists from the session's copy
        at.run()
        at.run()
    assert board(at) == rows
    assert not [q for q in seen if "blind_votes" in q or "FROM comparisons" in q]

    later = open_compare()
    assert board(later) == rows
    assert Store(os.environ["DATABASE_URL"]).votes("local")[0].run == later.session_state["comparison_id"]


def test_a_second_blind_run_stays_off_the_board_until_revealed(page: AppTest) -> None:
    at = page
    first = blind_vote(at, "A")
    reveal(at)
    before = board(at)
    assert before[0][:2] == (first, 1)

    second = blind_vote(at, "C", "a second prompt")
    assert board(at) == before, "the vote in a run still blind must not move the board"
    assert headline(at).startswith(f":material/trophy: **Preferred so far: {first}**")
    reveal(at)
    after = {r[0]: r[1:] for r in board(at)}
    assert sum(r[0] for r in after.values()) == 2 and all(r[1] == 2 for r in after.values())
    if second == first:
        assert after[first] == (2, 2, 1.0)
    else:
        assert after[first] == after[second] == (1, 2, 0.5)
        assert headline(at).startswith(":material/trophy: **A tie for first place: ")


def test_reset_empties_the_board_keeps_the_history_and_undo_restores(page: AppTest) -> None:
    at = page
    chosen = blind_vote(at, "A")
    reveal(at)
    rows = board(at)
    at.button(key="leaderboard_reset").click().run()
    assert not at.exception, at.exception
    assert board(at) == [] and EMPTY in captions(at)
    assert "Leaderboard reset: 1 vote set aside." in captions(at)
    assert headers(at)[0].startswith("A · gpt-oss:20b"), "the comparison itself is still shown"

    at.button(key="leaderboard_restore").click().run()
    assert board(at) == rows and board(at)[0][0] == chosen
    assert "Leaderboard reset" not in captions(at)

    at.button(key="leaderboard_reset").click().run()
    later = open_compare()
    assert board(later) == [] and EMPTY in captions(later)
    assert later.session_state["comparison"].votes == at.session_state["comparison"].votes
    assert len(Store(os.environ["DATABASE_URL"]).comparisons("local")) == 1


def test_with_history_off_the_board_lasts_for_the_session(
    app_env: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY", "off")
    app_env.token_delay = 0.0
    at = open_compare()
    chosen = blind_vote(at, "B")
    assert board(at) == []
    reveal(at)
    assert board(at)[0] == (chosen, 1, 1, 1.0)
    assert "History is off: the votes are kept for this session only." in captions(at)
    at.run()
    assert board(at)[0] == (chosen, 1, 1, 1.0), "counted once, however often the page is drawn"

    second = blind_vote(at, "A", "a second prompt")
    reveal(at)
    assert sum(r[1] for r in board(at)) == 2
    assert board(at)[0][0] in {chosen, second}

    at.button(key="leaderboard_reset").click().run()
    assert board(at) == []
    at.button(key="leaderboard_restore").click().run()
    assert sum(r[1] for r in board(at)) == 2

    later = open_compare()
    assert board(later) == [] and EMPTY in captions(later)
    assert Store(os.environ["DATABASE_URL"]).votes("local") == []
