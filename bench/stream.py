"""Long replies in the browser: how far the page falls behind the model server, and whether it freezes.

A loopback Ollama streams an 8,000-token answer, and separately 8,000 tokens of thinking before a short
answer, at about 1 ms a token; and the answer again at full speed. Chromium times from pressing Enter
until the last token is on the page; the server's own streaming time runs from the request's arrival to
its last line (and, as a check that the app does not slow the server down, the same reply read by a raw
reader in a process of its own). The naive tutorial page (one `st.write_stream` chunk per token) can
stream the same answer in the same run. The longest main-thread task and the longest gap between two
frames tell if the page froze.
Each figure is the median of the runs. The naive page is slow (40 s a run here): it runs only when asked,
`--naive-runs 1`.

    python -m bench.stream [--runs 3] [--naive-runs 0]
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Browser, Page

from bench.common import (
    APP,
    Served,
    arguments,
    bench_env,
    chromium,
    figure,
    median,
    pages_dir,
    probe,
    probed,
    session,
    verdict,
    wait_ready,
)
from testkit.fake_ollama import CHAT_PATHS, FakeModel, FakeOllama

TOKENS = 8000
PACE = 0.001
GOAL = 1.05
FREEZE_MS = 500  # a main-thread task or a gap between frames this long is felt as a freeze


def writer(thinks: bool = False) -> FakeModel:
    """A model that answers "w0 w1 … w7999" without thinking (one that could think is asked not to)."""
    capabilities = ["completion", "thinking"] if thinks else ["completion"]
    return FakeModel("writer:8k", capabilities, "qwen3", "1.0B", size=800_000_000, answer_tokens=TOKENS)


def thinker() -> FakeModel:
    """A model that thinks "t0 … t7999" before a 200-token answer."""
    thinking = " ".join(f"t{i}" for i in range(TOKENS))
    return FakeModel(
        "thinker:8k",
        ["completion", "thinking"],
        "qwen3",
        "1.0B",
        size=800_000_000,
        thinking=thinking,
        answer_tokens=200,
    )


class TimedOllama(FakeOllama):
    """The loopback Ollama, noting when it last waited between two streamed lines (the end of a stream)."""

    last_line = 0.0

    def _sleep(self, seconds: float) -> None:
        super()._sleep(seconds)
        self.last_line = time.monotonic()

    def stream_seconds(self) -> float:
        """From the last chat request's arrival to its last line."""
        arrived = [r.arrived for r in self.requests if r.method == "POST" and r.path in CHAT_PATHS]
        return self.last_line - arrived[-1]


@dataclass
class Shown:
    """One reply as the browser saw it, against the server's own stream."""

    browser: float  # seconds from Enter to the last token on the page
    server: float  # seconds the model server took to stream it
    task_ms: float  # longest main-thread task while it streamed
    busy_ms: float  # time spent in main-thread tasks over 50 ms while it streamed
    gap_ms: float  # longest gap between two frames while it streamed

    @property
    def ratio(self) -> float:
        return self.browser / self.server


def send_and_watch(page: Page, ollama: TimedOllama, last: str) -> Shown:
    wait_ready(page)
    probe(page, last)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("Tell me a long story")
    box.press("Enter")
    got = probed(page)
    return Shown(got.seconds[0], ollama.stream_seconds(), got.task_ms, got.busy_ms, got.gap_ms)


# Reads one reply as fast as it comes, in a process of its own, and throws it away.
RAW_READ = """
import sys, httpx
url, model = sys.argv[1:]
body = {"model": model, "messages": [{"role": "user", "content": "Tell me a long story"}], "stream": True}
with httpx.stream("POST", url, json=body, timeout=60) as response:
    for _ in response.iter_bytes():
        pass
"""


@dataclass
class Scenario:
    label: str
    served: Served
    last: str  # the reply's last token
    pace: float  # seconds between tokens; 0 for full speed
    runs: int
    endpoint: str = "/api/chat"  # where the app asks for it: models that cannot think go to /v1

    def raw_seconds(self, ollama: TimedOllama, model: str) -> float:
        """The server's streaming time for the same reply read by a raw reader: its pace, unhindered."""
        ollama.token_delay = self.pace
        subprocess.run([sys.executable, "-c", RAW_READ, ollama.url + self.endpoint, model], check=True)
        return ollama.stream_seconds()

    def run(self, browser: Browser, ollama: TimedOllama) -> Shown:
        ollama.token_delay = self.pace
        with session(browser) as page:
            page.goto(self.served.url)
            return send_and_watch(page, ollama, self.last)


