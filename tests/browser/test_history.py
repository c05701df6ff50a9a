"""History in a real browser: reload, a second tab, a server killed mid-reply, two app processes."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page

from testkit.driver import (
    WAIT_MS,
    assistant_messages,
    choose,
    click,
    count_runs,
    open_app,
    running_with,
    select,
    selected,
    send,
    sidebar,
    tracebacks,
    type_message,
    user_messages,
    wait_idle,
)
from testkit.fake_ollama import FakeOllama
from testkit.server import StreamlitApp, app_env
from tests.browser.conftest import WRITER
from tests.postgres import cluster


def history_titles(page: Page) -> list[str]:
    """The conversations the sidebar lists, newest first."""
    links = sidebar(page).get_by_test_id("stPageLink")
    return [t.strip().splitlines()[-1] for t in links.all_inner_texts() if t.strip()]  # after the icon


def reload(page: Page) -> None:
    page.reload()
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
    wait_idle(page)


def said(page: Page) -> list[str]:
    """What the person's messages say, oldest first."""
    return [t.strip() for t in user_messages(page).get_by_test_id("stChatMessageContent").all_inner_texts()]


def chat_id(page: Page) -> str:
    found = re.search(r"[?&]chat=([0-9a-f]+)", page.url)
    assert found, page.url
    return found.group(1)


def test_reload_keeps_the_conversation_and_its_settings(new_page: Callable[[], Page]) -> None:
    page = new_page()
    select(page, "Model", "qwen3:8b")
    choose(page, "Thinking", "Off")
    send(page, "What is the capital of France?")
    first = chat_id(page)
    send(page, "And of Italy?")
    assert chat_id(page) == first

    reload(page)
    assert said(page) == ["What is the capital of France?", "And of Italy?"]
    assert "You said: And of Italy?" in assistant_messages(page).last.inner_text()
    assert selected(page, "Model").startswith("qwen3:8b")
    radio = sidebar(page).get_by_role("radiogroup", name="Thinking").get_by_role("radio", name="Off")
    assert radio.is_checked()
    assert history_titles(page)[0] == "What is the capital of France?"
    assert tracebacks(page) == 0


def test_a_second_tab_lists_the_conversation_and_opens_it(new_page: Callable[[], Page]) -> None:
    first = new_page()
    send(first, "A question asked in the first tab")
    second = new_page()  # a new browser context: another session, the same local history
    assert "A question asked in the first tab" in history_titles(second)
    with_link = (
        sidebar(second).get_by_test_id("stPageLink").filter(has_text="A question asked in the first tab")
    )
    with_link.first.click()
    second.wait_for_function("() => location.search.includes('chat=')", timeout=WAIT_MS)
    wait_idle(second)
    assert said(second) == ["A question asked in the first tab"]
    assert chat_id(second) == chat_id(first)
    # The second tab goes on with the conversation; the first tab sees it after a reload.
    send(second, "A follow-up from the second tab")
    reload(first)
    assert said(first) == [
        "A question asked in the first tab",
        "A follow-up from the second tab",
    ]


def test_new_chat_search_rename_delete_and_undo(new_page: Callable[[], Page]) -> None:
    page = new_page()
    send(page, "Tell me about zebras")
    click(page, "New chat")
    assert "chat=" not in page.url
    assert user_messages(page).count() == 0
    send(page, "Tell me about owls")
    assert history_titles(page)[:2] == ["Tell me about owls", "Tell me about zebras"]

    search = sidebar(page).get_by_placeholder("Search")
    search.fill("zebra")
    search.press("Enter")
    wait_idle(page)
    assert history_titles(page) == ["Tell me about zebras"]
    search.fill("")
    search.press("Enter")
    wait_idle(page)

    sidebar(page).get_by_role("button", name="Rename or delete").click()
    title = page.get_by_label("Title", exact=True)
    title.fill("Owls, renamed")
    title.press("Enter")
    wait_idle(page)
    click(page, "Rename")
    assert history_titles(page)[0] == "Owls, renamed"

    page.keyboard.press("Escape")
    sidebar(page).get_by_role("button", name="Rename or delete").click()
    click(page, "Delete")
    assert "Owls, renamed" not in history_titles(page)
    assert user_messages(page).count() == 0  # the deleted conversation was the open one
    click(page, "Undo")
    wait_idle(page)
    assert history_titles(page)[0] == "Owls, renamed"
    assert said(page) == ["Tell me about owls"]
    assert tracebacks(page) == 0


