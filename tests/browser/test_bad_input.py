"""Input a person should not send but will: empty, huge, odd characters, and markup meant to run script."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from testkit.driver import (
    click,
    messages,
    select,
    send,
    tracebacks,
    user_messages,
    wait_idle,
)
from testkit.fake_ollama import FakeOllama

INJECTION = (
    '<script>window.__pwned = "script"</script> '
    "<img src=x onerror=\"window.__pwned = 'img'\"> "
    "<iframe src=\"javascript:window.__pwned = 'iframe'\"></iframe> "
    "[click me](javascript:window.__pwned='link') "
    "![pic](javascript:window.__pwned='image') "
    "<a href=\"javascript:window.__pwned='a'\">a</a> "
    "<style>body { display: none }</style> **bold**"
)
MATH_U = "\U0001d518"  # a character outside the Basic Multilingual Plane
ODD = (
    "tab\there bell\x07 nul\x00 esc\x1b[31m zwj 👩‍👩‍👧 flag 🇳🇴 skin 👍🏽 "
    f"rtl \u202edlrow\u202c math {MATH_U} cr\r\nend"
)


def test_empty_and_blank_messages_send_nothing(page: Page, fake: FakeOllama) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.press("Enter")
    box.fill("   \n  ")
    box.press("Enter")
    time.sleep(1)
    wait_idle(page)
    assert messages(page).count() == 0
    assert fake.chats() == []


def test_a_100k_character_paste_reaches_the_model_whole(page: Page, fake: FakeOllama) -> None:
    select(page, "Model", "llama3.2:3b")
    fake.token_delay = 0.0
    line = "lorem-ipsum-" * 8 + "x" * 3
    paste = "\n".join(f"{n:04d}{line}" for n in range(1000))
    assert len(paste) >= 100_000
    reply = send(page, paste, timeout=180_000)
    assert fake.chats()[-1]["messages"][-1]["content"] == paste
    assert "0999lorem" in reply.inner_text() and "tok/s" in reply.inner_text()
    shown = user_messages(page).last.inner_text()  # its first 20 lines, and a way to the rest
    assert "0019lorem" in shown and "0999lorem" not in shown
    click(page, f"Show all (1,000 lines, {len(paste):,} characters)")
    assert "0999lorem" in user_messages(page).last.inner_text()
    assert tracebacks(page) == 0


def test_control_characters_and_emoji_survive(page: Page, fake: FakeOllama) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(ODD)
    typed = box.input_value()
    reply = send(page, ODD)
    assert fake.chats()[-1]["messages"][-1]["content"] == typed
    for piece in ("👩‍👩‍👧", "🇳🇴", "👍🏽", MATH_U, "dlrow"):
        assert piece in user_messages(page).last.inner_text()
        assert piece in reply.inner_text()
    assert tracebacks(page) == 0


def test_markup_meant_to_run_script_is_drawn_as_text(page: Page, fake: FakeOllama) -> None:
    reply = send(page, INJECTION)
    reply.locator("summary").click()  # open the thinking, which echoes the message too
    reply.get_by_text("Let me think about this.").wait_for()
    for shown in (user_messages(page).last.inner_text(), reply.inner_text()):
        for tag in ("<script>", "<img src=x onerror=", "<iframe", "<style>", '<a href="javascript:'):
            assert tag in shown
    assert page.evaluate("window.__pwned") is None
    main = page.get_by_test_id("stMainBlockContainer")
    assert main.locator("script, style, iframe, [onerror]").count() == 0
    hrefs = main.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert not [href for href in hrefs if not href.startswith("http")]
    assert main.locator("img[src^='javascript']").count() == 0
    assert fake.chats()[-1]["messages"][-1]["content"] == INJECTION
    assert tracebacks(page) == 0
