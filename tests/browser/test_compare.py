"""The Compare page in real Chromium: one prompt, every column streaming at once."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from testkit.driver import IDLE, rerun, tracebacks, wait_idle
from testkit.fake_ollama import FakeOllama
from tests.browser.conftest import TOKEN_DELAY
from tests.browser.test_chat import DOCS


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOllama]:
    """The default models only: the Models preset takes the first few the server lists."""
    with FakeOllama(token_delay=TOKEN_DELAY) as server:
        yield server


def open_compare(page: Page) -> None:
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    page.wait_for_url("**/compare")


def run(page: Page, prompt: str) -> None:
    """Type the prompt (committed with Ctrl+Enter, as a person's click elsewhere would) and press Run."""
    box = page.get_by_label("Prompt", exact=True)
    box.fill(prompt)
    with rerun(page):
        box.press("Control+Enter")
    page.get_by_role("button", name="Run").click()


def result_columns(page: Page) -> Locator:
    """The columns that show replies (each starts with a heading naming the column)."""
    return page.get_by_test_id("stColumn").filter(has=page.locator("h5"))


def all_columns_show_while_running(page: Page, text: str, count: int) -> None:
    page.wait_for_function(
        """([text, count, idle]) => {
            const cols = [...document.querySelectorAll('[data-testid="stColumn"]')]
                .filter(c => c.querySelector('h5'));
            return cols.length === count && cols.every(c => c.innerText.includes(text))
                && !document.querySelector(idle);
        }""",
        arg=[text, count, IDLE],
        timeout=60_000,
    )


def wait_results(page: Page) -> None:
    """The run ended and the page drew the results (the exports come last)."""
    page.get_by_role("button", name="Download JSON").wait_for(timeout=60_000)
    wait_idle(page)


def test_thinking_levels_stream_side_by_side(page: Page, fake: FakeOllama) -> None:
    fake.token_delay = 0.1
    open_compare(page)
    run(page, "why is the sky blue?")
    # Thinking text shows only while a column's thinking block is open: all three at once means in parallel.
    all_columns_show_while_running(page, "Let me think", 3)

    wait_results(page)
    columns = [c.inner_text() for c in result_columns(page).all()]
    assert [c.splitlines()[0] for c in columns] == [
        "A · gpt-oss:20b · Low",
        "B · gpt-oss:20b · Medium",
        "C · gpt-oss:20b · High",
    ]
    for column in columns:
        assert "You said: why is the sky blue?" in column and "tok/s" in column and "Thought for" in column
    assert sorted(c["think"] for c in fake.chats()) == ["high", "low", "medium"]
    # The files are made when clicked (not on every rerun) and hold this run; one right after the other.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download Markdown").click()
    assert info.value.suggested_filename == "comparison.md"
    assert "why is the sky blue?" in Path(info.value.path()).read_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    exported = json.loads(Path(info.value.path()).read_text())
    assert exported["prompt"] == "why is the sky blue?" and len(exported["columns"]) == 3
    assert tracebacks(page) == 0
    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 1800})  # the page scrolls inside, not the window
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "compare.png"))


def test_models_preset_streams_each_model(page: Page, fake: FakeOllama) -> None:
    open_compare(page)
    with rerun(page):
        page.get_by_role("radiogroup", name="Preset").get_by_role("radio", name="Models").click(force=True)
    run(page, "hello models")
    wait_results(page)
    models = sorted(c["model"] for c in fake.chats())
    assert len(models) == len(set(models)) == result_columns(page).count() >= 2
    for column in result_columns(page).all():
        assert "You said: hello models" in column.inner_text()
    assert tracebacks(page) == 0


def test_a_blind_vote_reaches_the_leaderboard(page: Page, fake: FakeOllama) -> None:
    open_compare(page)
    with rerun(page):
        page.get_by_test_id("stCheckbox").filter(has_text="Blind").click()
    run(page, "which is larger, 9.11 or 9.9?")
    page.get_by_role("button", name="Vote for A").wait_for(timeout=60_000)
    wait_idle(page)
    leaderboard = (
        page.get_by_test_id("stVerticalBlock")
        .filter(has=page.get_by_role("heading", name="Leaderboard"))
        .last
    )
    assert "No blind votes yet." in leaderboard.inner_text()
    assert [c.inner_text().splitlines()[0] for c in result_columns(page).all()] == ["A", "B", "C"]

    with rerun(page):
        page.get_by_role("button", name="Vote for A").click()
    assert "gpt-oss" not in page.get_by_test_id("stMain").inner_text(), "still blind: no name anywhere"
    with rerun(page):
        page.get_by_role("button", name="Reveal settings").click()

    first = result_columns(page).first.inner_text().splitlines()[0]  # "A · gpt-oss:20b · Low"
    chosen = first.removeprefix("A · ")
    text = page.get_by_test_id("stMain").inner_text()
    assert f"Preferred so far: {chosen}, with 1 of 1 vote (100%) in 1 blind run." in text
    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() == 3  # the time chart, the thinking tokens chart, the board's bars
    assert page.get_by_test_id("stDataFrame").count() == 2  # the figures and the board
    assert tracebacks(page) == 0
    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.get_by_role("heading", name="Leaderboard").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "leaderboard.png"))
