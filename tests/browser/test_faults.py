"""Server faults as a person meets them in the browser: each ends in a clear message, never a frozen page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from testkit.driver import (
    add_model,
    assistant_messages,
    click,
    fill,
    running_with,
    select,
    send,
    tracebacks,
    type_message,
    user_messages,
    wait_idle,
    wait_reply,
)
from testkit.fake_ollama import FakeOllama
from testkit.server import free_port

STALL = 3


@pytest.fixture(scope="module")
def app_settings() -> dict[str, str]:
    return {"LLM_STALL_TIMEOUT": str(STALL), "LLM_RETRIES": "3"}


def kept(page: Page, message: str) -> None:
    """The person's message is still on the page and nothing shows a traceback."""
    assert user_messages(page).last.inner_text().endswith(message)
    assert tracebacks(page) == 0


def test_refused_connection_says_how_to_start_ollama(page: Page) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    fill(page, "Ollama URL", dead)
    type_message(page, "anyone there?")
    running_with(page, "Server not reachable: retrying in")
    wait_reply(page, 1)
    reply = assistant_messages(page).last.inner_text()
    assert f"Ollama is not reachable at {dead}" in reply and "ollama serve" in reply
    assert "3 retries" in reply
    kept(page, "anyone there?")


def test_missing_model_says_how_to_pull_it(page: Page, fake: FakeOllama) -> None:
    add_model(page, "missing-model:1b")
    reply = send(page, "hello").inner_text()
    assert "The model missing-model:1b is not on this Ollama server" in reply
    assert "ollama pull missing-model:1b" in reply
    assert fake.chats()[-1]["model"] == "missing-model:1b"
    kept(page, "hello")


@pytest.mark.parametrize("model", ["gpt-oss:20b", "llama3.2:3b"])  # Ollama's native and OpenAI-style APIs
def test_server_error_is_retried_as_set_then_reported(page: Page, fake: FakeOllama, model: str) -> None:
    select(page, "Model", model)
    fake.fail("500", times=4)
    reply = send(page, "hello").inner_text()
    assert "llama runner process has terminated" in reply and "check the server's log" in reply
    assert len(fake.chats()) == 4  # the first try and LLM_RETRIES=3, no hidden retries on top
    kept(page, "hello")


def test_busy_server_is_retried_until_it_answers(page: Page, fake: FakeOllama) -> None:
    fake.fail("503", times=1)
    reply = send(page, "hello").inner_text()
    assert "You said: hello" in reply and "1 retry" in reply
    assert "busy" not in reply
    assert len(fake.chats()) == 2


def test_dropped_stream_keeps_the_partial_answer_regenerate_recovers(page: Page, fake: FakeOllama) -> None:
    fake.fail("drop", after=11)  # nine thinking tokens, then "You said: "
    reply = send(page, "hello")
    text = reply.inner_text()
    assert "You said:" in text and "You said: hello" not in text
    assert "The reply was cut off" in text and "Regenerate" in text
    kept(page, "hello")

    click(page, "Regenerate")
    assistant_messages(page).last.get_by_text("You said: hello").wait_for()
    wait_reply(page, 1)
    assert "cut off" not in assistant_messages(page).last.inner_text()
    assert assistant_messages(page).count() == 1 and len(fake.chats()) == 2


def test_error_line_mid_stream_is_reported(page: Page, fake: FakeOllama) -> None:
    fake.fail("error_line", after=11)
    text = send(page, "hello").inner_text()
    assert "You said:" in text and "unexpected EOF" in text
    kept(page, "hello")


def test_stalled_stream_shows_the_wait_then_gives_up(page: Page, fake: FakeOllama) -> None:
    fake.fail("stall", after=11, seconds=60)
    type_message(page, "hello")
    running_with(page, "Waiting for the server…")
    wait_reply(page, 1)
    text = assistant_messages(page).last.inner_text()
    assert "You said:" in text and f"The server stopped sending for {STALL} s" in text
    kept(page, "hello")


def test_slow_first_byte_shows_loading_then_the_answer(page: Page, fake: FakeOllama) -> None:
    fake.fail("slow_first_byte", seconds=8)
    type_message(page, "hello")
    running_with(page, "Loading model… 2 s")
    running_with(page, "Loading model… 4 s")  # the notice keeps counting: the page is alive
    assert page.get_by_test_id("stChatInputStopButton").is_enabled()
    wait_reply(page, 1)
    text = assistant_messages(page).last.inner_text()
    assert "You said: hello" in text and "Loading model" not in text


def test_stop_while_the_model_loads_keeps_the_message(page: Page, fake: FakeOllama) -> None:
    fake.fail("slow_first_byte", seconds=60)
    type_message(page, "hello")
    running_with(page, "Loading model… 2 s")
    page.get_by_test_id("stChatInputStopButton").click()
    wait_idle(page)
    kept(page, "hello")
    reply = send(page, "again")
    assert "You said: again" in reply.inner_text()
    assert user_messages(page).first.inner_text().endswith("hello")
