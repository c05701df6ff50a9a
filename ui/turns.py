"""Drawing replies: the thinking block, the answer, its status and its timings caption."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import StopException, add_script_run_ctx, get_script_run_ctx

from llm import images, runtime
from llm.context import limit_advice, limit_note, window_line
from llm.conversation import Turn, answer_chunks, ends_text, update_interval
from llm.events import Event
from llm.images import Image
from llm.markdown import for_page, plain
from ui.errors import show_error


def draw_thinking(turn: Turn, show: bool) -> None:
    if show and turn.thinking:
        with st.expander(turn.thought_label, expanded=False):
            st.markdown(for_page(turn.thinking))


STOPPED = ":orange[■ Stopped] — the partial reply is kept."  # under a reply cut short by Stop


def draw_status(turn: Turn, error: str | None = None, can_continue: bool = True) -> None:
    """What became of a reply, the same on the chat and Compare pages: stopped, interrupted, failed (with
    `error`, else the turn's own), or cut at the token limit with what to do about it."""
    if turn.status == "stopped":
        st.caption(STOPPED)
    if turn.status == "interrupted":
        st.caption(
            ":orange[■ Interrupted] — the app stopped before the reply finished; what arrived is kept."
        )
    if turn.status == "error":
        show_error(turn.error if error is None else error)
    if turn.stats and (note := limit_note(turn.stats)):
        then = "**Continue** asks the model for the rest; or" if can_continue else "To let it run longer,"
        st.caption(f":orange[✂ {note}.] {then} {limit_advice(turn.stats)}.")


def draw_footer(turn: Turn) -> None:
    """Status and timings under a finished, stopped or failed reply on the chat page."""
    draw_status(turn)
    if turn.stats:
        st.caption(" · ".join(p for p in (turn.stats.caption(), window_line(turn.stats)) if p))


def draw_turn(turn: Turn, show_thinking: bool) -> None:
    draw_thinking(turn, show_thinking)
    if turn.content:
        st.markdown(for_page(turn.content))
    draw_footer(turn)


SHOWN_WIDTH = 160  # pixels, a picture as the history draws it (from `Image.thumbnail`)

# A long paste (a log, a file) would fill the page: a message longer than this shows its start and a
# "Show all" button. The whole text is kept, sent and exported.
SHORT_LINES = 20
SHORT_CHARS = 2_000


def shortened(text: str) -> str | None:
    """The start of a message too long to draw whole (about SHORT_LINES lines), None if it fits."""
    lines = text.split("\n")
    start = "\n".join(lines[:SHORT_LINES])[:SHORT_CHARS]
    return None if start == text else start


def draw_user(turn: Turn) -> None:
    """A person's message, its start only when long, until they ask for all of it, and its pictures."""
    if turn.images:  # the person's own files, from memory: nothing is fetched
        st.image(
            [i.thumbnail for i in turn.images],
            caption=[plain(i.name) for i in turn.images],
            width=SHOWN_WIDTH,
        )
        if not turn.content:
            return
    start = shortened(turn.content)
    shown: set[str] = st.session_state.setdefault("shown_whole", set())
    if start is None or turn.id in shown:
        st.markdown(for_page(turn.content))
        return
    st.markdown(for_page(start.rstrip() + " …"))
    lines = turn.content.count("\n") + 1
    if st.button(
        f"Show all ({lines:,} lines, {len(turn.content):,} characters)",
        key=f"show_all_{turn.id}",
        icon=":material/unfold_more:",
        type="tertiary",
    ):
        shown.add(turn.id)
        st.rerun()


PROMPT = "prompt"
STARTER = "starter_prompt"  # a starter card's prompt (ui/starters.py), sent as if typed in the box
ATTACHED = "attached_images"  # the pictures sent with the last message, until it is added to the chat
REFUSED = "refused_images"  # why the files sent with the last message were not taken


def chat_box() -> None:
    """The chat page's message box; what was sent with it is `sent()` and `take_attached()`.

    It always takes pictures: changing `accept_file`, `file_type` or `max_upload_size` gives the box
    another widget id (Streamlit 1.67 `chat_input`: `key_as_main_identity`), and the browser then drops
    what was typed in it, so a model change would lose a draft. `offer_pictures` hides the button for a
    model that cannot see, and `_take_files` refuses a picture pasted or dropped for one anyway.
    """
    st.bottom.chat_input(
        "Ask anything",
        submit_mode="stop",
        key=PROMPT,
        accept_file="multiple",
        file_type=images.FILE_TYPES,
        max_upload_size=images.MAX_MB,
        on_submit=_take_files,
    )


def _take_files() -> None:
    """Check the pictures sent with a message (before the run): kept for `take_attached`, or refused with
    the typed text put back in the box. The model is the one the last full run chose (a callback runs
    before the run it starts), which is the one the person saw when sending."""
    value = st.session_state.get(PROMPT)
    st.session_state.pop(ATTACHED, None)
    st.session_state.pop(REFUSED, None)
    files = list(getattr(value, "files", None) or ())
    if not files:
        return
    choice = st.session_state.get("choice")
    try:
        if choice is None or not choice.vision:
            model = choice.target.model if choice and choice.target.model else "This model"
            raise ValueError(
                f"{model} cannot see pictures, so the picture was not sent. Pick a model that can see "
                "(Ollama's vision models, such as gemma3 or llava) to send it."
            )
        st.session_state[ATTACHED] = [images.read(f.name, f.getvalue()) for f in files]
    except ValueError as refused:
        st.session_state[REFUSED] = str(refused)
        st.session_state[PROMPT] = getattr(value, "text", "")  # what was typed goes back into the box


def sent() -> str | None:
    """The text sent with the chat box or a starter card in this run ("" for pictures alone), None if
    nothing was sent. Call once a run: a starter's prompt is handed over once.

    A blank message without pictures is not sent; nor is one whose pictures were refused (`refused`).
    """
    starter = st.session_state.pop(STARTER, None)
    if isinstance(starter, str) and starter.strip():
        return starter
    value = st.session_state.get(PROMPT)
    text = getattr(value, "text", value)
    if not isinstance(text, str):
        return None
    return text if text.strip() or st.session_state.get(ATTACHED) else None


def attached() -> list[Image]:
    """The pictures sent with this run's message, left where they are (see `take_attached`)."""
    return st.session_state.get(ATTACHED) or []


def take_attached() -> list[Image]:
    """The pictures sent with the message being added to the chat (once)."""
    return st.session_state.pop(ATTACHED, None) or []


def refused() -> str | None:
    """Why the pictures sent with this run's message were refused (the text went back into the box), once."""
    return st.session_state.pop(REFUSED, None)


def offer_pictures(vision: bool) -> None:
    """Show the box's attach button only for a model that can see."""
    if not vision:
        st.html(
            f"<style>.st-key-{PROMPT} [data-testid='stChatInputFileUploadButton'] {{display: none}}</style>"
        )


# Every rerun (any widget change) draws the whole page again, and each drawn message adds to the server's
# and the browser's work: older messages wait behind a button (bench/rerun.py measures it).
RECENT = 20


def draw_history(turns: list[Turn], show_thinking: bool) -> None:
    """The last RECENT messages, and all the earlier ones once asked for (for the rest of the session)."""
    hidden = 0 if st.session_state.get("all_messages") else max(0, len(turns) - RECENT)
    if hidden and st.button(f"Show {hidden} earlier messages", key="earlier", icon=":material/expand_less:"):
        st.session_state["all_messages"] = True
        hidden = 0
    draw_turns(turns[hidden:], show_thinking)


def draw_turns(turns: list[Turn], show_thinking: bool) -> None:
    for turn in turns:
        with st.chat_message(turn.role):
            if turn.role == "assistant":
                draw_turn(turn, show_thinking)
            else:
                draw_user(turn)


class LiveReply:
    """Placeholders for a reply being streamed: a thinking status block, a notice line, the answer.

    Text goes through `for_page` once per page update, as a whole (a code fence or `\\(` opened in one
    batch may close in the next).
    """

    def __init__(self, show_thinking: bool) -> None:
        self.show_thinking = show_thinking
        self.thinking_box = st.empty()
        self.notice = st.empty()
        self.answer = st.empty()
        self.footer = st.empty()
        self._status: Any = None
        self._text: Any = None
        self._drawn = ("", 0, False)  # notice, thinking length, collapsed: only changes are sent again
        self.shown = (0, 0)  # characters of the answer and of the thinking the page has drawn

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
            self._text.markdown(for_page(turn.thinking))
        if show and not collapsed and (turn.content or turn.status != "streaming"):
            self._status.update(label=turn.thought_label, state="complete", expanded=False)
            collapsed = True
        self._drawn = (turn.notice, len(turn.thinking) if show else 0, collapsed)
        self.shown = (self.shown[0], len(turn.thinking))

    def draw_answer(self, turn: Turn) -> None:
        if turn.content and len(turn.content) != self.shown[0]:
            self.answer.markdown(for_page(turn.content))
        self.shown = (len(turn.content), self.shown[1])

    def stream(
        self, events: AsyncIterator[Event], turn: Turn, keep: Callable[[Turn], None] = lambda _: None
    ) -> None:
        """Stream into the page; `turn` holds everything that arrived even if the run is stopped.

        Events cross from the loop in batches, a few a second for a long reply or with many replies
        streaming at once (see `update_interval`).
        `keep(turn)` is called after each batch and at the end (history saves the reply as it streams).
        A run ended by Stop or a click during a draw keeps what the page had shown, not the batch that
        was being drawn; after Stop the thinking block ends and the reply reads Stopped at once.
        """
        with closing(
            runtime.batches(events, lambda: update_interval(turn, runtime.streams()), ends_text)
        ) as batches:
            try:
                for _ in answer_chunks(_kept(batches, turn, keep), turn, self.redraw):
                    self.draw_answer(turn)
            except StopException:
                turn.keep_shown(*self.shown)
                turn.stop()
                _after_stop(lambda: self._stopped(turn, keep))
                raise
            except BaseException:
                turn.keep_shown(*self.shown)
                raise
        keep(turn)
        self.redraw(turn)
        self.draw_answer(turn)
        draw_footer(turn)

    def _stopped(self, turn: Turn, keep: Callable[[Turn], None]) -> None:
        keep(turn)
        self.redraw(turn)  # the thinking block collapses to "Stopped after N s"
        self.footer.caption(STOPPED)


def _after_stop(draw: Callable[[], None]) -> None:
    """Draw once more in a run that Stop is ending.

    Once a stop is pending, Streamlit ends the run at the script thread's next drawing call, so without
    this the page kept "Thinking…" spinning until the next click. What another thread of the same run
    draws is still sent while the run has not ended: the script thread waits for it here.
    """
    helper = threading.Thread(target=draw, name="after-stop", daemon=True)
    add_script_run_ctx(helper, get_script_run_ctx())
    helper.start()
    helper.join(timeout=5)


def _kept(batches: Iterator[list[Event]], turn: Turn, keep: Callable[[Turn], None]) -> Iterator[list[Event]]:
    """The batches, calling `keep(turn)` after each is folded into `turn` (as the next is asked for)."""
    for batch in batches:
        yield batch
        keep(turn)