@contextmanager
def short_replies(*models: FakeModel) -> Iterator[None]:
    """Make the models answer in a few tokens, to warm a server up (litellm's import, first connection)."""
    saved = [(m.answer_tokens, m.thinking) for m in models]
    for m in models:
        m.answer_tokens, m.thinking = 3, "hm"
    try:
        yield
    finally:
        for m, (tokens, thinking) in zip(models, saved, strict=True):
            m.answer_tokens, m.thinking = tokens, thinking


def browser_part(runs: int, naive_runs: int) -> bool:
    answer, thought = writer(), thinker()
    last = f"w{TOKENS - 1}"
    with TimedOllama([answer, thought]) as ollama, pages_dir() as pages, chromium() as browser:
        app_answer = Served(APP, bench_env(ollama.url, MODEL=answer.name)).start()
        app_thinking = Served(APP, bench_env(ollama.url, MODEL=thought.name)).start()
        servers = [app_answer, app_thinking]
        scenarios = [
            Scenario(
                "app: 8,000-token answer, 1 ms/token", app_answer, last, PACE, runs, "/v1/chat/completions"
            ),
            Scenario("app: 8,000 thinking tokens + 200-token answer", app_thinking, "w199", PACE, runs),
            Scenario(
                "app: 8,000-token answer, full speed", app_answer, last, 0.0, runs, "/v1/chat/completions"
            ),
        ]
        if naive_runs:
            servers.append(Served(pages["naive"], bench_env(ollama.url, MODEL=answer.name)).start())
            scenarios.append(
                Scenario("naive page: 8,000-token answer (before)", servers[-1], last, PACE, naive_runs)
            )
        try:
            with short_replies(answer, thought):
                for served in servers:
                    with session(browser) as page:
                        page.goto(served.url)
                        send_and_watch(page, ollama, "w2")
            raw = {
                s.label: [s.raw_seconds(ollama, s.served.env["MODEL"]) for _ in range(2)]
                for s in scenarios[:2]
            }
            results: dict[str, list[Shown]] = {s.label: [] for s in scenarios}
            for run in range(max(runs, naive_runs)):
                for scenario in scenarios[run % len(scenarios) :] + scenarios[: run % len(scenarios)]:
                    if run < scenario.runs:
                        results[scenario.label].append(scenario.run(browser, ollama))
                print(f"run {run + 1} done", flush=True)
        finally:
            for served in servers:
                served.stop()
    return report(scenarios, results, raw)


def report(scenarios: list[Scenario], results: dict[str, list[Shown]], raw: dict[str, list[float]]) -> bool:
    print("\nBrowser finish / the model server's own streaming time (median of runs; at full speed the")
    print("server outruns every reader, so only the browser's time and its freezes count there)")
    met = True
    for scenario in scenarios:
        shown = results[scenario.label]
        app = scenario.label.startswith("app")
        paced = scenario.pace > 0
        ratio = figure(
            scenario.label,
            [s.ratio for s in shown] if paced else [s.browser for s in shown],
            "x" if paced else "s",
            f"goal <= {GOAL}" if app and paced else "",
        )
        busy = median([s.busy_ms / 10 / s.browser for s in shown])
        task, gap = max(s.task_ms for s in shown), max(s.gap_ms for s in shown)
        pace = TOKENS / median([s.server for s in shown])
        print(
            f"  {'':<52} browser {median([s.browser for s in shown]):.2f} s, server "
            f"{median([s.server for s in shown]):.2f} s ({pace:.0f} tokens/s); longest task {task:.0f} ms, "
            f"longest frame gap {gap:.0f} ms, busy {busy:.0f}% in long tasks"
        )
        if app:
            frozen = max(task, gap) >= FREEZE_MS
            met = met and not frozen and (not paced or ratio <= GOAL)
            print(
                f"  {'':<52} "
                + (f"within {GOAL}x: {verdict(ratio <= GOAL)}; " if paced else "")
                + f"no freeze (no task or frame gap >= {FREEZE_MS} ms): {verdict(not frozen)}"
            )
    print("\nThe same, against the server's time for that reply read by a raw reader (two reads each, best):")
    for label, reads in raw.items():
        browser = median([s.browser for s in results[label]])
        figure(f"{label.removeprefix('app: ')}", [browser / min(reads)], "x", f"raw read {min(reads):.2f} s")
    if len(scenarios) > 3:
        pairs = zip(results[scenarios[0].label], results[scenarios[-1].label], strict=False)
        figure("app / naive page, browser finish (same runs)", [a.browser / b.browser for a, b in pairs], "x")
    return met


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3, naive_runs=0)
    met = browser_part(args.runs, args.naive_runs)
    print(f"\nLong replies keep pace ({GOAL}x at about 1 ms/token) with no freeze: {verdict(met)}")


if __name__ == "__main__":
    main()
