"""Drawing replies: the thinking block, the answer, its status and its timings caption."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from llm.conversation import Turn, answer_chunks
from llm.events import Event


def draw_thinking(turn: Turn, show: bool) -> None:
    if show and turn.thinking:
        with st.expander(turn.thought_label, expanded=False):
            st.markdown(turn.thinking)


def draw_footer(turn: Turn) -> None:
    """Status and timings under a finished, stopped or failed reply."""
    if turn.status == "stopped":
        st.caption(":orange[■ Stopped] — the partial reply is kept.")
    if turn.status == "error":
        st.error(turn.error, icon=":material/error:")
    if turn.stats:
        st.caption(turn.stats.caption())


def draw_turn(turn: Turn, show_thinking: bool) -> None:
    draw_thinking(turn, show_thinking)
    if turn.content:
        st.markdown(turn.content)
    draw_footer(turn)


class LiveReply:
    """Placeholders for a reply being streamed: a thinking status block, a notice line, the answer."""

    def __init__(self, show_thinking: bool) -> None:
        self.show_thinking = show_thinking
        self.thinking_box = st.empty()
        self.notice = st.empty()
        self._status: object | None = None
        self._text: object | None = None

    def redraw(self, turn: Turn) -> None:
        if turn.notice:
            self.notice.caption(f":material/hourglass_top: {turn.notice}")
        else:
            self.notice.empty()
        if not (self.show_thinking and turn.thinking):
            return
        if self._status is None:
            self._status = self.thinking_box.status("Thinking…", expanded=True)
            # Not `with self._status:`: leaving that block marks the status complete while still thinking.
            self._text = self._status.empty()  # type: ignore[attr-defined]
        self._text.markdown(turn.thinking)  # type: ignore[attr-defined]
        if turn.content or turn.status != "streaming":
            self._status.update(label=turn.thought_label, state="complete", expanded=False)  # type: ignore

    def stream(self, events: Iterable[Event], turn: Turn) -> None:
        """Stream into the page; `turn` holds everything that arrived even if the run is stopped."""
        st.write_stream(answer_chunks(events, turn, self.redraw))
        self.redraw(turn)
        draw_footer(turn)
