"""Browser fixtures: a loopback Ollama, the app under `streamlit run`, and Debian's Chromium (Playwright)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.driver import open_app
from tests.browser.server import StreamlitApp, app_env
from tests.fake_ollama import FakeModel, FakeOllama

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN_DELAY = 0.02
# A thinking model with a long answer ("w0 w1 … w399"), for watching an answer stream and stopping it.
WRITER = FakeModel("writer:1b", ["completion", "thinking"], "qwen3", "1.0B", size=800_000_000, answer_tokens=400)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOllama]:
    """One Ollama-protocol server per test module, streaming a token every TOKEN_DELAY seconds."""
    with FakeOllama(token_delay=TOKEN_DELAY) as server:
        server.models.append(WRITER)
        yield server


@pytest.fixture(autouse=True)
def _fresh_fake(request: pytest.FixtureRequest) -> None:
    """Each test starts with no recorded requests, no queued faults and the default pace."""
    if "fake" in request.fixturenames:
        server: FakeOllama = request.getfixturevalue("fake")
        server.reset()
        server.token_delay = TOKEN_DELAY
        server.first_byte_delay = 0.0


@pytest.fixture(scope="module")
def app_settings() -> dict[str, str]:
    """Extra environment for the module's app; override in a test module to change settings."""
    return {}


@pytest.fixture(scope="module")
def app(fake: FakeOllama, app_settings: dict[str, str],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitApp]:
    """One `streamlit run app.py` per module, pointed at the module's fake Ollama; stopped by PID."""
    log = tmp_path_factory.mktemp("streamlit") / "app.log"
    with StreamlitApp(app_env(fake.url, **app_settings), log) as served:
        yield served


@pytest.fixture
def new_page(browser: Browser, app: StreamlitApp) -> Iterator[Callable[[], Page]]:
    """Open the app in a fresh browser context (its own Streamlit session) as often as a test needs."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        contexts.append(context)
        return open_app(context.new_page(), app.url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()
