"""Stop is honest: the thinking block ends and reads "Stopped after N s" at once, with no further click, and
what is kept is what the page showed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from testkit.driver import (
    assistant_messages,
    running_with,
    select,
    send,
    type_message,
    user_messages,
    wait_idle,
)
from testkit.fake_ollama import FakeModel, FakeOllama

# Thinks for about 8 s before a short answer; and one that thinks a moment, then answers for about 8 s.
PONDERER = FakeModel(
    "ponder:1b", ["completion", "thinking"], "qwen3", "1.0B", thinking=" ".join(f"t{i}" for i in range(400))
)
TALKER = FakeModel("talker:1b", ["completion", "thinking"], "qwen3", "1.0B", answer_tokens=400)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOllama]:
    with FakeOllama(token_delay=0.02) as server:
        server.models += [PONDERER, TALKER]
        yield server


@pytest.fixture(scope="module")
def app_settings() -> dict[str, str]:
    return {"MODEL": "ponder:1b"}


def thinking_shown(page: Page) -> str:
    return assistant_messages(page).last.get_by_test_id("stExpanderDetails").inner_text().strip()


def test_stop_while_thinking_ends_the_thinking_block_at_once(page: Page, fake: FakeOllama) -> None:
    type_message(page, "think hard")
    running_with(page, "t20 t21")
    page.get_by_test_id("stChatInputStopButton").click()
    wait_idle(page)  # the run ended: nothing else is clicked before looking

    reply = assistant_messages(page).last
    label = reply.locator("summary").inner_text().strip().split("\n")[-1]
    assert re.fullmatch(r"Stopped after \d+\.\d s", label), label
    assert reply.get_by_test_id("stExpanderIconSpinner").count() == 0
    assert "Stopped" in reply.get_by_test_id("stCaptionContainer").inner_text()
    reply.locator("summary").click()
    shown = thinking_shown(page)
    assert shown.startswith("t0 t1") and "t399" not in shown

    send(page, "go on")  # the next run draws the kept reply from the conversation
    first = assistant_messages(page).first
    first.locator("summary").click()
    kept = first.get_by_test_id("stExpanderDetails").inner_text().strip()
    assert kept == shown  # what was on screen, not a batch more
    assert re.fullmatch(
        r"Stopped after \d+\.\d s", first.locator("summary").inner_text().strip().split("\n")[-1]
    )


def stop_an_answer(page: Page) -> None:
    """Ask the talker for a long answer and press Stop once it is on its way; wait for the run to end."""
    select(page, "Model", TALKER.name)
    type_message(page, "answer at length")
    running_with(page, "w20 w21")
    page.get_by_test_id("stChatInputStopButton").click()
    wait_idle(page)


def test_stop_while_answering_keeps_what_was_on_screen(page: Page, fake: FakeOllama) -> None:
    stop_an_answer(page)
    reply = assistant_messages(page).last
    shown = reply.get_by_test_id("stMarkdownContainer").filter(has_text="w0 w1").inner_text().strip()
    assert "Stopped" in reply.get_by_test_id("stCaptionContainer").last.inner_text()

    send(page, "go on")
    kept = assistant_messages(page).first.get_by_test_id("stMarkdownContainer").filter(has_text="w0 w1")
    assert kept.inner_text().strip() == shown
    assert fake.chats()[-1]["messages"][1]["content"].strip() == shown  # and that is what is sent on


def test_a_stopped_reply_stays_on_the_page_while_the_next_one_streams(page: Page, fake: FakeOllama) -> None:
    """Sending reruns only the chat's fragment; the reply it stopped last time is drawn in it again."""
    stop_an_answer(page)
    answer = assistant_messages(page).first.get_by_test_id("stMarkdownContainer").filter(has_text="w0 w1")
    kept = answer.inner_text().strip()

    type_message(page, "and again")
    page.get_by_test_id("stChatInputStopButton").wait_for()  # the next reply is on its way
    user_messages(page).filter(has_text="and again").wait_for()
    asked = user_messages(page).get_by_test_id("stChatMessageContent")
    assert [m.inner_text().strip() for m in asked.all()] == ["answer at length", "and again"]
    assert answer.inner_text().strip() == kept
    assert (
        assistant_messages(page).first.get_by_test_id("stCaptionContainer").filter(has_text="Stopped").count()
    )
