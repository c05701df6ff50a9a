"""The chat page: history, a streamed reply with live thinking, stop, regenerate and export."""

from __future__ import annotations

import streamlit as st

from llm import conversation
from llm.context import limit_note
from llm.conversation import Turn
from llm.markdown import plain
from llm.stream import stream_chat
from ui import history, overflow, present, sidebar, starters
from ui.downloads import export_buttons
from ui.errors import show_error
from ui.sidebar import Choice
from ui.turns import (
    LiveReply,
    attached,
    chat_box,
    draw_history,
    draw_turns,
    draw_user,
    offer_pictures,
    refused,
    sent,
    take_attached,
)

CONTINUE = "Continue exactly where your last answer stopped."  # sent by the Continue button


def title(choice: Choice, turns: list[Turn]) -> None:
    """Above the conversation, drawn by full runs (a sidebar change reruns the whole page)."""
    if present.on():
        present.header(choice)  # one line for the room: the model and its thinking level
        return
    st.title("Chat")
    if not turns:
        st.caption(
            f"Talking to **{plain(choice.target.model) or 'no model yet'}** via "
            f"{choice.settings['provider']}. Thinking streams live above each answer."
        )


def reply(choice: Choice, turns: list[Turn]) -> None:
    """Stream an answer to the conversation so far into a new assistant turn."""
    turn = Turn("assistant", status="streaming", settings=choice.settings)
    request = choice.request(conversation.history(turns, choice.vision))
    turns.append(turn)
    st.session_state["live_turn"] = turn.id
    history.save(turn)
    with st.chat_message("assistant"):
        LiveReply(choice.show_thinking).stream(
            stream_chat(request, st.session_state["limits"]), turn, history.save
        )
    st.session_state.pop("live_turn", None)


def cut_off(turns: list[Turn]) -> None:
    """Mark stopped this session's reply that a Stop or another click ended while it streamed."""
    live = st.session_state.pop("live_turn", None)
    for turn in turns:
        if turn.status == "streaming" and turn.id == live:
            turn.stop()
            history.save(turn)


DRAWN = "turns_drawn"  # how many of the turns the last full run drew above the fragment


@st.fragment
def chat() -> None:
    """The chat box and what is new since the last full run, in one fragment: a message or a starter card
    reruns this part of the page only. A full rerun resent every sidebar widget and every message, and the
    browser drew them all again before the reply's first word (ten tabs sending at once:
    `python -m bench.sessions`). A reply ends with a full rerun, which draws it with the others."""
    chat_box()  # first in the fragment: it stays pinned at the foot of the page
    choice = sidebar.current()
    turns: list[Turn] = st.session_state.setdefault("turns", [])
    cut_off(turns)
    history.keep_url()

    prompt = sent()  # a starter card sends the same way; "" for pictures sent alone
    if not turns and prompt is None:
        starters.cards()
    # A reply stopped in an earlier run of this fragment, which no full run has drawn yet
    draw_turns(turns[st.session_state.get(DRAWN, 0) :], choice.show_thinking)
    offer_pictures(choice.vision)
    if problem := refused():
        show_error(problem, icon=":material/hide_image:")
    if not choice.vision and (pictures := sum(len(t.images) for t in turns)):
        # Left out rather than refused: the conversation can go on about the text with a model that cannot
        # see.
        st.caption(
            f":material/hide_image: {plain(choice.target.model)} cannot see: "
            + (
                "the picture in this chat is"
                if pictures == 1
                else f"the {pictures} pictures in this chat are"
            )
            + " left out of what it is sent."
        )
    if prompt is not None and overflow.hold(
        prompt,
        choice.window(
            [
                *conversation.history(turns, choice.vision),
                {"role": "user", "content": prompt, "images": attached()},
            ]
        ),
    ):
        prompt = None  # it would not fit the context window: the warning below says so and offers ways out
    prompt = overflow.released() if prompt is None else prompt
    overflow.draw(history.new_chat)
    last = turns[-1] if turns else None
    if last is not None and last.role == "assistant" and prompt is None:
        row = st.container(horizontal=True)
        if limit_note(last.stats) and row.button(
            "Continue", key="continue", icon=":material/skip_next:", help="Ask the model for the rest"
        ):
            turns.append(Turn("user", CONTINUE))
            history.save(turns[-1], choice)
            st.rerun()  # the rerun below sees a dangling user turn and answers it
        if row.button(
            "Regenerate", key="regenerate", icon=":material/refresh:", help="Ask again for the last answer"
        ):
            history.forget(turns.pop())
            st.rerun()  # the rerun below sees a dangling user turn and answers it
        settings = choice.settings
        export_buttons(
            row,
            "conversation",
            lambda: conversation.to_markdown(turns, settings),
            lambda: conversation.to_json(turns, settings),
            key="export",
        )

    if prompt is not None:
        if not choice.target.model:
            st.error("Pick or type a model in the sidebar first.")
            st.stop()
        turns.append(Turn("user", prompt, images=take_attached()))
        history.save(turns[-1], choice)  # saved as sent, with the settings reopening it restores
        with st.chat_message("user"):
            draw_user(turns[-1])
        reply(choice, turns)
        st.rerun()
    elif last is not None and last.role == "user":
        reply(choice, turns)
        st.rerun()


shown = sidebar.current()
all_turns: list[Turn] = st.session_state.setdefault("turns", [])
title(shown, all_turns)
cut_off(all_turns)
draw_history(all_turns, shown.show_thinking)
st.session_state[DRAWN] = len(all_turns)
chat()
