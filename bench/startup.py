"""Time to a usable chat page: the app against a bare page with a chat input, measured side by side.

Each run starts a fresh `streamlit run` of each page in turn (the order rotates between runs): a bare page
with only a chat input, the bare page with a sidebar of the app's kinds of widgets and no app code (what
the browser pays for those widgets alone), Streamlit's chat tutorial with litellm imported at the top, the
app with litellm imported before its first draw (bench/eager_app.py: the before), and the app. Chromium
opens the page as soon as the server answers; usable means the chat box takes input with no run in flight
and, for the app and the widgets page, the model list has arrived (the Model box shows a listed model's
size). Then a first message is sent at once and timed until its reply is on the page: loading litellm
later must not make that reply slower. Last, a later visitor: once the server has done what it defers
(the history store, the warm-up), a new browser session opens the page, as most visits do.

    python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import compileall
import time
from pathlib import Path

from playwright.sync_api import Browser, Page

from bench.common import (
    APP,
    EAGER_APP,
    WAIT_MS,
    Served,
    arguments,
    bench_env,
    chromium,
    figure,
    pages_dir,
    session,
    verdict,
)
from testkit.fake_ollama import FakeOllama

MODEL = "llama3.2:3b"
GOAL = 1.2
REPLY_NOISE = 0.05
PAGES = {
    "bare": "bare page with a chat input",
    "widgets": "bare page + the app's sidebar widgets",
    "naive": "naive tutorial page (litellm at the top)",
    "eager": "app, litellm imported at the top (before)",
    "app": "app",
}
USABLE = """listed => {
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    const app = document.querySelector('[data-testid="stApp"]');
    if (!box || box.disabled || !app || app.dataset.testScriptState !== 'notRunning') return false;
    if (!listed) return true;
    const inputs = document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSelectbox"] input');
    return [...inputs].some(i => i.value.includes(listed));
}"""
SETTLE = 4.0  # seconds after the first visit: the app opens its store at 2 s and warms its client at 3 s
REPLIED = """text => {
    const last = [...document.querySelectorAll('[data-testid="stChatMessageContent"]')].pop();
    return !!last && last.textContent.includes(text);
}"""


def load(page: Page, url: str, listed: str) -> float:
    """Open `url` in `page` and wait until it is usable; when the opening began (time.monotonic())."""
    start = time.monotonic()
    page.goto(url)
    page.wait_for_function(USABLE, arg=listed, timeout=WAIT_MS)
    return start


def measure(
    browser: Browser, script: Path, env: dict[str, str], listed: str, reply: bool
) -> dict[str, float]:
    """Seconds from spawning the server to usable, from opening the page to usable, to a first reply, and
    from a later visitor's opening of the page to usable."""
    with Served(script, env) as served:
        with session(browser) as page:
            start = load(page, served.url, listed)
            usable = time.monotonic()
            out = {"spawn": usable - served.spawned, "open": usable - start}
            if reply:
                box = page.get_by_test_id("stChatInputTextArea")
                box.fill("hi")
                box.press("Enter")
                page.wait_for_function(REPLIED, arg="You said: hi", timeout=WAIT_MS)
                out["reply"] = time.monotonic() - served.spawned
        time.sleep(max(0.0, usable + SETTLE - time.monotonic()))
        with session(browser) as page:
            start = load(page, served.url, listed)
            out["later"] = time.monotonic() - start
        return out


def compiled() -> None:
    """The app's modules as a started app finds them: compiled. Python writes them so on an app's first start;
    with PYTHONDONTWRITEBYTECODE set (some sandboxes, containers) every start compiled the app again while
    Streamlit's modules, compiled by pip, were read as they were."""
    for part in ("app.py", "llm", "ui", "pages"):
        path = APP.parent / part
        compile_ = compileall.compile_file if path.is_file() else compileall.compile_dir
        if not compile_(path, quiet=1):
            raise SystemExit(f"could not compile {path}")


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3)
    compiled()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in PAGES}
    with FakeOllama() as ollama, pages_dir() as pages, chromium() as browser:
        env = bench_env(ollama.url, MODEL=MODEL)
        scripts = {**pages, "app": APP, "eager": EAGER_APP}
        order = list(PAGES)
        for run in range(args.runs):
            turn = run % len(order)
            for name in order[turn:] + order[:turn]:
                listed = f"{MODEL} ·" if name in ("widgets", "app", "eager") else ""
                reply = name in ("naive", "eager", "app")
                results[name].append(measure(browser, scripts[name], env, listed, reply))
            print(
                f"run {run + 1}/{args.runs}: "
                + ", ".join(f"{n} {r[-1]['spawn']:.2f} s" for n, r in results.items()),
                flush=True,
            )

    def series(name: str, key: str) -> list[float]:
        return [r[key] for r in results[name]]

    def ratios(a: str, b: str, key: str) -> list[float]:
        return [x[key] / y[key] for x, y in zip(results[a], results[b], strict=True)]

    print("\nStart-up (seconds; median of runs)")
    print(" from `streamlit run` to a usable page:")
    medians = {n: figure(PAGES[n], series(n, "spawn")) for n in PAGES}
    print(" from opening the page (server already up) to usable:")
    for n in PAGES:
        figure(PAGES[n], series(n, "open"))
    print(" a later visitor, once the server settled: from opening the page to usable:")
    for n in PAGES:
        figure(PAGES[n], series(n, "later"))
    print(" from `streamlit run` to the first reply on the page (message sent as soon as usable):")
    replies = {n: figure(PAGES[n], series(n, "reply")) for n in ("naive", "eager", "app")}
    print("\nRatios (median of the per-run ratios)")
    usable = figure("app / bare, start to usable", ratios("app", "bare", "spawn"), "x", f"goal <= {GOAL}")
    figure("app / bare, page open to usable", ratios("app", "bare", "open"), "x")
    figure("app / bare, a later visitor's page open to usable", ratios("app", "bare", "later"), "x")
    figure("sidebar widgets alone / bare, start to usable", ratios("widgets", "bare", "spawn"), "x")
    figure("app / sidebar widgets alone, start to usable", ratios("app", "widgets", "spawn"), "x")
    figure("app with litellm at the top / bare (before)", ratios("eager", "bare", "spawn"), "x")
    figure("naive tutorial page / bare (before)", ratios("naive", "bare", "spawn"), "x")
    first = figure(
        "app / app with litellm at the top, first reply",
        ratios("app", "eager", "reply"),
        "x",
        "goal: not slower",
    )
    figure("app / naive tutorial page, first reply", ratios("app", "naive", "reply"), "x")
    print(
        f"\nUsable within {GOAL}x of a bare page: {verdict(usable <= GOAL)} "
        f"(app {medians['app']:.2f} s, bare {medians['bare']:.2f} s)"
    )
    print(
        f"First reply no slower than with litellm imported at the top (within {REPLY_NOISE:.0%} run-to-run "
        f"noise): {verdict(first <= 1 + REPLY_NOISE)} "
        f"(app {replies['app']:.2f} s, before {replies['eager']:.2f} s)"
    )


if __name__ == "__main__":
    main()
