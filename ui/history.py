"""History: conversations saved as they stream, listed in the sidebar, reopened by the URL's `?chat=ID`.

The session state stays the working copy (`turns`, `chat_id`); the store sits behind it. Writes go through
one background writer per database (`Saver`), so neither the page's drawing nor the token stream waits on
the database; reads (the list, opening a conversation) happen on the page, and a failure of either is
shown in the sidebar while the chat goes on.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from llm.access import LOCAL
from llm.config import Settings
from llm.conversation import Turn
from llm.errors import LLMError
from llm.markdown import for_page, plain
from llm.models import PROVIDERS
from llm.saver import Saver
from llm.thinking import levels
from ui.sidebar import Choice

if TYPE_CHECKING:  # SQLAlchemy loads when history is first used, not on the first draw
    from llm.compare import Comparison
    from llm.store import ChatSummary, ComparisonSummary, Store

PAGE = 12  # conversations listed at first, and added by "Show more" (each link costs every rerun)
LISTED_FOR = 5.0  # seconds a session reuses the list it read, unless this process wrote since
STALE = 5.0  # a reply not written for this long is not streaming any more (a live one is saved each second)
STARTED = time.time()  # nor is one last written before this process started (the server was restarted)
CHAT = "chat"  # the query parameter
OPEN_AFTER = 2.0  # seconds after a new server's first page is drawn that the store opens, unless used sooner


def _open_store(url: str | None) -> Store:
    from llm.db import database_url
    from llm.store import Store

    return Store(url or database_url())


@st.cache_resource(show_spinner=False)
def _writer(url: str | None) -> Saver:
    """One store and one writer thread per database, shared by every session of this process. The store
    opens on a thread of its own, begun by the first page drawn (see `draw`)."""
    return Saver(functools.partial(_open_store, url))


def writer() -> Saver:
    return _writer(os.environ.get("DATABASE_URL"))


def store() -> Store:
    return writer().store


def owner() -> str | None:
    """Whose history this is: the logged-in person's with Streamlit's login configured (None until they
    log in), else the local user's."""
    if not st.session_state.get("history_on", True):
        return None
    if "history_owner" not in st.session_state:  # reading st.user parses the secrets file: once a session
        user = st.user.to_dict()
        if user.get("is_logged_in"):
            who = str(user.get("email") or user.get("sub") or "") or None
        else:
            who = None if "is_logged_in" in user else LOCAL
        st.session_state["history_owner"] = who
    return st.session_state["history_owner"]


def _problem(text: str | None) -> None:
    st.session_state["history_problem"] = text


def chat_settings(choice: Choice) -> dict[str, str]:
    """What reopening a conversation restores in the sidebar (never the key or the URL)."""
    return {
        "provider": choice.target.provider,
        "model": choice.target.model,
        "style": choice.style,
        "level": choice.level or "",
    }


def _restore(settings: Settings, saved: dict[str, str]) -> Settings:
    """Set the sidebar's widgets to a conversation's provider, model and thinking level."""
    provider = saved.get("provider", "")
    if provider not in PROVIDERS:
        return settings
    model, style, level = saved.get("model", ""), saved.get("style", ""), saved.get("level", "")
    st.session_state["provider"] = provider
    if model:
        st.session_state[f"model_{provider}"] = model
    if level and level in levels(style):  # type: ignore[arg-type]
        st.session_state[f"thinking_{style}"] = level
    return replace(settings, provider=provider, model=model, thinking=level or settings.thinking)


def open_from_url(settings: Settings) -> Settings:
    """Before the sidebar is drawn: open the conversation the URL names (a reload, a bookmark, a second tab,
    a tab left open across a server restart). Returns the settings to draw the sidebar with."""
    wanted = st.query_params.get(CHAT)
    if not wanted or wanted == st.session_state.get("chat_id"):
        return settings
    who = owner()
    saved = None
    if who is not None:
        writer().flush(2.0)  # this process may still hold its last writes for the conversation
        try:
            saved = store().chat(who, wanted, stale=min(STALE, time.time() - STARTED))
            _problem(None)
        except LLMError as err:
            _problem(str(err))
    if saved is None:
        del st.query_params[CHAT]
        st.session_state["history_notice"] = "That conversation is not in your history (deleted?)."
        return settings
    st.session_state.update(turns=saved.turns, chat_id=saved.id, all_messages=False)
    return _restore(settings, saved.settings)


def keep_url() -> None:
    """On the chat page, the URL names the open conversation. Sent on every run: switching pages drops the
    browser's query string, and so does a `st.page_link` to the page already open, while the server's copy
    still holds it."""
    if chat_id := st.session_state.get("chat_id"):
        st.query_params[CHAT] = chat_id


def new_chat() -> None:
    st.session_state.update(turns=[], chat_id=None, all_messages=False)
    st.query_params.pop(CHAT, None)


