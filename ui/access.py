"""The passcode gate drawn before any page when the app is shared on a network (rules in llm/access.py)."""

from __future__ import annotations

import hashlib
import os
import sys

import streamlit as st

from llm import access
from llm.access import Access, Throttle

GRANTED = "access_granted"  # a digest of the passcode this session typed (a changed passcode asks again)


@st.cache_resource(show_spinner=False)
def _throttle() -> Throttle:
    """One throttle for the whole server process: every session of one visitor shares it."""
    return Throttle()


@st.cache_resource(show_spinner=False)
def _reported(problem: str) -> bool:
    """Print a refusal to serve once to the server's log, where the person who started it looks."""
    print(f"Thinking Chat: {problem}", file=sys.stderr, flush=True)
    return True


def current() -> Access:
    """This server's rules, from Streamlit's `server.address` and the environment (.env read already)."""
    return access.access(st.get_option("server.address"), os.environ)


def shared() -> bool:
    """Whether addresses and keys must come from .env only (the app is reachable from other machines)."""
    return current().shared


def _digest(passcode: str) -> str:
    return hashlib.sha256(passcode.encode()).hexdigest()


def gate() -> None:
    """Stop this run unless the session may use the app: local, open by choice, or the passcode typed."""
    rules = current()
    if rules.problem:
        _reported(rules.problem)
        st.error(rules.problem, icon=":material/lock:")
        st.stop()
    if not rules.gated or st.session_state.get(GRANTED) == _digest(rules.passcode):
        return
    st.title("Thinking Chat")
    with st.form("access", border=False):
        given = st.text_input("Passcode", type="password", key="access_passcode")
        sent = st.form_submit_button("Enter", type="primary", icon=":material/lock_open:")
    if sent:
        visitor = st.context.ip_address or "unknown"
        ok, wait = _throttle().attempt(visitor, given, rules.passcode)
        if ok:
            st.session_state[GRANTED] = _digest(rules.passcode)
            st.rerun()
        elif wait:
            st.error(f"Too many wrong passcodes. Try again in {wait:.0f} s.", icon=":material/timer:")
        else:
            st.error("Wrong passcode. Ask the person who shared this app for it.", icon=":material/lock:")
    else:
        st.caption("This app is shared on a network: type the passcode you were given.")
    st.stop()
