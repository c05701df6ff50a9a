"""History under AppTest: who sees what, a database that fails, HISTORY=off, compare runs kept."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from llm.store import Store
from testkit.fake_ollama import FakeOllama
from tests.conftest import ENTRY
from tests.test_chat_page import messages, send

COMPARE = str(Path(__file__).resolve().parents[1] / "pages" / "compare.py")
MakeApp = Callable[..., AppTest]


def listed(at: AppTest) -> list[str]:
    """The conversations the sidebar lists, newest first."""
    return [link.proto.label for link in at.get("page_link")]


def saved(owner: str = "local", count: int = 1) -> None:
    """Wait until the app's background writer has written `count` conversations of `owner`."""
    store, deadline = Store(os.environ["DATABASE_URL"]), time.monotonic() + 10
    while len(store.chats(owner)) < count:
        assert time.monotonic() < deadline, "the conversation was never written"
        time.sleep(0.05)


def session(user: dict[str, object] | None = None) -> AppTest:
    """A new browser session of the app, as `user` (AppTest's default user when None)."""
    at = AppTest.from_file(str(ENTRY), default_timeout=30)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_new_session_reopens_a_conversation_by_its_url(make_app: MakeApp) -> None:
    at = make_app()
    send(at, "What is a prime number?")
    chat_id = at.query_params["chat"]
    assert listed(at) == ["What is a prime number?"]
    saved()

    again = AppTest.from_file(str(ENTRY), default_timeout=30)
    again.query_params["chat"] = chat_id
    again.run()
    assert not again.exception, again.exception
    assert messages(again)[0] == ("user", "What is a prime number?")
    assert "You said: What is a prime number?" in messages(again)[1][1]


def test_each_logged_in_person_sees_only_their_own_history(app_env: FakeOllama) -> None:
    ada = session({"is_logged_in": True, "email": "ada@example.com"})
    send(ada, "Ada's question")
    saved("ada@example.com")
    bob = session({"is_logged_in": True, "email": "bob@example.com"})
    assert listed(bob) == []
    send(bob, "Bob's question")
    ada.run()
    assert listed(ada) == ["Ada's question"]
    assert listed(bob) == ["Bob's question"]
    # Bob cannot open Ada's conversation by its URL.
    stolen = AppTest.from_file(str(ENTRY), default_timeout=30)
    stolen.user = {"is_logged_in": True, "email": "bob@example.com"}
    stolen.query_params["chat"] = ada.query_params["chat"]
    stolen.run()
    assert not stolen.exception
    assert messages(stolen) == []
    assert "chat" not in stolen.query_params


def test_with_login_configured_and_nobody_logged_in_nothing_is_saved(app_env: FakeOllama) -> None:
    at = session({"is_logged_in": False})
    assert [b.label for b in at.sidebar.button if b.label == "Log in"] == ["Log in"]
    send(at, "An anonymous question")
    assert messages(at)[0] == ("user", "An anonymous question")
    assert "chat" not in at.query_params
    assert Store(os.environ["DATABASE_URL"]).chats("local") == []


def test_history_off_saves_nothing_and_lists_nothing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY", "off")
    at = make_app()
    send(at, "Not to be kept")
    assert messages(at)[0] == ("user", "Not to be kept")
    assert "History" not in [h.value for h in at.sidebar.subheader]
    assert "chat" not in at.query_params
    assert Store(os.environ["DATABASE_URL"]).chats("local") == []


def test_an_unwritable_database_leaves_the_chat_working_and_says_why(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/history.db")
    at = make_app()
    send(at, "Does the chat still work?")
    assert messages(at)[0] == ("user", "Does the chat still work?")
    assert "You said: Does the chat still work?" in messages(at)[1][1]
    at.run()
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert "History is not being saved" in warnings and str(blocker) in warnings
    assert not at.exception


def test_a_compare_run_is_kept_for_the_next_session(make_app: MakeApp) -> None:
    at = make_app(timeout=60)
    at.switch_page(COMPARE).run()
    at.text_area(key="compare_prompt").set_value("Which is larger, 9.11 or 9.9?").run()
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    store, deadline = Store(os.environ["DATABASE_URL"]), time.monotonic() + 10
    while not store.comparisons("local"):
        assert time.monotonic() < deadline, "the comparison was never written"
        time.sleep(0.05)

    later = AppTest.from_file(str(ENTRY), default_timeout=60)
    later.run()
    later.switch_page(COMPARE).run()
    assert not later.exception, later.exception
    assert later.text_area(key="compare_prompt").value == "Which is larger, 9.11 or 9.9?"
    shown = " ".join(m.value for m in later.markdown)
    assert "You said: Which is larger, 9.11 or 9.9?" in shown
    # A second comparison lists the first under "Earlier comparisons".
    later.text_area(key="compare_prompt").set_value("A second prompt").run()
    later.button(key="compare_run").click().run()
    earlier = later.selectbox(key="compare_history")
    assert len(earlier.options) == 1 and "Which is larger, 9.11 or 9.9?" in earlier.options[0]
