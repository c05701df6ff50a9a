"""A person's path through the chat page in real Chromium, against the loopback Ollama-protocol server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import RootContainer

from testkit.driver import (
    IDLE,
    assistant_messages,
    choose,
    click,
    main,
    messages,
    open_app,
    received,
    rerun,
    running_with,
    select,
    send,
    sidebar,
    type_message,
    wait_idle,
    wait_reply,
)
from testkit.fake_ollama import FakeOllama
from testkit.server import StreamlitApp

DOCS = Path(__file__).resolve().parents[2] / "docs"
CAPTION = re.compile(r"first token [\d.]+ s · .*total [\d.]+ s · \d+ tokens · [\d.]+ tok/s")


def test_answer_streams_and_stop_keeps_the_partial_answer(page: Page, fake: FakeOllama) -> None:
    select(page, "Model", "writer:1b")  # thinks briefly, then answers "w0 w1 … w399"
    fake.token_delay = 0.03
    type_message(page, "write something long")
    running_with(page, "w0 w1 w2 w3")
    # The thinking block has collapsed to its final label while the answer is still streaming.
    assert re.search(r"Thought for \d+\.\d s", assistant_messages(page).last.locator("summary").inner_text())

    page.get_by_test_id("stChatInputStopButton").click()
    wait_idle(page)
    shown = assistant_messages(page).last.inner_text()
    assert "w0 w1 w2 w3" in shown and "w399" not in shown

    send(page, "go on")
    first = assistant_messages(page).first
    partial = first.get_by_test_id("stMarkdownContainer").filter(has_text="w0 w1").inner_text()
    assert partial.startswith("w0 w1 w2 w3") and "w399" not in partial
    assert "Stopped" in first.get_by_test_id("stCaptionContainer").first.inner_text()
    history = fake.chats()[-1]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["content"].strip() == partial


def test_model_refresh_button_shows_its_whole_icon(page: Page) -> None:
    button = sidebar(page).get_by_role("button", name="refresh")
    box, icon = button.bounding_box(), button.locator("span").last.bounding_box()
    padding = button.evaluate("b => parseFloat(getComputedStyle(b).paddingRight)")
    assert box and icon and icon["x"] + icon["width"] <= box["x"] + box["width"] - padding  # not clipped


def test_thinking_control_changes_what_goes_on_the_wire(page: Page, fake: FakeOllama) -> None:
    reply = send(page, "default level")
    assert fake.chats()[-1]["think"] == "medium"
    assert reply.get_by_test_id("stExpander").count() == 1

    with rerun(page):
        sidebar(page).get_by_text("Show thinking").click()
    reply = send(page, "thinking hidden")
    assert fake.chats()[-1]["think"] == "medium"  # hiding is the page's business: the model still thinks
    assert reply.get_by_test_id("stExpander").count() == 0 and "Let me think" not in reply.inner_text()
    assert "thinking" in reply.get_by_test_id("stCaptionContainer").inner_text()  # and is still timed
    with rerun(page):
        sidebar(page).get_by_text("Show thinking").click()

    for label, wire in (("High", "high"), ("Low", "low")):
        choose(page, "Thinking", label)
        send(page, f"level {label}")
        assert fake.chats()[-1]["think"] == wire

    select(page, "Model", "qwen3:8b")
    choose(page, "Thinking", "Off")
    reply = send(page, "no thinking please")
    assert fake.chats()[-1]["model"] == "qwen3:8b" and fake.chats()[-1]["think"] is False
    assert reply.get_by_test_id("stExpander").count() == 0
    choose(page, "Thinking", "On")
    reply = send(page, "think now")
    assert fake.chats()[-1]["think"] is True
    assert reply.get_by_test_id("stExpander").count() == 1

    select(page, "Model", "llama3.2:3b")
    assert sidebar(page).get_by_role("radiogroup", name="Thinking").get_by_role("radio").is_disabled()
    send(page, "cannot think")
    assert fake.chats()[-1]["model"] == "llama3.2:3b" and "think" not in fake.chats()[-1]


def test_downloads_hold_the_conversation_and_new_chat_clears_it(page: Page, fake: FakeOllama) -> None:
    send(page, "export this")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download Markdown").click()
    markdown = Path(info.value.path()).read_text()
    assert info.value.suggested_filename == "conversation.md"
    for part in (
        "## You",
        "export this",
        "Let me think about this. The user said export this.",
        "You said: export this",
        "gpt-oss:20b",
        "tok/s",
    ):
        assert part in markdown
    # Right after the first: a click that reran the page would have renewed this button's file under it.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    exported = json.loads(Path(info.value.path()).read_text())
    user, assistant = exported["messages"]
    assert user == {"id": user["id"], "role": "user", "content": "export this"}
    assert re.fullmatch("[0-9a-f]{32}", user["id"]) and assistant["id"] != user["id"]
    assert assistant["content"] == "You said: export this" and assistant["status"] == "complete"
    assert assistant["thinking"] == "Let me think about this. The user said export this."
    assert assistant["figures"]["completion_tokens"] > 0 and assistant["settings"]["model"] == "gpt-oss:20b"

    click(page, "New chat")
    assert messages(page).count() == 0
    assert "export this" not in main(page).inner_text()
    send(page, "fresh start")
    assert [m["content"] for m in fake.chats()[-1]["messages"]] == ["fresh start"]


def test_thinking_streams_then_collapses_and_the_answer_gets_a_caption(page: Page, fake: FakeOllama) -> None:
    fake.token_delay = 0.1
    type_message(page, "hello there")

    # Seen at one instant: thinking text in an open block under a spinner, no answer yet, the run going on.
    page.wait_for_function(
        """idle => {
            const all = document.querySelectorAll('[data-testid="stChatMessage"]');
            const reply = all[all.length - 1];
            const details = reply && reply.querySelector('details');
            return details && details.open && !document.querySelector(idle)
                && reply.querySelector('[data-testid="stExpanderIconSpinner"]')
                && details.querySelector('summary').innerText.includes('Thinking…')
                && reply.innerText.includes('Let me think about this.')
                && !reply.innerText.includes('You said');
        }""",
        arg=IDLE,
        timeout=60_000,
    )

    wait_reply(page, 1)
    reply = assistant_messages(page).last
    label = reply.locator("summary").inner_text().strip().split("\n")[-1]
    assert re.fullmatch(r"Thought for \d+\.\d s", label)
    assert reply.locator("details").get_attribute("open") is None
    assert reply.get_by_test_id("stExpanderIconSpinner").count() == 0
    assert "You said: hello there" in reply.get_by_test_id("stMarkdownContainer").all_inner_texts()
    assert CAPTION.search(reply.get_by_test_id("stCaptionContainer").inner_text())

    reply.locator("summary").click()
    reply.get_by_text("Let me think about this. The user said hello there.").wait_for()
    if os.environ.get("SAVE_SCREENSHOTS"):  # last in the module: the app has loaded litellm by now
        page.wait_for_timeout(1000)  # let the expander finish opening
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "chat.png"))


def test_the_page_asks_nothing_of_the_internet(browser: Browser, app: StreamlitApp) -> None:
    outside: list[str] = []
    context = browser.new_context()
    context.on("request", lambda r: None if r.url.startswith(app.url) else outside.append(r.url))
    page = open_app(context.new_page(), app.url)
    send(page, "stay local")
    for name in ("Compare", "Models"):
        with rerun(page):
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    context.close()
    assert outside == []


def test_a_message_reruns_the_chat_and_not_the_sidebar(page: Page, fake: FakeOllama) -> None:
    """Enter reruns the chat page's fragment: the sidebar is not sent again (the browser drew it all again
    before the reply's first word); the full rerun after the reply brings the sidebar's history up to date."""
    before = len(received(page))
    send(page, "tell me about fragments")
    sent = received(page)[before:]
    ends = [i for i, m in enumerate(sent) if m.WhichOneof("type") == "script_finished"]
    asked, after = sent[: ends[0]], sent[ends[0] : ends[1]]

    def drawn(run: list[ForwardMsg], root: int, text: str = "") -> bool:
        return any(
            m.WhichOneof("type") == "delta" and m.metadata.delta_path[0] == root and text in str(m.delta)
            for m in run
        )

    assert drawn(asked, RootContainer.MAIN, "You said: tell me about fragments")  # the reply, in that run
    assert not drawn(asked, RootContainer.SIDEBAR)
    assert drawn(after, RootContainer.SIDEBAR, "tell me about fragments")  # the new chat, listed
