"""What a person does in the app, as Playwright steps, and what they see, as text."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WAIT_MS = 60_000


def wait_idle(page: Page, timeout: float = WAIT_MS) -> None:
    """Wait until no script run is in flight (seen twice, since a rerun can follow a run at once)."""
    for _ in range(2):
        page.wait_for_selector(IDLE, timeout=timeout)
        time.sleep(0.3)
    page.wait_for_selector(IDLE, timeout=timeout)


def open_app(page: Page, url: str) -> Page:
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    return page


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def messages(page: Page) -> Locator:
    return page.get_by_test_id("stChatMessage")


def assistant_messages(page: Page) -> Locator:
    return messages(page).filter(has=page.get_by_test_id("stChatMessageAvatarAssistant"))


def user_messages(page: Page) -> Locator:
    return messages(page).filter(has=page.get_by_test_id("stChatMessageAvatarUser"))


def type_message(page: Page, text: str) -> None:
    """Put `text` in the chat box and press Enter, without waiting for the reply."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def send(page: Page, text: str, timeout: float = WAIT_MS) -> Locator:
    """Send a message and wait for the reply to finish; return the last assistant message."""
    replies = assistant_messages(page).count()
    type_message(page, text)
    wait_reply(page, replies + 1, timeout)
    return assistant_messages(page).last


def wait_reply(page: Page, count: int, timeout: float = WAIT_MS) -> None:
    """Wait until `count` assistant messages are drawn and the run that drew them has ended."""
    page.wait_for_function(
        """n => document.querySelectorAll('[data-testid="stChatMessageAvatarAssistant"]').length >= n""",
        arg=count, timeout=timeout)
    wait_idle(page, timeout)


def select(page: Page, label: str, option: str) -> None:
    """Pick `option` in the sidebar selectbox labelled `label` (typing it, as the box accepts new names)."""
    box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text=label)
    box.locator("input").click()
    box.locator("input").fill(option)
    # Options read "name · size"; "Add: name" is offered too, for names the server does not list.
    page.get_by_role("option").filter(has_text=re.compile(rf"^{re.escape(option)}( ·|$)")).first.click()
    wait_idle(page)


def choose(page: Page, label: str, option: str) -> None:
    """Click `option` in the sidebar radio group labelled `label`."""
    group = sidebar(page).get_by_role("radiogroup", name=label)
    group.get_by_text(option, exact=True).click()
    wait_idle(page)


def text_input(page: Page, label: str, value: str) -> None:
    """Type into a sidebar text input and commit it with Enter."""
    field = sidebar(page).get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")
    wait_idle(page)
