"""The Compare page: one prompt across 2 to 4 columns (provider, model, thinking level), streamed at once."""

from __future__ import annotations

import streamlit as st

from llm.compare import Comparison
from ui import history, leaderboard, present, sidebar, starters
from ui.compare import draw_results, edit_columns, stream_runs

choice = sidebar.current()
limits = st.session_state["limits"]
if "comparison" not in st.session_state:
    history.last_comparison()  # a reload keeps the latest comparison
comparison: Comparison | None = st.session_state.get("comparison")
if comparison is not None:
    comparison.stop()  # replies still marked streaming were cut off by Stop or another click
    history.save_comparison(comparison)  # new runs, votes or a stop since it was last saved

st.title("Compare")
if not present.on():
    st.caption(
        "Ask one prompt of several models or thinking levels at once, and see how the answers and "
        "their timings differ."
    )

# Present view folds the column editors away: the room sees the prompt and the answers.
with st.expander("Columns", expanded=False) if present.on() else st.container():
    columns = edit_columns(choice, hidden=comparison is not None and comparison.hidden)
# The box's text lives in its key (no default), so a starter can fill it: see ui/starters.py.
st.session_state.setdefault("compare_prompt", comparison.prompt if comparison else "")
starters.fill_row("compare_prompt")
prompt = st.text_area(
    "Prompt",
    key="compare_prompt",
    placeholder="Ask something that makes a model think, e.g. a small puzzle",
)
repeat_col, blind_col, run_col, stop_col = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
repeats = repeat_col.number_input(
    "Repeat N times",
    1,
    20,
    1,
    key="compare_repeats",
    help="Run the comparison several times and show the median and range.",
)
blind = blind_col.toggle(
    "Blind",
    comparison.blind if comparison else False,
    key="compare_blind",
    help="Label the columns A, B, C in a random order until the audience has voted.",
)
run = run_col.button("Run", type="primary", key="compare_run", icon=":material/play_arrow:", width="stretch")
stop_col.button(
    "Stop",
    key="compare_stop",
    icon=":material/stop:",
    width="stretch",
    help="Stop every column; what arrived is kept.",
)

if run:
    if not prompt.strip():
        st.warning("Type a prompt first.")
    elif not all(column.target.model for column in columns):
        st.error("Pick a model for every column.")
    else:
        messages = [{"role": "user", "content": prompt}]
        requests = [choice.request(messages, level=c.level, target=c.target, style=c.style) for c in columns]
        comparison = Comparison.start(prompt, requests, blind=blind)
        history.started(comparison)
        stream_runs(comparison, int(repeats), limits, choice.show_thinking)
        history.save_comparison(comparison)
        st.rerun()

if comparison is not None:
    draw_results(comparison, choice.show_thinking)
history.comparison_picker()
leaderboard.draw(comparison)
