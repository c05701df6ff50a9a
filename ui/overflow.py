"""A message that would overflow the context window is held back with a warning and ways out.

Ollama drops the oldest messages of a conversation longer than its window without a word
(server/prompt.go): the chat says so before sending, and lets the person choose.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from llm.context import Window
from llm.markdown import plain

HELD = "held_message"  # (message, warning) kept back
RELEASED = "released_message"  # a held message to send on this run


def hold(prompt: str, window: Window | None) -> bool:
    """Keep `prompt` back if it would not fit `window`; True when held."""
    warning = window.warning() if window else None
    if warning is None:
        st.session_state.pop(HELD, None)
        return False
    st.session_state[HELD] = (prompt, warning)
    return True


def released() -> str | None:
    """The held message the person chose to send, once."""
    return st.session_state.pop(RELEASED, None)


def draw(new_chat: Callable[[], None]) -> None:
    """The warning for a held message, with its ways out: a new chat with it, send anyway, or drop it."""
    held = st.session_state.get(HELD)
    if not held:
        return
    prompt, warning = held
    shown = prompt if len(prompt) <= 120 else prompt[:120] + "…"
    st.warning(f"{warning}\n\nNot sent yet: “{plain(shown)}”", icon=":material/warning:")
    row = st.container(horizontal=True)
    if row.button("New chat with this message", key="held_new_chat", icon=":material/add:"):
        new_chat()
        _release(prompt)
    if row.button("Send anyway", key="held_send", help="Ollama will drop the oldest messages it cannot fit."):
        _release(prompt)
    if row.button("Don't send", key="held_drop"):
        st.session_state.pop(HELD, None)
        st.rerun()


def _release(prompt: str) -> None:
    st.session_state.pop(HELD, None)
    st.session_state[RELEASED] = prompt
    st.rerun()
