"""Entry point: `streamlit run app.py`. Loads settings, draws the shared sidebar, routes to the pages."""

from __future__ import annotations

import streamlit as st

from llm import runtime
from llm.config import load_env, load_settings
from llm.errors import ConfigError
from llm.markdown import for_page
from ui import access, history, present, sidebar
from ui.navigation import navigation

load_env()  # each run: a fixed .env takes effect on the next page load, no restart
# No icon, here or on the pages (a page's icon becomes the tab's): an emoji makes Streamlit build a regex
# of every emoji on the first draw after start-up, an image loads numpy and PIL (bench/startup.py measures
# both), and the tab fetches a :material/…: icon from fonts.gstatic.com on every load. The tab shows
# Streamlit's own icon.
st.set_page_config(page_title="Thinking Chat", layout="wide", initial_sidebar_state=present.sidebar_state())

# Before any widget: widgets drawn ahead of st.navigation get other ids on a session's first run than on
# later runs (Streamlit 1.67), so the first change a person made in the sidebar was silently undone.
# Before the settings check too: a run that stops without st.navigation lists pages/ files as pages.
page, chat_page = navigation()
access.gate()  # shared on a network: nothing more is drawn or run until the passcode is typed
on_chat = page.url_path == chat_page.url_path
try:
    settings = load_settings()
except ConfigError as err:
    st.error(
        f"**Setting problem in your environment or .env:** {for_page(str(err))}", icon=":material/settings:"
    )
    st.stop()

if on_chat:
    settings = history.open_from_url(settings)  # before the sidebar: it restores that chat's settings
st.session_state["limits"] = settings.limits
st.session_state["history_on"] = settings.history
st.session_state["choice"] = sidebar.draw(settings)
present.toggle()
if st.sidebar.button("New chat", key="new_chat", width="stretch", icon=":material/add:"):
    history.new_chat()
    if not on_chat:
        st.switch_page(chat_page)

page.run()
history.draw(chat_page)  # after the page: the store's first use loads SQLAlchemy
# What the first reply needs loads in the background once the page is drawn (sooner slows the draw);
# litellm only for the providers that need it.
runtime.preload(litellm=st.session_state["choice"].target.needs_litellm)
