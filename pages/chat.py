"""The chat page: history, a streamed reply with live thinking, stop, regenerate and export."""

from __future__ import annotations

import streamlit as st

from llm.conversation import Turn, history, to_json, to_markdown
from llm.stream import stream_chat
from ui import sidebar
from ui.turns import LiveReply, draw_history, sent

choice = sidebar.current()
limits = st.session_state["limits"]
turns: list[Turn] = st.session_state.setdefault("turns", [])

for turn in turns:
    turn.stop()  # a reply still marked streaming was cut off by Stop or another click

st.title("Chat")
if not turns:
    st.caption(
        f"Talking to **{choice.target.model or 'no model yet'}** via {choice.settings['provider']}. "
        "Thinking streams live above each answer."
    )

draw_history(turns, choice.show_thinking)


def reply() -> None:
    """Stream an answer to the conversation so far into a new assistant turn."""
    turn = Turn("assistant", status="streaming", settings=choice.settings)
    request = choice.request(history(turns))
    turns.append(turn)
    with st.chat_message("assistant"):
        LiveReply(choice.show_thinking).stream(stream_chat(request, limits), turn)


prompt = sent()  # the box itself is drawn by app.py, first
last = turns[-1] if turns else None
if last is not None and last.role == "assistant" and not prompt:
    row = st.container(horizontal=True)
    if row.button(
        "Regenerate", key="regenerate", icon=":material/refresh:", help="Ask again for the last answer"
    ):
        turns.pop()
        st.rerun()  # the rerun below sees a dangling user turn and answers it
    settings = choice.settings
    # Made when clicked, not on every rerun: a long conversation makes long files.
    # No rerun on click: it would renew the other button's file while a person reaches for it.
    row.download_button(
        "Download Markdown",
        lambda: to_markdown(turns, settings),
        "conversation.md",
        "text/markdown",
        key="export_md",
        on_click="ignore",
        icon=":material/download:",
    )
    row.download_button(
        "Download JSON",
        lambda: to_json(turns, settings),
        "conversation.json",
        "application/json",
        key="export_json",
        on_click="ignore",
        icon=":material/data_object:",
    )

if prompt:
    if not choice.target.model:
        st.error("Pick or type a model in the sidebar first.")
        st.stop()
    turns.append(Turn("user", prompt))
    with st.chat_message("user"):
        st.markdown(prompt)
    reply()
    st.rerun()
elif last is not None and last.role == "user":
    reply()
    st.rerun()
