"""Drawing replies: the thinking block, the answer, its status and its timings caption."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from typing import Any

import streamlit as st

from llm import runtime
from llm.context import limit_advice, limit_note, window_line
from llm.conversation import Turn, answer_chunks, ends_text, update_interval
from llm.events import Event


def draw_thinking(turn: Turn, show: bool) -> None:
    if show and turn.thinking:
        with st.expander(turn.thought_label, expanded=False):
            st.markdown(turn.thinking)


def draw_footer(turn: Turn) -> None:
    """Status and timings under a finished, stopped or failed reply."""
    if turn.status == "stopped":
        st.caption(":orange[■ Stopped] — the partial reply is kept.")
    if turn.status == "interrupted":
        st.caption(
            ":orange[■ Interrupted] — the app stopped before the reply finished; what arrived is kept."
        )
    if turn.status == "error":
        st.error(turn.error, icon=":material/error:")
    if turn.stats and (note := limit_note(turn.stats)):
        st.caption(
            f":orange[✂ {note}.] **Continue** asks the model for the rest; or {limit_advice(turn.stats)}."
        )
    if turn.stats:
        st.caption(" · ".join(p for p in (turn.stats.caption(), window_line(turn.stats)) if p))


def draw_turn(turn: Turn, show_thinking: bool) -> None:
    draw_thinking(turn, show_thinking)
    if turn.content:
        st.markdown(turn.content)
    draw_footer(turn)


PROMPT = "prompt"


def chat_box() -> None:
    """The chat page's message box; what was sent with it is `sent()` for the rest of the run."""
    st.chat_input("Ask anything", submit_mode="stop", key=PROMPT)


def sent() -> str | None:
    """The message sent with the chat box in this run, None if none or a blank one (which is not sent)."""
    text = st.session_state.get(PROMPT)
    return text if isinstance(text, str) and text.strip() else None


# Every rerun (any widget change) draws the whole page again, and each drawn message costs the server
# and the browser a few milliseconds: older messages wait behind a button (measured by bench/rerun.py).
RECENT = 20


def draw_history(turns: list[Turn], show_thinking: bool) -> None:
    """The last RECENT messages, and all the earlier ones once asked for (for the rest of the session)."""
    hidden = 0 if st.session_state.get("all_messages") else max(0, len(turns) - RECENT)
    if hidden and st.button(f"Show {hidden} earlier messages", key="earlier", icon=":material/expand_less:"):
        st.session_state["all_messages"] = True
        hidden = 0
    for turn in turns[hidden:]:
        with st.chat_message(turn.role):
            if turn.role == "assistant":
                draw_turn(turn, show_thinking)
            else:
                st.markdown(turn.content)


class LiveReply:
    """Placeholders for a reply being streamed: a thinking status block, a notice line, the answer."""

    def __init__(self, show_thinking: bool) -> None:
        self.show_thinking = show_thinking
        self.thinking_box = st.empty()
        self.notice = st.empty()
        self._status: Any = None
        self._text: Any = None
        self._drawn = ("", 0, False)  # notice, thinking length, collapsed: only changes are sent again

    def redraw(self, turn: Turn) -> None:
        notice, thought, collapsed = self._drawn
        if turn.notice != notice:
            if turn.notice:
                self.notice.caption(f":material/hourglass_top: {turn.notice}")
            else:
                self.notice.empty()
        show = self.show_thinking and bool(turn.thinking)
        if show and self._status is None:
            self._status = self.thinking_box.status("Thinking…", expanded=True)
            # Not `with self._status:`: leaving that block marks the status complete while still thinking.
            self._text = self._status.empty()
        if show and len(turn.thinking) != thought:
            self._text.markdown(turn.thinking)
        if show and not collapsed and (turn.content or turn.status != "streaming"):
            self._status.update(label=turn.thought_label, state="complete", expanded=False)
            collapsed = True
        self._drawn = (turn.notice, len(turn.thinking) if show else 0, collapsed)

    def stream(
        self, events: AsyncIterator[Event], turn: Turn, keep: Callable[[Turn], None] = lambda _: None
    ) -> None:
        """Stream into the page; `turn` holds everything that arrived even if the run is stopped.

        Events cross from the loop in batches, a few a second for a long reply (see `update_interval`).
        `keep(turn)` is called after each batch and at the end (history saves the reply as it streams).
        """
        with closing(runtime.batches(events, lambda: update_interval(turn), ends_text)) as batches:
            st.write_stream(answer_chunks(_kept(batches, turn, keep), turn, self.redraw))
        keep(turn)
        self.redraw(turn)
        draw_footer(turn)


def _kept(batches: Iterator[list[Event]], turn: Turn, keep: Callable[[Turn], None]) -> Iterator[list[Event]]:
    """The batches, calling `keep(turn)` after each is folded into `turn` (as the next is asked for)."""
    for batch in batches:
        yield batch
        keep(turn)
