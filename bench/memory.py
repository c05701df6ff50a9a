"""Memory of the app's server process: one idle session, after a 200-message conversation, across New chats.

One `streamlit run app.py` against a loopback Ollama answering 150-token replies at full speed; one
Chromium session sends real messages through the page. Resident memory (VmRSS in /proc) of the streamlit
process is read when the session is idle (once litellm's background import is done), after the first
reply, after 100 messages and their 100 replies, and after each of 50 "New chat" + one message cycles.
Goal: no growth across the New chats (the first 10 warm up caches; growth is counted from cycle 10 to
cycle 50, and must stay within the noise of a Python heap, 5 MB).

    python -m bench.memory [--messages 200] [--chats 50]
"""

from __future__ import annotations

import time

from playwright.sync_api import Page

from bench.common import (
    APP,
    WAIT_MS,
    Served,
    arguments,
    bench_env,
    chromium,
    figure,
    session,
    verdict,
    wait_ready,
)
from testkit.fake_ollama import FakeModel, FakeOllama

WARM = 10
GROWTH_MB = 5.0
CHATTY = FakeModel(
    "chatty:1b",
    ["completion", "thinking"],
    "qwen3",
    "1.0B",
    answer="{prompt}: " + " ".join(f"word{i}" for i in range(150)) + " (end of {prompt})",
)
REPLIED = """text => {
    const app = document.querySelector('[data-testid="stApp"]');
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    const last = [...document.querySelectorAll('[data-testid="stChatMessageContent"]')].pop();
    return !!last && last.textContent.includes(text) && !!box && !box.disabled
        && app.dataset.testScriptState === 'notRunning';
}"""


def send(page: Page, text: str) -> None:
    """Send a message and wait until its whole reply is on the page and the chat box takes input again."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(REPLIED, arg=f"(end of {text})", timeout=WAIT_MS, polling=50)


def settled(served: Served, quiet: float = 2.0, limit: float = 60.0) -> float:
    """Resident memory once litellm's deferred import has begun (within 5 s) and RSS stopped changing."""
    time.sleep(5)
    began, last, since = time.monotonic(), served.rss_mb(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - began < limit:
        time.sleep(0.25)
        now = served.rss_mb()
        if abs(now - last) > 1:
            last, since = now, time.monotonic()
    return last


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=1, messages=200, chats=50)
    with (
        FakeOllama([CHATTY]) as ollama,
        chromium() as browser,
        Served(APP, bench_env(ollama.url, MODEL=CHATTY.name)) as served,
        session(browser) as page,
    ):
        page.goto(served.url)
        wait_ready(page)
        idle = settled(served)
        print(f"idle session (litellm loaded in the background): {idle:.1f} MB", flush=True)
        send(page, "message 0")
        first = served.rss_mb()
        print(f"after the first reply: {first:.1f} MB", flush=True)
        for i in range(1, args.messages // 2):
            send(page, f"message {i}")
            if (i + 1) % 25 == 0:
                print(f"after {2 * (i + 1)} messages: {served.rss_mb():.1f} MB", flush=True)
        conversation = served.rss_mb()
        cycles: list[float] = []
        for i in range(args.chats):
            page.get_by_test_id("stSidebar").get_by_role("button", name="New chat").click()
            send(page, f"new chat {i}")  # typing waits for the chat box that the New chat rerun draws
            cycles.append(served.rss_mb())
            if (i + 1) % 10 == 0:
                print(f"after {i + 1} New chats: {cycles[-1]:.1f} MB", flush=True)
    growth = cycles[-1] - cycles[min(WARM, len(cycles)) - 1]
    print("\nResident memory of the streamlit process (MB)")
    figure("one idle session", [idle], "MB")
    figure("after the first reply (litellm's first call)", [first], "MB")
    figure(f"after a {args.messages}-message conversation", [conversation], "MB")
    figure(f"after {args.chats} New chats (each with one reply)", [cycles[-1]], "MB")
    figure("growth over the conversation, from the first reply", [conversation - first], "MB")
    figure(f"growth from New chat {WARM} to {args.chats}", [growth], "MB")
    print(f"\nNo growth across New chats (within {GROWTH_MB} MB): {verdict(growth <= GROWTH_MB)}")


if __name__ == "__main__":
    main()
