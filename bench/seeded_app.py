"""app.py with a finished conversation already in the session: `?messages=N` (for bench/rerun.py).

Building a 200-message conversation by sending 100 messages would take minutes; this fills the chat
page's session state with the turns it would have kept, then runs app.py unchanged, as `streamlit run`
does.
"""

import runpy

import streamlit as st

from bench.common import APP, conversation

if "turns" not in st.session_state:
    st.session_state["turns"] = conversation(int(st.query_params.get("messages", 0)))
runpy.run_path(str(APP), run_name="__main__")
