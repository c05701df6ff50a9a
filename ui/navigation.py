"""The app's pages, declared once: app.py routes through them, and so does a page opened before app.py ran."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

PAGES = Path(__file__).resolve().parents[1] / "pages"


def navigation() -> tuple[StreamlitPage, StreamlitPage]:
    """Register the pages with `st.navigation`; return the page to run, and the chat page."""
    chat = st.Page(PAGES / "chat.py", title="Chat", default=True)
    page = st.navigation(
        [
            chat,
            st.Page(PAGES / "compare.py", title="Compare"),
            st.Page(PAGES / "models.py", title="Models"),
        ]
    )
    return page, chat


def hand_over() -> None:
    """Rerun through app.py when Streamlit ran a page file by itself.

    On a fresh server, until some run has called `st.navigation`, Streamlit treats a `pages/` folder beside
    the entry script as a multipage app of the older kind and runs the file of the URL's page alone
    (`_mpa_v1` in streamlit/runtime/scriptrunner/script_runner.py), without app.py. Rerunning alone
    repeats that forever: a blank page and a busy core. `st.navigation` ends that mode for the whole
    process, so the rerun goes through app.py, which routes back to the same page by its URL.
    """
    navigation()
    st.rerun()
