"""Load model in real Chromium: the sidebar counts the seconds, the page stays usable, then the time."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from testkit.driver import IDLE, runs_ended, send, sidebar, wait_idle, wait_reply
from testkit.fake_ollama import FakeOllama

LOAD = 4.0  # seconds the stand-in takes to load a model not in memory


@pytest.fixture
def slow_load(fake: FakeOllama) -> Iterator[FakeOllama]:
    fake.load_seconds = LOAD
    yield fake
    fake.load_seconds = 0.0


def test_load_model_counts_up_then_says_how_long_it_took(page: Page, slow_load: FakeOllama) -> None:
    bar = sidebar(page)
    bar.get_by_role("button", name="Load model").click()
    # the count goes up while the model loads, and between updates no script run holds the page
    bar.get_by_text(re.compile(r"Loading… [2-9] s")).wait_for(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    polled = runs_ended(page)
    assert bar.get_by_role("button", name="Load model").is_disabled()
    bar.get_by_text(re.compile(r"Loaded in \d+\.\d s · kept 5 min")).wait_for(timeout=30_000)
    wait_idle(page)
    assert runs_ended(page) > polled  # the status was redrawn by its own runs, each second
    settled = runs_ended(page)
    page.wait_for_timeout(2500)
    assert runs_ended(page) == settled  # and its timer ended with the load
    assert bar.get_by_role("button", name="Load model").is_enabled()
    assert slow_load.chats() == [{"model": "gpt-oss:20b", "messages": [], "keep_alive": "5m"}]

    send(page, "hello")
    wait_reply(page, 1)
    caption = page.get_by_test_id("stChatMessage").last.get_by_test_id("stCaptionContainer").last.inner_text()
    assert caption.startswith("first token ") and "load" not in caption  # warm: no load in its figures
    assert slow_load.chats()[-1]["keep_alive"] == "5m"
