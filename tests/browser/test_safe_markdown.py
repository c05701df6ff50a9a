"""What a model or a person wrote, drawn in Chromium: math renders, nothing is fetched, nothing is obeyed.

The model's answer is tests/data/answers.md (every case at once), its thinking carries an image too, and
every image URL points at a loopback listener (`trap`) that fails the test if anything fetches from it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from testkit.driver import (
    add_model,
    assistant_messages,
    click,
    main,
    send,
    sidebar,
    tracebacks,
    type_message,
    user_messages,
    wait_idle,
)
from testkit.fake_ollama import FakeModel, FakeOllama

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers.md"
DOCS = Path(__file__).resolve().parents[2] / "docs"


class Trap:
    """A loopback HTTP listener standing in for an attacker's server: it records every request it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                trap.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_HEAD = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Trap:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    with Trap() as listener:
        yield listener
    assert listener.hits == [], f"the page fetched {listener.hits}"


@pytest.fixture(autouse=True)
def _nothing_fetched(trap: Trap) -> Iterator[None]:
    """Each test fails on its own if anything on the page fetched from the trap while it ran."""
    before = len(trap.hits)
    yield
    assert trap.hits[before:] == [], f"the page fetched {trap.hits[before:]}"


@pytest.fixture(scope="module")
def fake(trap: Trap) -> Iterator[FakeOllama]:
    """The module's Ollama: one thinking model whose answer is answers.md, images aimed at the trap."""
    answer = ANSWERS.read_text().replace("{TRAP}", trap.url)
    thinking = f"Thinking in math too: \\( a+b \\), with a tracker ![pixel]({trap.url}/thinking.png) :red[x]"
    model = FakeModel(
        "safe:1b", ["completion", "thinking"], "qwen3", "1.0B", thinking=thinking, answer=answer
    )
    with FakeOllama(token_delay=0.002) as server:
        server.models.append(model)
        yield server


@pytest.fixture(scope="module")
def app_settings() -> dict[str, str]:
    return {"MODEL": "safe:1b"}


def test_the_answer_file_renders_math_and_shows_the_rest_as_written(page: Page, trap: Trap) -> None:
    reply = send(page, "show me every case")
    answer = reply.get_by_test_id("stMarkdownContainer").filter(has_text="Every case")
    text = answer.inner_text()

    assert answer.locator(".katex").count() == 4  # \( \), \[ \], $…$ and $$…$$
    assert answer.locator(".katex-display").count() >= 2  # \[ \] on its own line, and the $$ block
    assert "x^2" not in text.split("Inline math")[1].split("Display")[0]  # drawn as math, not as source
    assert "a price of $5 and $10, or between $5-$10 a month" in text
    for literal in (":red[not red]", ":rainbow[not a rainbow]", ":blue-background[no background]"):
        assert literal in text
    assert ":material/warning:" in text
    assert "<b>not bold</b>" in text and "<script>alert(1)</script>" in text
    assert answer.locator("b, script, strong").count() == 0

    assert page.locator("img[src*='127.0.0.1']").count() == 0
    chart = answer.get_by_role("link", name="a chart of the results")
    assert chart.get_attribute("href") == f"{trap.url}/chart.png?data=secret"
    assert answer.get_by_role("link", name="the logo").get_attribute("href") == f"{trap.url}/logo.png"
    assert "price = $5 :red[x] \\( y \\)" in answer.locator("code").first.inner_text()
    assert f'cost = "$5 and $10"  # :red[x] \\( y \\) ![i]({trap.url}/code.png)' in text
    assert text.rstrip().endswith("this line ends the answer.")

    reply.locator("summary").click()
    thinking = reply.get_by_test_id("stExpanderDetails")
    thinking.get_by_role("link", name="pixel").wait_for()
    assert thinking.locator(".katex").count() == 1 and ":red[x]" in thinking.inner_text()
    assert tracebacks(page) == 0
    wait_idle(page)

    if os.environ.get("SAVE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        reply.locator("summary").click()  # thinking closed again: the answer is the picture
        page.set_viewport_size({"width": 1100, "height": 1500})
        page.wait_for_timeout(1000)
        reply.screenshot(path=str(DOCS / "math.png"))


def test_what_a_person_types_is_drawn_as_written(page: Page, fake: FakeOllama, trap: Trap) -> None:
    name = f"![m]({trap.url}/model.png):red[x]"
    add_model(page, name)
    caption = main(page).get_by_test_id("stCaptionContainer").first
    assert f"Talking to {name}" in caption.inner_text()

    type_message(page, f"look ![me]({trap.url}/user.png) :rainbow[hi] <i>x</i>")
    page.get_by_role("button", name="Regenerate").wait_for()
    wait_idle(page)
    bubble = user_messages(page).last
    assert "look me :rainbow[hi] <i>x</i>" in bubble.inner_text()
    assert bubble.get_by_role("link", name="me").get_attribute("href") == f"{trap.url}/user.png"
    error = assistant_messages(page).last.get_by_test_id("stAlertContentError").inner_text()
    assert "ollama pull" in error and "{" not in error  # the missing model's name, as text
    title = sidebar(page).get_by_test_id("stPageLink").filter(has_text="look").first.inner_text()
    assert "look ![me](http://" in title
    assert page.locator("img[src*='127.0.0.1']").count() == 0 and tracebacks(page) == 0


def test_a_long_message_shows_its_start_until_asked(page: Page, fake: FakeOllama) -> None:
    lines = [f"line {i}" for i in range(200)]
    send(page, "\n".join(lines))
    bubble = user_messages(page).last
    assert "line 19" in bubble.inner_text() and "line 199" not in bubble.inner_text()
    assert fake.chats()[-1]["messages"][-1]["content"] == "\n".join(lines)  # sent whole
    click(page, f"Show all (200 lines, {len(chr(10).join(lines)):,} characters)")
    assert "line 199" in user_messages(page).last.inner_text()
