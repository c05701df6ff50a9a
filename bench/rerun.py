"""A rerun with a long conversation on the page against one with a short one.

One `streamlit run` of the app (through bench/seeded_app.py, which puts a finished conversation in the
session before running app.py unchanged) serves two browser sessions: one holding 200 messages, one 2.
Each run changes the Thinking level in the sidebar of each session in turn and times, in the page, from
the click to the end of the rerun it starts and the next frame. Goal: the 200-message rerun takes less
than 1.2x the 2-message one plus a small constant.

    python -m bench.rerun [--runs 10]
"""

from __future__ import annotations

from playwright.sync_api import Page

from bench.common import (
    SEEDED_APP,
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
from testkit.fake_ollama import FakeOllama

LONG, SHORT = 200, 2
GOAL, CONSTANT = 1.2, 0.1  # seconds: what a page with more to draw may take on top of the ratio
LEVELS = ("Low", "High")
WATCH = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const b = window.__rerun = {clicked: 0, running: false, done: 0};
    document.addEventListener('pointerdown', () => { b.clicked = b.clicked || performance.now(); }, true);
    new MutationObserver((records, observer) => {
        if (!b.clicked) return;  // a run that began before the click is not the one measured
        const state = app.dataset.testScriptState;
        b.running = b.running || state === 'running' || records.some(r => r.oldValue === 'running');
        if (b.running && state === 'notRunning') {
            observer.disconnect();
            requestAnimationFrame(() => { b.done = performance.now(); });
        }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
}"""


def rerun_seconds(page: Page) -> float:
    """Pick another Thinking level in the sidebar; seconds until that rerun ended and a frame was drawn."""
    wait_ready(page)
    group = page.get_by_test_id("stSidebar").get_by_role("radiogroup", name="Thinking")
    level = LEVELS[1] if group.get_by_role("radio", name=LEVELS[0]).is_checked() else LEVELS[0]
    page.evaluate(WATCH)
    group.get_by_text(level, exact=True).click()
    page.wait_for_function("() => window.__rerun.done > 0", timeout=WAIT_MS, polling=50)
    return page.evaluate("() => window.__rerun.done - window.__rerun.clicked") / 1000


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=10)
    times: dict[int, list[float]] = {LONG: [], SHORT: []}
    with (
        FakeOllama() as ollama,
        chromium() as browser,
        Served(SEEDED_APP, bench_env(ollama.url)) as served,
        session(browser) as long_page,
        session(browser) as short_page,
    ):
        pages = {LONG: long_page, SHORT: short_page}
        for size, page in pages.items():
            page.goto(f"{served.url}?messages={size}")
            page.get_by_test_id("stChatMessage").last.wait_for(timeout=WAIT_MS)
            rerun_seconds(page)  # warm up: the first rerun of a session
            drawn = page.get_by_test_id("stChatMessage").count()
            print(f"{size}-message conversation: {drawn} messages drawn", flush=True)
        for run in range(args.runs):
            order = (LONG, SHORT) if run % 2 == 0 else (SHORT, LONG)
            for size in order:
                times[size].append(rerun_seconds(pages[size]))
            print(
                f"run {run + 1}/{args.runs}: {LONG} messages {times[LONG][-1]:.3f} s, "
                f"{SHORT} messages {times[SHORT][-1]:.3f} s",
                flush=True,
            )
    print("\nRerun after a sidebar change (seconds from the click to the next frame after the rerun)")
    long = figure(f"{LONG} messages", times[LONG])
    short = figure(f"{SHORT} messages", times[SHORT])
    ratios = [a / b for a, b in zip(times[LONG], times[SHORT], strict=True)]
    figure(f"{LONG} / {SHORT} messages", ratios, "x")
    figure(f"{LONG} - {SHORT} messages", [a - b for a, b in zip(times[LONG], times[SHORT], strict=True)])
    ok = long <= GOAL * short + CONSTANT
    print(
        f"\n{LONG}-message rerun <= {GOAL}x the {SHORT}-message one + {CONSTANT} s: {verdict(ok)} "
        f"({long:.3f} s vs {GOAL} x {short:.3f} + {CONSTANT} = {GOAL * short + CONSTANT:.3f} s)"
    )


if __name__ == "__main__":
    main()
