"""A bad value in `.env` gives a clear message when the app starts, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from testkit.driver import count_runs, tracebacks, wait_idle
from testkit.server import ROOT, StreamlitApp, app_env

LINKED = ("llm", "ui", "pages", ".streamlit")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("LLM_STALL_TIMEOUT=soon", "LLM_STALL_TIMEOUT='soon' is not a number"),
        ("LLM_RETRIES=99", "LLM_RETRIES=99 is out of range: use a value from 0 to 10"),
    ],
)
def test_bad_value_in_dotenv_is_named_on_every_page(
    browser: Browser, tmp_path: Path, line: str, message: str
) -> None:
    # The app reads the .env beside app.py (its real path): run a copy of app.py, beside links to the rest.
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(ROOT / "app.py", site / "app.py")
    for name in LINKED:
        (site / name).symlink_to(ROOT / name)
    (site / ".env").write_text(f"# written by the test\nMODEL=gpt-oss:20b\n{line}\n")
    env = app_env("http://127.0.0.1:9")
    for var in ("MODEL", line.split("=")[0]):
        del env[var]  # left to the .env file

    with StreamlitApp(env, tmp_path / "app.log", root=site) as app:
        page = count_runs(browser.new_page())
        page.goto(app.url)
        page.get_by_text("Setting problem in your environment or .env").wait_for(timeout=60_000)
        wait_idle(page)
        shown = page.get_by_test_id("stMainBlockContainer").inner_text()
        assert message in shown
        nav = page.get_by_test_id("stSidebarNav").inner_text().split()
        assert "Chat" in nav and "app" not in nav  # the app's pages, not the files of pages/
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
        page.wait_for_url("**/compare")
        wait_idle(page)
        # Every page says what to fix; none runs half-configured.
        assert message in page.get_by_test_id("stMainBlockContainer").inner_text()
        assert tracebacks(page) == 0
        page.close()
    assert "Traceback" not in app.output()
