"""Present view: for a projector. The sidebar folds away, type and figures grow, the chat's model and
thinking level sit in one line above it, and Compare's columns take the whole width.

On with the sidebar's **Present** toggle or `?present=1` in the URL, which stays there while it is on
(a reload keeps the view; a URL without it, or the toggle, returns to normal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeVar

import streamlit as st

from llm.markdown import plain
from llm.thinking import LABELS
from ui.sidebar import Choice

if TYPE_CHECKING:  # pandas and altair load with the Compare page, not on the first draw
    import altair as alt
    import pandas as pd

ChartT = TypeVar("ChartT", "alt.Chart", "alt.LayerChart")

KEY = "present"  # the toggle's widget key
PARAM = "present"  # the query parameter
_SHOWN = "present_shown"  # whether the last run of this session drew present view
ON = {"1", "true", "yes", "on"}

# Our own fixed CSS (nothing a model or a person wrote goes in it). Sizes in rem: Streamlit's base is 16 px.
STYLE = """<style>
/* Present view (ui/present.py): readable from the back of a room on a 1280x720 projector */
.stMainBlockContainer { max-width: none; padding: 3.25rem 1.5rem 1rem; }
.stMain :is([data-testid="stChatMessageContent"], .stColumn:has(h5)) [data-testid="stMarkdownContainer"]
  :is(p, li, td, th) { font-size: 1.3rem; line-height: 1.5; }
.stMain :is(pre, code) { font-size: 1.1rem; }
.stMain [data-testid="stCaptionContainer"] :is(p, li),
.stMain [data-testid="stCaptionContainer"] { font-size: 1.1rem; }
.stMain [data-testid="stExpander"] summary p,
.stMain [data-testid="stExpander"] summary span { font-size: 1.15rem; }
.stMain h5 { font-size: 1.4rem; }
.stMain button [data-testid="stMarkdownContainer"] p { font-size: 1.15rem; }
.stMain [data-testid="stChatInputTextArea"] { font-size: 1.3rem; }
.stMain .st-key-present_header [data-testid="stMarkdownContainer"] p { font-size: 1.5rem; line-height: 1.3; }
.stMain [data-testid="stTable"] :is(td, th) { font-size: 1.15rem; padding: 0.4rem 0.75rem; }
</style>"""

# Streamlit applies `initial_sidebar_state` again when it changes, but a person's own fold or unfold of
# the sidebar, kept in the browser's localStorage, wins over it: so when present view starts or ends,
# this script presses the sidebar's own button once (and then stays quiet, so the sidebar can be opened
# during a demo to change the model or thinking level). Fixed text: only WANT_COLLAPSED is filled in.
NUDGE = """<script>
(() => {
  const wantCollapsed = WANT_COLLAPSED;
  const me = document.currentScript && document.currentScript.closest('[data-testid="stElementContainer"]');
  if (me) me.style.display = "none";
  let tries = 0;
  const nudge = () => {
    const bar = document.querySelector('[data-testid="stSidebar"]');
    if (bar && (bar.getAttribute("data-collapsed") === "true") === wantCollapsed) return;
    const button = document.querySelector(wantCollapsed
      ? '[data-testid="stSidebarCollapseButton"] button'
      : '[data-testid="stExpandSidebarButton"]');
    if (bar && button) { button.click(); return; }
    if (++tries < 50) setTimeout(nudge, 100);
  };
  nudge();
})();
</script>"""


def on() -> bool:
    """Whether present view is on: the toggle's value, or on a session's first run the URL's `?present=1`."""
    if KEY not in st.session_state:
        st.session_state[KEY] = str(st.query_params.get(PARAM, "")).strip().lower() in ON
    return bool(st.session_state[KEY])


def sidebar_state() -> Literal["collapsed", "auto"]:
    """For `st.set_page_config`, before anything is drawn: a page opened in present view starts folded."""
    return "collapsed" if on() else "auto"


def toggle() -> bool:
    """The sidebar's Present toggle; keeps the URL in step and draws the view's style. True when on."""
    on()  # a first run takes the URL's value
    shown = st.sidebar.toggle(
        "Present",
        key=KEY,
        help="A view for a projector: bigger type, the sidebar folded away, the model and thinking level "
        "above the chat. `?present=1` in the URL opens the app this way.",
    )
    if shown:
        st.query_params[PARAM] = "1"  # on every run: switching pages drops the browser's query string
        st.html(STYLE)
    else:
        st.query_params.pop(PARAM, None)
    if st.session_state.get(_SHOWN, False) != shown:
        st.sidebar.html(
            NUDGE.replace("WANT_COLLAPSED", "true" if shown else "false"), unsafe_allow_javascript=True
        )
    st.session_state[_SHOWN] = shown
    return shown


def figures(table: pd.DataFrame) -> None:
    """A table of figures: a plain table in present view (a data grid draws its own small type)."""
    if st.session_state.get(KEY):
        st.table(table)
    else:
        st.dataframe(table, width="stretch")


def larger(chart: ChartT) -> ChartT:
    """An Altair chart, with type a room can read in present view."""
    if not st.session_state.get(KEY):
        return chart
    return (
        chart.properties(height={"step": 34})  # a row per column, tall enough for its label
        .configure_axis(labelFontSize=15, titleFontSize=16)
        .configure_legend(labelFontSize=15, titleFontSize=16)
    )


def header(choice: Choice) -> None:
    """One line above the chat: the model and its thinking level, for the room."""
    model = plain(choice.target.model) or "no model yet"
    thinking = (
        f"Thinking **{LABELS[choice.level]}**" if choice.level else "no thinking (this model cannot think)"
    )
    with st.container(key="present_header"):
        st.markdown(f":material/smart_toy: **{model}** · {thinking}")
