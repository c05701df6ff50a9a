"""Pictures on the chat page under AppTest, against the loopback Ollama-protocol server."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from llm.conversation import to_json, to_markdown
from llm.images import MAX_BYTES, Image
from llm.markdown import plain
from llm.store import Store
from testkit.fake_ollama import FakeOllama
from tests.conftest import ENTRY
from tests.test_chat_page import MakeApp, errors_shown, messages

PNG = (Path(__file__).parent / "data" / "red.png").read_bytes()
HIDDEN = "[data-testid='stChatInputFileUploadButton'] {display: none}"


def with_picture(at: AppTest, text: str, data: bytes = PNG, name: str = "red.png") -> AppTest:
    at.chat_input(key="prompt").upload(name, data, "image/png").set_value(text).run()
    assert not at.exception, at.exception
    return at


def attach_hidden(at: AppTest) -> bool:
    return any(HIDDEN in h.proto.body for h in at.get("html"))


def test_a_vision_model_gets_the_picture_and_the_history_shows_it(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("gemma3:4b").run()
    assert at.chat_input(key="prompt").proto.accept_file and not attach_hidden(at)
    with_picture(at, "What colour is this?")

    assert ollama.chats()[-1]["messages"][-1]["images"] == [base64.b64encode(PNG).decode()]
    assert messages(at) == [
        ("user", "What colour is this?"),
        ("assistant", f"You said: [I see 1 picture(s): {len(PNG)} bytes] What colour is this?"),
    ]
    thumbnail = at.chat_message[0].get("image")[0]
    assert [i.caption for i in thumbnail.proto.imgs] == [plain("red.png")]
    assert at.session_state["turns"][0].images == [Image("red.png", "image/png", PNG)]

    with_picture(at, "")  # a picture alone is a message too
    assert ollama.chats()[-1]["messages"][-1] == {
        "role": "user",
        "content": "",
        "images": [base64.b64encode(PNG).decode()],
    }


def test_a_model_that_cannot_see_offers_no_attachment_and_refuses_a_picture(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("qwen3:8b").run()
    assert attach_hidden(at)
    with_picture(at, "Describe this")
    assert "qwen3:8b cannot see pictures, so the picture was not sent" in errors_shown(at)
    assert at.chat_input(key="prompt").proto.value == "Describe this"  # the typed text is back in the box
    assert ollama.chats() == [] and messages(at) == []


def test_an_over_limit_picture_is_refused_and_the_text_kept(make_app: MakeApp, ollama: FakeOllama) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("gemma3:4b").run()
    with_picture(at, "Look at this", PNG + bytes(MAX_BYTES + 1 - len(PNG)), "huge.png")
    assert "huge.png is 5,000,001 bytes: pictures can be up to 5 MB" in errors_shown(at)
    assert at.chat_input(key="prompt").proto.value == "Look at this"
    assert ollama.chats() == [] and messages(at) == []

    with_picture(at, "And this?", b"plain text, not a picture", "notes.png")
    assert "notes.png is not a PNG, JPEG, WebP or GIF picture" in errors_shown(at)
    with_picture(at, "Or this?", PNG[:40], "cut.png")  # a PNG's start: it would fail every later draw
    assert "cut.png could not be read as a picture" in errors_shown(at)
    assert ollama.chats() == [] and messages(at) == []


def test_after_a_switch_to_a_model_that_cannot_see_earlier_pictures_are_left_out_with_a_note(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("gemma3:4b").run()
    with_picture(at, "What colour is this?")
    at.sidebar.selectbox(key="model_ollama").set_value("qwen3:8b").run()
    assert "cannot see: the picture in this chat is left out" in " ".join(c.value for c in at.caption)
    at.chat_input(key="prompt").set_value("Are you sure?").run()
    sent = ollama.chats()[-1]["messages"]
    assert [m["content"] for m in sent][::2] == ["What colour is this?", "Are you sure?"]
    assert not any("images" in m for m in sent) and ollama.requests[-1].images == []


def test_the_picture_is_kept_in_exports_and_in_the_saved_conversation(make_app: MakeApp) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("gemma3:4b").run()
    with_picture(at, "What colour is this?")
    turns = at.session_state["turns"]
    exported = json.loads(to_json(turns, {}))["messages"][0]["images"][0]
    assert base64.b64decode(exported["data"]) == PNG and exported["mime"] == "image/png"
    assert "red.png (PNG, 74 B)" in to_markdown(turns, {})

    store, deadline, chat_id = (
        Store(os.environ["DATABASE_URL"]),
        time.monotonic() + 10,
        at.query_params["chat"],
    )
    while not ((saved := store.chat("local", chat_id)) and len(saved.turns) == 2):
        assert time.monotonic() < deadline, "the conversation was never written"
        time.sleep(0.05)
    assert saved.turns[0].images == [Image("red.png", "image/png", PNG)]

    again = AppTest.from_file(str(ENTRY), default_timeout=30)
    again.query_params["chat"] = chat_id
    again.run()
    assert not again.exception, again.exception
    assert [i.caption for i in again.chat_message[0].get("image")[0].proto.imgs] == [plain("red.png")]
