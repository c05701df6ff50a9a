"""The Models page: what an Ollama server has installed and in memory; pull new models, remove old ones."""

from __future__ import annotations

import streamlit as st

from llm import ollama, servers
from llm.errors import LLMError
from llm.markdown import for_page
from llm.models import PROVIDERS
from ui import models as view
from ui import sidebar
from ui.errors import show_error

choice = sidebar.current()

st.title("Models")
if not PROVIDERS[choice.target.provider].native:
    view.explain_not_ollama(choice.target.provider)
    st.stop()

base = choice.target.base_url or ""  # never empty for Ollama (Target.base_url)
if servers.is_pool(base):  # several servers (OLLAMA_API_BASE with commas): each one, then one to manage
    base = view.servers_section(servers.split_bases(base))
st.caption(for_page(f"Ollama at {base}"))
view.notice()
try:
    installed = ollama.list_models(base)
except LLMError as err:
    show_error(err)
    st.stop()

view.installed_table(base, installed)
view.pull_box(base, {m.name for m in installed})
view.loaded_section(base)
view.remove_box(base, installed)
