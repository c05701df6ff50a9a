"""Starter cards and present view in real Chromium, on a 1280x720 screen as a projector shows it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from llm.starters import BUILT_IN
from testkit.driver import (
    assistant_messages,
    count_runs,
    main,
    open_app,
    rerun,
    running_with,
    sidebar,
    tracebacks,
    user_messages,
    wait_idle,
    wait_reply,
)
from testkit.fake_ollama import FakeOllama
from testkit.server import StreamlitApp
from tests.browser.test_chat import CAPTION, DOCS

PROJECTOR = {"width": 1280, "height": 720}
HEADER = ".st-key-present_header"


@pytest.fixture
def projector(browser: Browser, app: StreamlitApp) -> Iterator[Page]:
    """A fresh browser (its own localStorage, so its own remembered sidebar) at projector size."""
    context = browser.new_context(viewport=PROJECTOR)
    yield count_runs(context.new_page())
    context.close()


def folded(page: Page) -> bool:
    """Whether the sidebar is folded away, as the page shows it (and not merely as it is marked)."""
    bar = sidebar(page)
    box = bar.bounding_box()
    return bar.get_attribute("data-collapsed") == "true" and (box is None or box["x"] + box["width"] <= 1)


def wait_folded(page: Page, want: bool) -> None:
    page.wait_for_function(
        """want => {
            const bar = document.querySelector('[data-testid="stSidebar"]');
            if (!bar) return false;
            const box = bar.getBoundingClientRect();
            return (bar.getAttribute('data-collapsed') === 'true' && box.right <= 1) === want;
        }""",
        arg=want,
        timeout=10_000,
    )


def test_a_starter_card_sends_its_prompt_and_the_reply_streams(page: Page, fake: FakeOllama) -> None:
    cards = page.locator(".st-key-starters button")
    assert cards.count() == len(BUILT_IN)
    assert BUILT_IN[1].title in cards.nth(1).inner_text()
    fake.token_delay = 0.05
    cards.nth(1).click()
    running_with(page, "You said: Ana, Ben")  # streaming: the run is still going
    wait_reply(page, 1)
    assert user_messages(page).first.inner_text().strip().endswith(BUILT_IN[1].prompt)
    reply = assistant_messages(page).last
    assert f"You said: {BUILT_IN[1].prompt}" in reply.inner_text()
    assert CAPTION.search(reply.get_by_test_id("stCaptionContainer").inner_text())
    assert fake.chats()[-1]["messages"] == [{"role": "user", "content": BUILT_IN[1].prompt}]
    assert page.locator(".st-key-starters").count() == 0  # gone once the conversation has begun
    assert tracebacks(page) == 0


def test_present_in_the_url_folds_the_sidebar_and_names_the_model_and_level(
    projector: Page, app: StreamlitApp, fake: FakeOllama
) -> None:
    page = open_app(projector, app.url + "?present=1")
    wait_folded(page, True)
    line = page.locator(HEADER)
    assert "gpt-oss:20b · Thinking Medium" in line.inner_text()
    box = line.bounding_box()
    assert box and box["x"] < 60 and box["y"] < 120 and box["height"] < 60  # one line, at the top left
    assert main(page).get_by_test_id("stHeading").count() == 0  # the line replaces the page's title
    cards = page.locator(".st-key-starters button")
    last = cards.last.bounding_box()
    assert cards.count() == len(BUILT_IN) and last and last["y"] + last["height"] < 720 - 100  # above the box
    size = (
        main(page)
        .locator("[data-testid='stCaptionContainer'] p")
        .first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    )
    assert size >= 17  # a caption is 14 px in the normal view
    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "present-starters.png"))

    # The presenter opens the sidebar (the browser remembers that) and leaves present view.
    page.get_by_test_id("stExpandSidebarButton").click()
    wait_folded(page, False)
    with rerun(page):
        sidebar(page).get_by_text("Present", exact=True).click()
    assert "present" not in page.url and page.locator(HEADER).count() == 0
    assert main(page).get_by_test_id("stHeading").first.inner_text() == "Chat"
    assert not folded(page)
    # Present again from the sidebar: it folds, although the browser remembers it open.
    with rerun(page):
        sidebar(page).get_by_text("Present", exact=True).click()
    wait_folded(page, True)
    assert "present=1" in page.url

    reply_to_starter(page, fake)
    page.reload()  # the URL keeps present view
    page.locator(HEADER).wait_for()
    wait_idle(page)
    wait_folded(page, True)
    assert "You said: " in assistant_messages(page).last.inner_text()  # and the conversation
    assert tracebacks(page) == 0
    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "present-chat.png"))


def reply_to_starter(page: Page, fake: FakeOllama) -> None:
    page.locator(".st-key-starters button").first.click()
    wait_reply(page, 1)
    assert fake.chats()[-1]["messages"][-1]["content"] == BUILT_IN[0].prompt


def test_compare_in_present_view_uses_the_whole_width(
    projector: Page, app: StreamlitApp, fake: FakeOllama
) -> None:
    page = projector
    page.goto(app.url + "compare?present=1")
    page.get_by_label("Prompt", exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    wait_folded(page, True)
    with rerun(page):
        page.get_by_role("button", name=BUILT_IN[0].title).click()
    assert page.get_by_label("Prompt", exact=True).input_value() == BUILT_IN[0].prompt
    page.get_by_role("button", name="Run").click()
    page.get_by_role("button", name="Download JSON").wait_for(timeout=60_000)
    wait_idle(page)
    columns = page.get_by_test_id("stColumn").filter(has=page.locator("h5"))
    assert columns.count() == 3
    first, last = columns.first.bounding_box(), columns.last.bounding_box()
    assert first and last and first["x"] < 40 and last["x"] + last["width"] > 1280 - 40
    for column in columns.all():
        assert f"You said: {BUILT_IN[0].prompt}" in column.inner_text()
    table = page.get_by_test_id("stTable")  # a plain table, sized by present view's type
    assert "Total time" in table.inner_text()
    size = table.locator("td").first.evaluate("td => parseFloat(getComputedStyle(td).fontSize)")
    box = table.bounding_box()
    assert size >= 18 and box and box["x"] + box["width"] <= 1280
    assert tracebacks(page) == 0
    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.locator("h5").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "present-compare.png"))