def save(turn: Turn, choice: Choice | None = None) -> None:
    """Queue `turn` to be written (a new conversation gets its id and its URL with its first message).

    `choice`: the settings in use, stored with the conversation so that reopening it restores them.
    """
    who = owner()
    if who is None:
        return
    chat_id = st.session_state.get("chat_id")
    if not chat_id:
        chat_id = st.session_state["chat_id"] = secrets.token_hex(8)
        st.query_params[CHAT] = chat_id
    writer().put_turn(who, chat_id, turn, chat_settings(choice) if choice else None)


def forget(turn: Turn) -> None:
    """Remove a reply from the saved conversation (Regenerate replaces it)."""
    who, chat_id = owner(), st.session_state.get("chat_id")
    if who is not None and chat_id:
        writer().put(lambda store: store.delete_turn(who, chat_id, turn.id))


def _call(method: str, *args: Any) -> Any:
    """A read on the page; a failure is shown in the sidebar, and None returned."""
    try:
        result = getattr(store(), method)(*args)
    except LLMError as err:
        _problem(str(err))
        return None
    _problem(None)
    return result


def _reused(slot: str, method: str, *args: Any) -> list[Any]:
    """A list read from the store with `method`, kept in the session under `slot` and read again only when
    this process wrote since, the arguments changed, or LISTED_FOR seconds passed (another app process may
    have written): a rerun redraws without a query."""
    key = (args, writer().written)
    cached = st.session_state.get(slot)
    if cached and cached[0] == key and time.monotonic() - cached[1] < LISTED_FOR:
        return list(cached[2])
    found: list[Any] = _call(method, *args) or []
    st.session_state[slot] = (key, time.monotonic(), found)
    return found


def _listed(who: str, search: str, limit: int) -> list[ChatSummary]:
    """The conversations to list (see `_reused`)."""
    return _reused("history_listed", "chats", who, search, limit)


def _delete(who: str, chat: ChatSummary) -> None:
    writer().put(lambda store: store.delete(who, chat.id))
    writer().flush(2.0)  # the list drawn next must not show it
    st.session_state["history_undo"] = chat
    if chat.id == st.session_state.get("chat_id"):
        new_chat()


def _undo(who: str, chat: ChatSummary) -> None:
    writer().put(lambda store: store.restore(who, chat.id))
    writer().flush(2.0)
    st.session_state["history_undo"] = None
    st.query_params[CHAT] = chat.id


def _rename(who: str, chat_id: str) -> None:
    title = st.session_state.get(f"history_title_{chat_id}", "").strip()
    if title:
        writer().put(lambda store: store.rename(who, chat_id, title))
        writer().flush(2.0)


def _import(who: str) -> None:
    upload = st.session_state.get("history_import")
    if upload is None:
        return
    try:
        chat_id = store().import_chat(who, upload.getvalue().decode("utf-8", "replace"))
    except LLMError as err:
        st.session_state["history_notice"] = str(err)
        return
    st.session_state["history_notice"] = None
    st.session_state.pop("history_listed", None)  # written here, not by the writer: list it now
    st.query_params[CHAT] = chat_id


def _more(shown: int) -> None:
    st.session_state["history_shown"] = shown


def _current_menu(who: str, chat: ChatSummary) -> None:
    with st.popover("Rename or delete", icon=":material/edit:", width="stretch"):
        st.text_input("Title", chat.title, key=f"history_title_{chat.id}", max_chars=200)
        st.button("Rename", key="history_rename", on_click=_rename, args=(who, chat.id))
        st.button(
            "Delete", key="history_delete", on_click=_delete, args=(who, chat), icon=":material/delete:"
        )


@st.fragment(run_every=0.2)
def _when_open() -> None:
    """Draw the whole page again once the store is open (its timer stops with it: no later run calls it)."""
    if writer().ready.is_set():
        st.rerun()