def test_a_server_killed_mid_reply_keeps_the_question_and_the_partial_answer(
    browser: Browser, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'history.db'}"
    with FakeOllama(token_delay=0.05) as fake:
        fake.models.append(WRITER)
        env = app_env(fake.url, DATABASE_URL=database, MODEL=WRITER.name)
        first = StreamlitApp(env, tmp_path / "first.log").start()
        try:
            page = open_app(count_runs(browser.new_page()), first.url)
            type_message(page, "Write a long answer")
            running_with(page, "w40")
            os.killpg(first.pid, signal.SIGKILL)  # no chance to save anything more
        finally:
            first.stop()
        second = StreamlitApp(env, tmp_path / "second.log")
        second.port = first.port  # the tab left open reconnects to the same address
        with second:
            page.get_by_text("Interrupted").wait_for(timeout=WAIT_MS)  # the open tab recovers by itself
            wait_idle(page)
            assert said(page) == ["Write a long answer"]
            kept = assistant_messages(page).last.inner_text()
            # Saved as it streamed: at most a write interval (a second, twenty words here) behind what the
            # page showed when the server died (w40), with a few words to spare for a busy machine.
            assert "w0 w1" in kept and "w15" in kept and "w399" not in kept
            # The next message is answered, with the partial answer still there.
            send(page, "Go on")
            assert said(page) == ["Write a long answer", "Go on"]
            assert "w15" in assistant_messages(page).first.inner_text()
            assert tracebacks(page) == 0
        page.close()


def test_two_app_processes_on_one_postgresql_share_the_history(browser: Browser, tmp_path: Path) -> None:
    with cluster() as postgres, FakeOllama() as fake:
        database = postgres.create_database("history")
        env = app_env(fake.url, DATABASE_URL=database)
        with (
            StreamlitApp(env, tmp_path / "one.log") as one,
            StreamlitApp(env, tmp_path / "two.log") as two,
        ):
            first = open_app(count_runs(browser.new_page()), one.url)
            send(first, "Started on the first app process")
            second = open_app(count_runs(browser.new_page()), f"{two.url}?chat={chat_id(first)}")
            assert said(second) == ["Started on the first app process"]
            assert "Started on the first app process" in history_titles(second)
            send(second, "Continued on the second")
            reload(first)
            assert said(first) == [
                "Started on the first app process",
                "Continued on the second",
            ]
            first.close()
            second.close()


def test_an_exported_conversation_imports_whole_and_a_bad_file_changes_nothing(
    new_page: Callable[[], Page], tmp_path: Path
) -> None:
    page = new_page()
    send(page, "A conversation worth keeping")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    exported = tmp_path / "conversation.json"
    info.value.save_as(exported)
    before = history_titles(page)

    bad = tmp_path / "bad.json"
    bad.write_text('{"settings": {}, "messages": [{"content": "no role"}]}')
    uploader = sidebar(page).get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(bad))
    sidebar(page).get_by_text("not a conversation exported by this app").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert history_titles(page) == before  # nothing half-imported

    original = chat_id(page)
    uploader.set_input_files(str(exported))
    page.wait_for_function(
        "id => location.search.includes('chat=') && !location.search.includes(id)", arg=original
    )
    wait_idle(page)
    assert chat_id(page) != original  # a copy, under a new id
    assert said(page) == ["A conversation worth keeping"]
    assert "You said: A conversation worth keeping" in assistant_messages(page).last.inner_text()
    assert history_titles(page).count("A conversation worth keeping") == 2
    assert tracebacks(page) == 0
