"""What a person does in the app, as Playwright steps, and what they see, as text."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Locator, Page
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
HISTORY_LOADING = ".st-key-history_loading"  # a new server's first page, until the history is open
WAIT_MS = 60_000
# A run's end as the server reports it. The page's script-state attribute is not enough: a quick run can
# start and end within one render, and then the attribute never shows it running. A message sent on the
# chat page reruns its fragment only (pages/chat.py).
ENDED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
_runs: weakref.WeakKeyDictionary[Page, list[int]] = weakref.WeakKeyDictionary()
_received: weakref.WeakKeyDictionary[Page, list[ForwardMsg]] = weakref.WeakKeyDictionary()


def count_runs(page: Page) -> Page:
    """Count the script runs that end on `page` from now on, and keep what the server sends it (call before
    it opens the app)."""
    ended = _runs.setdefault(page, [0])
    received = _received.setdefault(page, [])

    def frame(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            received.append(message)
            if message.WhichOneof("type") == "script_finished" and message.script_finished in ENDED:
                ended[0] += 1

    page.on("websocket", lambda socket: socket.on("framereceived", frame))
    return page


def runs_ended(page: Page) -> int:
    return _runs[page][0]


def received(page: Page) -> list[ForwardMsg]:
    """Every message the server has sent `page` since it opened the app, in order."""
    return _received[page]


def wait_idle(page: Page, timeout: float = WAIT_MS) -> None:
    """Wait until no script run is in flight, and still none a moment later (a rerun may follow, as on a new
    server's first page, drawn again once the history is open)."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_selector(HISTORY_LOADING, state="detached", timeout=timeout)
    time.sleep(0.3)
    page.wait_for_selector(IDLE, timeout=timeout)


@contextmanager
def rerun(page: Page, timeout: float = WAIT_MS) -> Iterator[None]:
    """Wait, after the action in the block, for the script run it starts to end."""
    before = runs_ended(page)
    yield
    deadline = time.monotonic() + timeout / 1000
    while runs_ended(page) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run ended within {timeout / 1000:.0f} s of the action")
        page.wait_for_timeout(20)  # lets Playwright deliver the page's websocket messages
    wait_idle(page, timeout)


def open_app(page: Page, url: str) -> Page:
    count_runs(page)
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    return page


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMainBlockContainer")


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
    """Wait until `count` replies are drawn and the page has settled after the last one.

    The Regenerate button is drawn only by the rerun that follows a finished (or failed) reply.
    """
    page.wait_for_function(
        """n => document.querySelectorAll('[data-testid="stChatMessageAvatarAssistant"]').length >= n""",
        arg=count,
        timeout=timeout,
    )
    page.get_by_role("button", name="Regenerate").wait_for(timeout=timeout)
    wait_idle(page, timeout)


def select(page: Page, label: str, option: str) -> None:
    """Pick `option` in the sidebar selectbox labelled `label` (typed: the box filters as you type)."""
    box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text=label)
    if re.match(rf"{re.escape(option)}( ·|$)", box.locator("input").input_value()):
        return  # already chosen: picking it again starts no run
    box.locator("input").click()
    box.locator("input").fill(option)
    # Options read "name · size"; an "Add: name" entry is offered too, for names the server does not list.
    with rerun(page):
        page.get_by_role("option").filter(has_text=re.compile(rf"^{re.escape(option)}( ·|$)")).first.click()


def add_model(page: Page, name: str) -> None:
    """Type a model name the server does not list, as the Model box allows."""
    box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Model")
    box.locator("input").click()
    box.locator("input").fill(name)
    with rerun(page):
        page.get_by_role("option", name=f"Add: {name}").click()


def selected(page: Page, label: str) -> str:
    """The text the sidebar selectbox labelled `label` shows."""
    return sidebar(page).get_by_test_id("stSelectbox").filter(has_text=label).locator("input").input_value()


def choose(page: Page, label: str, option: str) -> None:
    """Click `option` in the sidebar radio group labelled `label`."""
    radio = sidebar(page).get_by_role("radiogroup", name=label).get_by_role("radio", name=option, exact=True)
    if radio.is_checked():
        return  # already chosen: clicking it again starts no run
    with rerun(page):
        radio.click(force=True)  # the input itself is hidden behind Streamlit's styled dot


def fill(page: Page, label: str, value: str) -> None:
    """Type into a sidebar text input and commit it with Enter."""
    field = sidebar(page).get_by_label(label, exact=True)
    with rerun(page):
        field.fill(value)
        field.press("Enter")


def click(page: Page, name: str) -> None:
    """Click the button called `name` and wait for the run it starts."""
    with rerun(page):
        page.get_by_role("button", name=name, exact=True).click()


def tracebacks(page: Page) -> int:
    """How many exception boxes (Streamlit's traceback display) the page shows."""
    return page.get_by_test_id("stException").count()


def running_with(page: Page, text: str, timeout: float = WAIT_MS) -> None:
    """Wait until the last chat message shows `text` while a script run is still going."""
    page.wait_for_function(
        """([text, idle]) => {
            const all = document.querySelectorAll('[data-testid="stChatMessage"]');
            const last = all[all.length - 1];
            return last && last.innerText.includes(text) && !document.querySelector(idle);
        }""",
        arg=[text, IDLE],
        timeout=timeout,
    )
