"""Errors drawn one way on every page: the plain sentence `llm.errors` wrote, never a traceback."""

from __future__ import annotations

import streamlit as st

from llm.markdown import for_page


def show_error(problem: BaseException | str, icon: str = ":material/error:") -> None:
    """An error box with what went wrong and what to do. The text may quote a server's own words, so it is
    drawn as text (`for_page`), never as markup it carries."""
    st.error(for_page(str(problem)), icon=icon)
