"""Compare with four columns in Chromium: does each column stream as fast as it would alone?

A loopback Ollama serves four models, each answering 2,000 tokens at about 1 ms a token. On the Compare
page (Models preset, a fourth column added) Run streams the four at once; each column is timed from the
click on Run until its last token is on the page, against the same model's reply streamed alone on the
chat page (Enter to its last token; the models answer alike), in the same run. The page's longest
main-thread task and longest gap between two frames while the columns stream tell if it froze. Each run
starts a fresh `streamlit run`, so that nothing of the last comparison is left.

    python -m bench.compare [--runs 3]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from playwright.sync_api import Page

from bench.common import (
    APP,
    REPLY_COLUMNS,
    Served,
    arguments,
    bench_env,
    chromium,
    figure,
    probe,
    probed,
    session,
    verdict,
    wait_ready,
)
from bench.stream import TimedOllama
from testkit.driver import count_runs, rerun, wait_idle
from testkit.fake_ollama import FakeModel

TOKENS = 2000
PACE = 0.001
COLUMNS = 4
MODELS = 3  # the Models preset's columns; a fourth is added, repeating the third
GOAL = 1.2  # a column over the same model alone
TASK_GOAL_MS = 200
LAST = f"w{TOKENS - 1}"


@dataclass
class Run:
    alone: list[float]  # the same reply on the chat page: Enter to its last token
    columns: list[float]  # each column: Run to its last token
    task_ms: float
    gap_ms: float
    server: float = 0.0  # the server's own streaming time for the reply alone


def alone(page: Page, served: Served) -> float:
    """The sidebar's model's reply on the chat page, streamed alone."""
    page.goto(served.url)
    wait_ready(page)
    probe(page, LAST, every_ms=10)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("Tell me a story")
    box.press("Enter")
    seconds = probed(page, polling=50).seconds[0]
    wait_idle(page)
    return seconds


def compared(page: Page, served: Served) -> Run:
    page.goto(served.url)
    wait_ready(page)
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    with rerun(page):
        page.get_by_role("radiogroup", name="Preset").get_by_role("radio", name="Models").click(force=True)
    for _ in range(COLUMNS - MODELS):  # the preset makes a column for each model
        with rerun(page):
            page.get_by_role("button", name="Add column").click()
    box = page.get_by_label("Prompt", exact=True)
    box.fill("Tell me a story")
    with rerun(page):
        box.press("Control+Enter")
    probe(page, LAST, REPLY_COLUMNS, COLUMNS, every_ms=10)
    page.get_by_role("button", name="Run").click()
    got = probed(page, polling=50)
    wait_idle(page)
    return Run([], got.seconds, got.task_ms, got.gap_ms)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3)
    models = [
        FakeModel(f"writer{i}:2k", ["completion"], "llama", "3B", answer_tokens=TOKENS) for i in range(MODELS)
    ]
    print(f"Load average before: {os.getloadavg()[0]:.2f} (2 shared cores)")
    runs: list[Run] = []
    with TimedOllama(models, token_delay=PACE) as ollama, chromium() as browser:
        for n in range(args.runs):  # a fresh process and page each run: nothing left from the last
            env = bench_env(ollama.url, MODEL=models[0].name)
            with Served(APP, env) as served, session(browser) as page:
                count_runs(page)
                ollama.token_delay = 0.0
                alone(page, served)  # the process's first reply: not counted
                ollama.token_delay = PACE
                run = compared(page, served)
                run.alone = [alone(page, served)]
                run.server = ollama.stream_seconds()
            runs.append(run)
            print(
                f"run {n + 1}/{args.runs}: columns "
                + ", ".join(f"{c:.2f} s ({c / run.alone[0]:.2f}x)" for c in run.columns)
                + f"; alone {run.alone[0]:.2f} s (server {run.server:.2f} s); "
                f"longest task {run.task_ms:.0f} ms, "
                f"frame gap {run.gap_ms:.0f} ms; load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    print(f"\n{COLUMNS} columns of {TOKENS:,} tokens at ~{PACE * 1000:.0f} ms a token (median of runs)")
    for i in range(COLUMNS):
        figure(f"column {i + 1}: Run to last token", [r.columns[i] for r in runs])
    figure("the same reply alone on the chat page", [r.alone[0] for r in runs])
    slowest = [max(r.columns) / r.alone[0] for r in runs]
    worst = figure("slowest column / the same reply alone", slowest, "x", f"goal <= {GOAL}")
    task = figure(
        "longest main-thread task while streaming", [r.task_ms for r in runs], "ms", f"goal < {TASK_GOAL_MS}"
    )
    figure("longest gap between two frames", [r.gap_ms for r in runs], "ms")
    print(f"\nLoad average after: {os.getloadavg()[0]:.2f}")
    print(f"Every column within {GOAL}x of the same column alone: {verdict(worst <= GOAL)}")
    print(f"Longest main-thread task under {TASK_GOAL_MS} ms: {verdict(task < TASK_GOAL_MS)}")


if __name__ == "__main__":
    main()
