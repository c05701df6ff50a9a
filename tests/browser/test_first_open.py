"""The first page anyone opens on a freshly started server is drawn whole, whichever page it is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from llm.access import LOCAL
from llm.conversation import Turn
from llm.store import Store
from testkit.driver import HISTORY_LOADING, WAIT_MS, count_runs, main, sidebar, tracebacks, wait_idle
from testkit.fake_ollama import FakeOllama
from testkit.server import StreamlitApp, app_env


@pytest.mark.parametrize(("path", "title"), [("compare", "Compare"), ("chat", "Chat"), ("models", "Models")])
def test_first_page_opened_on_a_fresh_server_is_drawn_and_the_server_goes_idle(
    browser: Browser, tmp_path: Path, path: str, title: str
) -> None:
    with FakeOllama() as fake, StreamlitApp(app_env(fake.url), tmp_path / "app.log") as app:
        page = count_runs(browser.new_page())
        frames: list[float] = []
        page.on("websocket", lambda socket: socket.on("framereceived", lambda _: frames.append(time.time())))
        page.goto(app.url + path)  # a bookmark, or a tab the browser restores after a restart
        main(page).get_by_role("heading", name=title, exact=True).wait_for(timeout=WAIT_MS)
        wait_idle(page)
        nav = sidebar(page).get_by_test_id("stSidebarNav").inner_text().split()
        assert nav == ["Chat", "Compare", "Models"]  # the app's pages, not the files of pages/
        assert sidebar(page).get_by_text("Provider").count() == 1
        assert page.url == app.url + ("" if path == "chat" else path)  # the chat is the default page
        assert tracebacks(page) == 0
        # A rerun loop keeps a core busy and sends the page every run it starts; an idle server sends
        # nothing. (Its CPU time is no measure here: litellm's import begins in the background 3 s after
        # the first page is drawn and takes seconds of CPU.)
        quiet_from = time.time()
        time.sleep(3)
        assert [t for t in frames if t > quiet_from] == []
        page.close()


def test_a_new_servers_first_page_takes_input_before_the_history_opens_and_then_lists_it(
    browser: Browser, tmp_path: Path
) -> None:
    """The store opens (SQLAlchemy, the schema) after the first page is drawn; the page is then drawn again
    with the saved conversations, without anyone touching it."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    seeded = Store(url)
    seeded.save_turn(LOCAL, "kept", Turn("user", "A conversation from yesterday"))
    seeded.close()
    with (
        FakeOllama() as fake,
        StreamlitApp({**app_env(fake.url), "DATABASE_URL": url}, tmp_path / "a.log") as app,
    ):
        page = browser.new_page()
        page.goto(app.url)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
        link = sidebar(page).get_by_test_id("stPageLink").filter(has_text="A conversation from yesterday")
        link.wait_for(timeout=WAIT_MS)  # no click, no typing: the page was drawn again once the store opened
        wait_idle(page)
        assert sidebar(page).locator(HISTORY_LOADING).count() == 0
        assert tracebacks(page) == 0
        page.close()
