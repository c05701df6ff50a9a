"""Pictures in real Chromium: attached through the chat box's own file input, shown, sent, and never offered
to a model that cannot see."""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import Page

from testkit.driver import assistant_messages, rerun, select, user_messages, wait_reply
from testkit.fake_ollama import FakeOllama

PNG = Path(__file__).resolve().parents[1] / "data" / "red.png"
ATTACH = '[data-testid="stChatInputFileUploadButton"]'


def test_a_picture_reaches_a_vision_model_and_shows_as_a_thumbnail(page: Page, fake: FakeOllama) -> None:
    select(page, "Model", "gemma3:4b")
    assert page.locator(ATTACH).is_visible()
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(str(PNG))
    page.get_by_test_id("stChatInput").get_by_text("red.png").wait_for()  # uploaded: its chip is shown
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("What colour is this?")
    box.press("Enter")
    wait_reply(page, 1)

    sent = fake.chats()[-1]["messages"][-1]
    assert sent["content"] == "What colour is this?"
    assert [base64.b64decode(i) for i in sent["images"]] == [PNG.read_bytes()]
    assert f"I see 1 picture(s): {PNG.stat().st_size} bytes" in assistant_messages(page).last.inner_text()
    thumbnail = user_messages(page).last.locator("img")
    thumbnail.wait_for()
    assert (
        thumbnail.evaluate("img => img.complete && img.naturalWidth") == 8
    )  # drawn from memory, not upscaled
    assert "red.png" in user_messages(page).last.inner_text()


def test_a_model_that_cannot_see_offers_no_attachment_and_keeps_a_draft(page: Page, fake: FakeOllama) -> None:
    select(page, "Model", "gemma3:4b")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("a draft nobody sent")
    select(page, "Model", "qwen3:8b")
    assert not page.locator(ATTACH).is_visible()
    assert box.input_value() == "a draft nobody sent"  # the box kept its widget id, and so the draft
    select(page, "Model", "gemma3:4b")
    assert page.locator(ATTACH).is_visible()
    assert box.input_value() == "a draft nobody sent"


def test_a_picture_dropped_on_a_model_that_cannot_see_is_refused_and_the_text_kept(
    page: Page, fake: FakeOllama
) -> None:
    select(page, "Model", "qwen3:8b")
    # The button is hidden, but a picture can still be pasted or dropped: the file input stands in for both.
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(str(PNG))
    page.get_by_test_id("stChatInput").get_by_text("red.png").wait_for()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("Describe it")
    with rerun(page):
        box.press("Enter")
    assert "qwen3:8b cannot see pictures" in page.get_by_test_id("stAlert").inner_text()
    assert page.get_by_test_id("stChatInputTextArea").input_value() == "Describe it"
    assert fake.chats() == []


def test_an_over_limit_picture_is_refused_in_the_box_before_anything_is_sent(
    page: Page, fake: FakeOllama, tmp_path: Path
) -> None:
    big = tmp_path / "huge.png"
    big.write_bytes(PNG.read_bytes() + bytes(6_000_000))
    select(page, "Model", "gemma3:4b")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("Look at this")
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(str(big))
    # Streamlit's box checks the size itself (max_upload_size): the file is never uploaded.
    page.get_by_test_id("stChatInput").get_by_text("File must be 5.0MB or smaller.").wait_for()
    assert box.input_value() == "Look at this" and fake.chats() == []
