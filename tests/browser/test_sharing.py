"""Sharing on a network, in Chromium: the app bound to 127.0.0.2 (still this machine, but not the address
that keeps it local) stands in for `--server.address 0.0.0.0` on a LAN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from testkit.driver import IDLE, WAIT_MS, count_runs, rerun, send, sidebar, wait_idle
from testkit.fake_ollama import FakeOllama
from testkit.server import StreamlitApp, app_env

LAN = "127.0.0.2"
PASSCODE = "correct horse"


def shared_app(fake: FakeOllama, tmp: Path, **settings: str) -> StreamlitApp:
    return StreamlitApp(app_env(fake.url, **settings), tmp / "app.log", address=LAN)


def visit(browser: Browser, app: StreamlitApp) -> Page:
    page = count_runs(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
    page.goto(app.url)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)
    wait_idle(page)
    return page


@pytest.fixture(scope="module")
def gated(fake: FakeOllama, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitApp]:
    with shared_app(fake, tmp_path_factory.mktemp("gated"), APP_PASSCODE=PASSCODE) as app:
        yield app


def enter(page: Page, passcode: str) -> None:
    box = page.get_by_label("Passcode")
    with rerun(page):
        box.fill(passcode)
        page.get_by_role("button", name="Enter").click()


def test_without_a_passcode_a_shared_app_refuses_to_serve(
    browser: Browser, fake: FakeOllama, tmp_path: Path
) -> None:
    with shared_app(fake, tmp_path) as app:
        page = visit(browser, app)
        text = page.get_by_test_id("stAlertContentError").inner_text()
        assert f"listens on {LAN}" in text and "APP_PASSCODE" in text and "APP_OPEN=true" in text
        assert page.get_by_test_id("stChatInputTextArea").count() == 0
        assert "no APP_PASSCODE is set" in app.output()  # said where the person who started it looks
        page.context.close()


def test_the_passcode_gates_every_page_then_addresses_and_keys_come_from_env(
    browser: Browser, gated: StreamlitApp, fake: FakeOllama
) -> None:
    page = visit(browser, gated)
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert sidebar(page).get_by_test_id("stSelectbox").count() == 0
    enter(page, "wrong horse")
    assert "Wrong passcode" in page.get_by_test_id("stAlertContentError").inner_text()
    assert page.get_by_test_id("stChatInputTextArea").count() == 0

    enter(page, PASSCODE)
    page.get_by_test_id("stChatInputTextArea").wait_for()
    url = sidebar(page).get_by_role("textbox", name="Ollama URL")
    assert url.is_disabled() and url.input_value() == fake.url
    assert "You said: hello" in send(page, "hello").inner_text()

    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    assert page.get_by_label("Passcode").count() == 0  # once per session, for every page

    other = visit(browser, gated)  # another visitor's session asks again
    assert other.get_by_label("Passcode").count() == 1
    page.context.close()
    other.context.close()


def test_repeated_wrong_passcodes_are_throttled(browser: Browser, gated: StreamlitApp) -> None:
    page = visit(browser, gated)
    for _ in range(5):
        enter(page, "guess")
    enter(page, PASSCODE)  # right, but too soon after five wrong ones
    assert "Too many wrong passcodes" in page.get_by_test_id("stAlertContentError").inner_text()
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    page.context.close()


def test_an_open_shared_app_still_takes_addresses_and_keys_from_env_only(
    browser: Browser, fake: FakeOllama, tmp_path: Path
) -> None:
    with shared_app(fake, tmp_path, APP_OPEN="true") as app:
        page = visit(browser, app)
        page.get_by_test_id("stChatInputTextArea").wait_for()
        assert sidebar(page).get_by_role("textbox", name="Ollama URL").is_disabled()
        box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Provider").locator("input")
        box.click()
        with rerun(page):
            page.get_by_role("option", name="OpenAI-compatible server").click()
        assert sidebar(page).get_by_role("textbox", name="Base URL").is_disabled()
        box.click()
        with rerun(page):
            page.get_by_role("option", name="OpenAI", exact=True).click()
        assert sidebar(page).get_by_role("textbox", name="OpenAI API key").count() == 0
        assert "takes no pasted keys" in sidebar(page).inner_text()
        page.context.close()
