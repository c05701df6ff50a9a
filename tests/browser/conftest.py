"""Browser fixtures: a loopback Ollama, the app under `streamlit run`, and Debian's Chromium (Playwright)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from testkit.driver import open_app
from testkit.fake_ollama import FakeModel, FakeOllama
from testkit.server import CHROMIUM, CHROMIUM_ARGS, StreamlitApp, app_env

TOKEN_DELAY = 0.02
FAILED = pytest.StashKey[bool]()
# A thinking model with a long answer ("w0 w1 … w399"), for watching an answer stream and stopping it.
WRITER = FakeModel(
    "writer:1b", ["completion", "thinking"], "qwen3", "1.0B", size=800_000_000, answer_tokens=400
)


@pytest.fixture(scope="package")
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
def app(
    fake: FakeOllama, app_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitApp]:
    """One `streamlit run app.py` per module, pointed at the module's fake Ollama; stopped by PID."""
    log = tmp_path_factory.mktemp("streamlit") / "app.log"
    with StreamlitApp(app_env(fake.url, **app_settings), log) as served:
        yield served


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_page(
    browser: Browser, app: StreamlitApp, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Page]]:
    """Open the app in a fresh browser context (its own Streamlit session) as often as a test needs.

    When the test fails, each page's screenshot and the app's log are kept in the test's tmp_path.
    """
    pages: list[Page] = []
    console: list[str] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        n = len(pages)
        page.on("console", lambda msg: console.append(f"page{n} {msg.type}: {msg.text}"))
        pages.append(page)
        return open_app(page, app.url)

    yield make
    if request.node.stash.get(FAILED, False):
        for n, page in enumerate(pages):
            page.screenshot(path=tmp_path / f"page{n}.png", full_page=True)
        (tmp_path / "app.log").write_text(app.output())
        (tmp_path / "console.log").write_text("\n".join(console))
        print(f"Screenshots and the app's log: {tmp_path}")
    for page in pages:
        page.context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()