def draw(chat_page: StreamlitPage) -> None:
    """The History section of the sidebar: search, the conversations newest first, rename, delete, import."""
    if not st.session_state.get("history_on", True):
        return  # HISTORY=off: nothing is saved, nothing is listed
    who = owner()
    with st.sidebar:
        st.subheader("History")
        if who is None:
            st.caption("Log in to keep your conversations; each person sees only their own.")
            st.button("Log in", key="history_login", on_click=st.login)
            return
        first = not st.session_state.get("history_drawn")
        st.session_state["history_drawn"] = True
        if first and not writer().ready.is_set():
            # A new server's first page: the store opens (SQLAlchemy, the schema) a moment after this run,
            # once the browser has fetched the page's code from this process (bench/startup.py): sooner, it
            # takes the interpreter from the server sending it. The page is drawn again when it is open;
            # a later run of the session opens it itself.
            writer().open_soon(after=OPEN_AFTER)
            st.container(key="history_loading").caption("Loading your conversations…")
            _when_open()
            return
        problem = writer().problem or st.session_state.get("history_problem")
        if problem:
            st.warning(for_page(problem), icon=":material/database:")
        if notice := st.session_state.pop("history_notice", None):
            st.info(notice)
        if undo := st.session_state.get("history_undo"):
            st.caption(f"Deleted “{plain(undo.title)}”.")
            st.button(
                "Undo", key="history_undo_button", on_click=_undo, args=(who, undo), icon=":material/undo:"
            )
        search = st.text_input(
            "Search conversations", key="history_search", placeholder="Search", label_visibility="collapsed"
        )
        shown = st.session_state.get("history_shown", PAGE)
        current = st.session_state.get("chat_id")
        chats = _listed(who, search.strip(), shown + 1)
        if current and not search.strip() and current not in {c.id for c in chats}:
            writer().flush(1.0)  # a conversation begun in this run: its first message is being written
            chats = _listed(who, "", shown + 1)
        for chat in chats[:shown]:
            st.page_link(
                chat_page,
                label=plain(chat.title),
                query_params={CHAT: chat.id},
                icon=":material/chat_bubble:" if chat.id == current else ":material/chat_bubble_outline:",
                width="stretch",
            )
        if len(chats) > shown:
            st.button("Show more", key="history_more", on_click=_more, args=(shown + PAGE,))
        elif not chats:
            st.caption(
                "No conversation matches." if search.strip() else "Conversations you have appear here."
            )
        mine = next((c for c in chats if c.id == current), None)
        if mine is not None:
            _current_menu(who, mine)
        st.file_uploader(
            "Import a conversation (JSON export)",
            type=["json"],
            key="history_import",
            on_change=_import,
            args=(who,),
            max_upload_size=100,  # as llm.store.MAX_IMPORT_CHARS
        )


def _comparison_mark(comparison: Comparison) -> tuple[int, int, bool, bool]:
    """What changes when a comparison needs saving again: runs, votes, reveal, stop."""
    return len(comparison.runs), sum(comparison.votes), comparison.revealed, comparison.stopped


def save_comparison(comparison: Comparison) -> None:
    """Queue the session's comparison to be written, if it changed since it last was."""
    who = owner()
    if who is None or not comparison.runs:
        return
    if st.session_state.get("comparison") is not comparison:
        return
    comparison_id = st.session_state.get("comparison_id")
    if not comparison_id:
        comparison_id = st.session_state["comparison_id"] = secrets.token_hex(8)
    mark = (comparison_id, _comparison_mark(comparison))
    if st.session_state.get("comparison_mark") == mark:
        return
    st.session_state["comparison_mark"] = mark
    record = comparison.to_record()
    writer().put(lambda store: store.save_comparison(who, comparison_id, record), key=comparison_id)


def started(comparison: Comparison) -> None:
    """A new Run: the session's comparison, saved under a new id."""
    st.session_state.update(comparison=comparison, comparison_id=None, comparison_mark=None)


def _open_comparison(who: str, comparison_id: str) -> Comparison | None:
    from llm.compare import Comparison

    record = _call("comparison", who, comparison_id)
    if record is None:
        return None
    comparison = Comparison.from_record(record)
    st.session_state.update(
        comparison=comparison,
        compare_prompt=comparison.prompt,
        comparison_id=comparison_id,
        comparison_mark=(comparison_id, _comparison_mark(comparison)),
    )
    return comparison


def last_comparison() -> Comparison | None:
    """The latest saved comparison (a reload of the Compare page keeps it), or None."""
    who = owner()
    if who is None:
        return None
    listed = _call("comparisons", who, 1)
    if not listed:
        if listed is not None:  # none saved: the next rerun does not ask again (after a failure, it does)
            st.session_state["comparison"] = None
        return None
    return _open_comparison(who, listed[0].id)


def _pick_comparison(who: str) -> None:
    if picked := st.session_state.get("compare_history"):
        _open_comparison(who, picked)
        st.session_state["compare_history"] = None


def _comparisons_listed(who: str) -> list[ComparisonSummary]:
    """The saved comparisons to offer (see `_reused`)."""
    return _reused("history_comparisons", "comparisons", who, 50)


def comparison_picker() -> None:
    """Earlier comparisons, newest first: picking one opens it."""
    from llm.store import title_of

    who = owner()
    if who is None:
        return
    listed = _comparisons_listed(who)
    earlier = {c.id: c for c in listed if c.id != st.session_state.get("comparison_id")}
    if not earlier:
        return

    def label(comparison_id: str) -> str:
        saved = earlier[comparison_id]
        when = time.strftime("%d %b %H:%M", time.localtime(saved.updated))
        return f"{when} · {title_of(saved.prompt)}"  # options are drawn as plain text

    st.selectbox(
        "Earlier comparisons",
        list(earlier),
        index=None,
        key="compare_history",
        format_func=label,
        placeholder=f"{len(earlier)} saved: open one",
        on_change=_pick_comparison,
        args=(who,),
    )
