"""Starter cards on an empty chat (a click sends the prompt as the chat box would), and Compare's row."""

from __future__ import annotations

import streamlit as st

from llm import starters
from llm.markdown import for_page, plain
from ui.turns import STARTER

PER_ROW = 3
# Our own fixed CSS: a card is a button whose label wraps, left-aligned, and the cards of a row are one
# height (Streamlit's button labels are one line, cut with an ellipsis).
STYLE = """<style>
.st-key-starters .stElementContainer:has(.stButton), .st-key-starters .stButton { height: 100%; }
.st-key-starters button { height: 100%; min-height: 5rem; padding: 0.6rem 0.9rem; text-align: left;
  justify-content: flex-start; align-items: flex-start; }
.st-key-starters button :is(div, span, p) { white-space: normal; overflow: visible; text-align: left;
  justify-content: flex-start; }
.st-key-starters button > div { width: 100%; }
</style>"""


def _offered() -> tuple[starters.Starter, ...]:
    """The starters to draw, with a warning naming the presenter's file when it cannot be used."""
    found = starters.load()
    if found.problem:
        st.warning(for_page(found.problem), icon=":material/edit_note:")
    return found.starters


def _send(prompt: str) -> None:
    st.session_state[STARTER] = prompt  # `ui.turns.sent()` hands it to the chat page, once


def cards() -> None:
    """The starters as cards of a title and the prompt's start; a click sends the whole prompt."""
    offered = _offered()
    if not offered:
        return
    st.html(STYLE)
    with st.container(key="starters"):
        st.caption("Try one of these, or type your own below.")
        for start in range(0, len(offered), PER_ROW):
            row = offered[start : start + PER_ROW]
            slots = st.columns(PER_ROW)[: len(row)]
            for i, (slot, starter) in enumerate(zip(slots, row, strict=True), start):
                title = f"**{plain(starter.title)}**  \n" if starter.title else ""
                slot.button(
                    f"{title}{for_page(starter.preview)}",
                    key=f"starter_{i}",
                    on_click=_send,
                    args=(starter.prompt,),
                    width="stretch",
                )


def _fill(key: str, prompt: str) -> None:
    st.session_state[key] = prompt


def fill_row(key: str) -> None:
    """The starters as small buttons that put their prompt in the text box with widget key `key`."""
    offered = _offered()
    if not offered:
        return
    row = st.container(horizontal=True, key="compare_starters", vertical_alignment="center")
    row.caption("Starters:", width="content")
    for i, starter in enumerate(offered):
        row.button(
            plain(starter.label),
            key=f"compare_starter_{i}",
            on_click=_fill,
            args=(key, starter.prompt),
            help=for_page(starter.preview),
            type="tertiary",
        )
