"""The first page anyone opens on a freshly started server is drawn whole, whichever page it is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from testkit.driver import WAIT_MS, count_runs, main, sidebar, tracebacks, wait_idle
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
