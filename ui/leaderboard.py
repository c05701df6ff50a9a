"""The Compare page's Leaderboard: which setting won the blind votes, bars and a table, with Reset and Undo.

The ballots live in the store with the history (per owner), or in the session when nothing is saved
(HISTORY=off, or a login configured and nobody logged in). The board drawn is cached in the session and
read again only after this process wrote votes or reset them: a rerun draws it without a query.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from llm.compare import Comparison
from llm.errors import LLMError
from llm.leaderboard import Ballot, Standing, ballots, headline, leaders, plural, standings
from llm.markdown import for_page
from ui import history

BOARD = "leaderboard_board"  # (cache key, standings) read from the store
SESSION = "leaderboard_ballots"  # the session's own ballots when nothing is saved
COUNTED = "leaderboard_counted"  # the revealed comparison last counted
UNDO = "leaderboard_undo"  # (owner, what a reset set aside, votes set aside)
LEADER, OTHERS = "#7C5CFF", "#B9A8FF"  # the theme's colour, and its light tint (as the Compare chart)
INSIDE = 0.6  # a bar at least this long carries its label inside


def _count(comparison: Comparison | None, who: str | None) -> None:
    """Once a blind run is revealed, its votes join the board."""
    if comparison is None or not (comparison.blind and comparison.revealed):
        return
    if st.session_state.get(COUNTED) is comparison:
        return
    st.session_state[COUNTED] = comparison
    if who is None:
        run = ballots(secrets.token_hex(8), comparison.to_record())
        st.session_state[SESSION] = [*st.session_state.get(SESSION, []), *run]
    else:
        history.writer().flush(2.0)  # the page queued the revealed run's save: the board drawn next has it


def _board(who: str | None) -> list[Standing] | None:
    """The standings; None when the store cannot be read (the reason is shown)."""
    if who is None:
        return standings(st.session_state.get(SESSION, []))
    store = history.store()
    key = (store.url, who, store.votes_written)
    cached = st.session_state.get(BOARD)
    if cached is not None and cached[0] == key:
        board: list[Standing] = cached[1]
        return board
    try:
        board = standings(store.votes(who))
    except LLMError as err:
        st.warning(for_page(str(err)), icon=":material/database:")
        return None
    st.session_state[BOARD] = (key, board)
    return board


def _reset(who: str | None, board: list[Standing]) -> None:
    votes = sum(s.votes for s in board)
    if who is None:
        st.session_state[UNDO] = (who, st.session_state.get(SESSION, []), votes)
        st.session_state[SESSION] = []
        return
    stamp = time.time()
    history.writer().put(lambda store: store.clear_votes(who, stamp))
    history.writer().flush(2.0)  # the board drawn next must be empty
    st.session_state[UNDO] = (who, stamp, votes)


def _undo(who: str | None, kept: Any) -> None:
    if who is None:
        restored: list[Ballot] = kept
        st.session_state[SESSION] = [*restored, *st.session_state.get(SESSION, [])]
    else:
        history.writer().put(lambda store: store.restore_votes(who, kept))
        history.writer().flush(2.0)
    st.session_state[UNDO] = None


def _chart(board: list[Standing]) -> alt.LayerChart:
    """One bar per setting, its length the win rate, the best first; the leader in the theme's colour."""
    first = {s.setting for s in leaders(board)}
    data = pd.DataFrame(
        {
            "Setting": [s.name for s in board],
            "Win rate": [s.win_rate for s in board],
            "Figures": [
                f"{s.win_rate:.0%} · {s.votes} of {plural(s.cast, 'vote')} · {plural(s.runs, 'run')}"
                for s in board
            ],
            "Leader": [s.setting in first for s in board],
        }
    )
    base = alt.Chart(data).encode(
        y=alt.Y("Setting:N", sort=None, title=None, axis=alt.Axis(labelLimit=360, labelFontSize=14)),
        x=alt.X(
            "Win rate:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1], grid=False, labelFontSize=13),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.condition(alt.datum.Leader, alt.value(LEADER), alt.value(OTHERS)),
        tooltip=["Setting", alt.Tooltip("Win rate:Q", format=".0%"), "Figures"],
    )
    inside = (
        base.mark_text(align="right", dx=-8, fontSize=13)
        .encode(
            text="Figures:N", color=alt.condition(alt.datum.Leader, alt.value("white"), alt.value("#31333F"))
        )
        .transform_filter(alt.datum["Win rate"] >= INSIDE)
    )
    outside = (
        base.mark_text(align="left", dx=8, fontSize=13, color="#31333F")
        .encode(text="Figures:N")
        .transform_filter(alt.datum["Win rate"] < INSIDE)
    )
    return (bars + inside + outside).properties(height=44 * len(board) + 40)


def _table(board: list[Standing]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Setting": [s.name for s in board],
            "Votes won": [s.votes for s in board],
            "Blind runs": [s.runs for s in board],
            "Votes cast": [s.cast for s in board],
            "Win rate": [s.win_rate for s in board],
        }
    )


def _scope(who: str | None) -> str:
    if who is not None:
        return "Kept with your history; a reset leaves the saved comparisons where they are."
    if not st.session_state.get("history_on", True):
        return "History is off: the votes are kept for this session only."
    return "Not logged in: the votes are kept for this session only."


def draw(comparison: Comparison | None) -> None:
    """The Leaderboard section: per setting, votes won, blind runs and win rate, the leader named."""
    who = history.owner()
    _count(comparison, who)
    st.subheader("Leaderboard")
    board = _board(who)
    if board is None:
        return
    st.caption(
        "Which setting people preferred in blind votes. Win rate: the share of the votes cast in the "
        f"blind runs a setting took part in. {_scope(who)}"
    )
    if board:
        st.markdown(f":material/trophy: {for_page(headline(board))}")
        st.altair_chart(_chart(board), width="stretch")
        st.dataframe(
            _table(board),
            hide_index=True,
            width="stretch",
            column_config={
                "Win rate": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
            },
        )
    else:
        st.caption(
            "No blind votes yet. Turn on **Blind**, run a prompt, vote for the best answer and reveal the "
            "settings: the votes count here."
        )
    if comparison is not None and comparison.hidden:
        st.caption(":material/visibility_off: This run's votes count once the settings are revealed.")
    st.button(
        "Reset leaderboard",
        key="leaderboard_reset",
        icon=":material/restart_alt:",
        on_click=_reset,
        args=(who, board),
        disabled=not board,
        help="Start counting again. The saved comparisons stay in the history; Undo brings the votes back.",
    )
    undo = st.session_state.get(UNDO)
    if undo is not None and undo[0] == who:
        _, kept, votes = undo
        st.caption(f"Leaderboard reset: {plural(votes, 'vote')} set aside.")
        st.button("Undo", key="leaderboard_restore", icon=":material/undo:", on_click=_undo, args=[who, kept])
