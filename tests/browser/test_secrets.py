"""API keys from the environment and from the sidebar never reach the page, the exports or the app's log."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from testkit.driver import fill, select, send, sidebar, wait_idle
from testkit.fake_ollama import FakeOllama
from testkit.server import KEY_VARS, StreamlitApp

ENV_KEYS = {var: f"sk-env-{var.lower()}-7f3a9c1e5b" for var in KEY_VARS}
TYPED_KEYS = {
    "OpenAI": "sk-typed-openai-4d2b8e6a0c",
    "OpenAI-compatible server": "sk-typed-compat-9e1f3a7b5d",
}
SECRETS = [*ENV_KEYS.values(), *TYPED_KEYS.values()]


@pytest.fixture(scope="module")
def app_settings(fake: FakeOllama) -> dict[str, str]:
    return {**ENV_KEYS, "OPENAI_COMPATIBLE_API_BASE": f"{fake.url}/v1"}


def exports(page: Page) -> str:
    texts = []
    for name in ("Download Markdown", "Download JSON"):
        with page.expect_download() as info:
            page.get_by_role("button", name=name).click()
        texts.append(Path(info.value.path()).read_text())
    return "\n".join(texts)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text or secret[-10:] in text]


def test_no_key_in_page_exports_or_log(page: Page, fake: FakeOllama, app: StreamlitApp) -> None:
    send(page, "hello over ollama")
    downloaded = exports(page)

    for provider, key in TYPED_KEYS.items():
        select(page, "Provider", provider)
        fill(page, f"{provider} API key", key)
    select(page, "Model", "llama3.2:3b")  # listed by the server at OPENAI_COMPATIBLE_API_BASE
    reply = send(page, "hello over the compatible server")
    assert "You said: hello over the compatible server" in reply.inner_text()
    assert fake.requests[-1].path == "/v1/chat/completions"
    downloaded += exports(page)

    select(page, "Provider", "OpenAI")  # the other typed key's field is drawn again, holding its key
    wait_idle(page)
    html = page.content()
    assert sidebar(page).get_by_text("Using the key you pasted").count() == 1  # it wins over OPENAI_API_KEY
    assert sidebar(page).get_by_label("OpenAI API key", exact=True).input_value() == ""
    assert leaks(html) == []
    assert leaks(downloaded) == []
    assert leaks(app.output()) == []
