"""CPU of the app process per streaming session: ten Chromium tabs streaming at once from one `streamlit run`.

A loopback Ollama answers 100 tokens at 30 ms a token (a mid-size model on a GPU). One `streamlit run` of
the app, history on (its default), serves every tab. First one tab alone sends `--replies` messages, one
after the other; then `--sessions` tabs (browser contexts: sessions of their own) each send a message at
the same moment, `--replies` rounds. The app process's CPU time (/proc, user + system) over each phase,
divided by the replies, is its CPU per reply; over the reply's own length (Enter to its last token, one
tab alone) it is the share of a core each streaming session takes. Time to first token runs from Enter
to the first answer word on the page.

`--naive-runs 1` measures Streamlit's chat tutorial page (`NAIVE_PAGE`: litellm, one chunk per token) the
same way afterwards, for reference: how much of the ten-tab delay any Streamlit page pays on this machine.

    python -m bench.sessions [--runs 1] [--sessions 10] [--replies 5] [--naive-runs 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from bench.common import (
    APP,
    WAIT_MS,
    Served,
    arguments,
    bench_env,
    chromium,
    cpu_seconds,
    figure,
    pages_dir,
    verdict,
    wait_ready,
)
from testkit.fake_ollama import FakeModel, FakeOllama

PACE = 0.03
TOKENS = 100
CORE_GOAL = 0.05  # of a core per streaming session
FIRST_GOAL = 0.3  # s: ten sessions' p95 time to first token over one session's
WATCH = """([last, prompt]) => {
    const b = window.__reply = {sent: 0, first: 0, done: 0};
    document.addEventListener('keydown', e => {
        if (e.key === 'Enter' && !b.sent) b.sent = performance.now();
    }, true);
    const timer = setInterval(() => {
        // the reply is the message after the one that asked (the page shows the last 20 messages only)
        const msgs = [...document.querySelectorAll('[data-testid="stChatMessageContent"]')];
        const asked = msgs.findLastIndex(m => m.textContent.includes(prompt));
        const text = b.sent && asked >= 0 && asked + 1 < msgs.length ? msgs[asked + 1].textContent : '';
        if (!b.first && /\\bw0\\b/.test(text)) b.first = performance.now();
        if (text.includes(last)) { b.done = performance.now(); clearInterval(timer); }
    }, 10);
}"""


@dataclass
class Phase:
    cpu: float  # CPU-s of the app process over the phase
    seconds: float  # wall-clock length of the phase
    first: list[float]  # Enter to the first answer word, each reply
    whole: list[float]  # Enter to the last token, each reply
    requests: list[float]  # Enter to the chat request's arrival at the stand-in, each reply

    @property
    def replies(self) -> int:
        return len(self.whole)


def send(page: Page, text: str) -> float:
    """Type `text` and press Enter; when Enter was pressed (this process's clock, as the stand-in's)."""
    page.evaluate(WATCH, [f"w{TOKENS - 1}", text])
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    pressed = time.monotonic()
    box.press("Enter")
    return pressed


def idle_cpu(pid: int, seconds: float = 5.0) -> float:
    """CPU-s a second the app process spends with every tab open and nothing happening."""
    began = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - began) / seconds


def arrivals(ollama: FakeOllama) -> dict[str, float]:
    """When each chat request arrived, by the message that asked."""
    return {
        r.body["messages"][-1]["content"]: r.arrived
        for r in list(ollama.requests)
        if r.path == "/api/chat" and r.body and r.body.get("messages")
    }


def phase(pages: list[Page], replies: int, pid: int, ollama: FakeOllama) -> Phase:
    first: list[float] = []
    whole: list[float] = []
    pressed: dict[str, float] = {}
    began, cpu = time.monotonic(), cpu_seconds(pid)
    for n in range(replies):
        for page in pages:
            wait_ready(page)
        for i, page in enumerate(pages):  # all at once
            text = f"Tab {i}, question {n}"
            pressed[text] = send(page, text)
        for page in pages:
            page.wait_for_function("() => window.__reply.done > 0", timeout=WAIT_MS, polling=50)
            got = page.evaluate("() => window.__reply")
            first.append((got["first"] - got["sent"]) / 1000)
            whole.append((got["done"] - got["sent"]) / 1000)
    for page in pages:
        wait_ready(page)  # the rerun after each reply is part of its cost
    arrived = arrivals(ollama)
    requests = [arrived[text] - at for text, at in pressed.items()]
    return Phase(cpu_seconds(pid) - cpu, time.monotonic() - began, first, whole, requests)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def one_run(sessions: int, replies: int, script: Path = APP) -> tuple[Phase, Phase, float]:
    model = FakeModel("writer:100", ["completion"], "llama", "3B", answer_tokens=TOKENS)
    with (
        FakeOllama([model], token_delay=PACE) as ollama,
        chromium() as browser,
        Served(script, bench_env(ollama.url, MODEL=model.name)) as served,
    ):
        contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(sessions)]
        try:
            pages = [context.new_page() for context in contexts]
            for page in pages:
                page.goto(served.url)
                wait_ready(page)
            send(pages[0], "A first question to warm up")  # the process's first reply: not counted
            pages[0].wait_for_function("() => window.__reply.done > 0", timeout=WAIT_MS)
            print(f"  app process {served.pid}", flush=True)
            wait_ready(pages[0])
            idle = idle_cpu(served.pid)
            alone = phase(pages[:1], replies, served.pid, ollama)
            together = phase(pages, replies, served.pid, ollama)
        finally:
            for context in contexts:
                context.close()
    return alone, together, idle


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=1, sessions=10, replies=5, naive_runs=0)
    print(f"Load average before: {os.getloadavg()[0]:.2f} (2 shared cores)")
    runs = []
    idles: list[float] = []
    for n in range(args.runs):
        alone, together, idle = one_run(args.sessions, args.replies)
        runs.append((alone, together))
        idles.append(idle)
        print(
            f"run {n + 1}/{args.runs}: idle {idle:.3f} CPU-s a second; alone "
            f"{alone.cpu / alone.replies:.3f} CPU-s a reply, first token p95 "
            f"{p95(alone.first):.3f} s; {args.sessions} at once {together.cpu / together.replies:.3f} CPU-s "
            f"a reply, first token p95 {p95(together.first):.3f} s, {together.cpu:.1f} CPU-s in "
            f"{together.seconds:.1f} s; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    print(f"\n{TOKENS}-token replies at {PACE * 1000:.0f} ms a token, one app process (median of runs)")
    figure(f"CPU-s of the app a second, idle, {args.sessions} tabs open", idles)
    figure("CPU-s of the app a reply, one tab", [a.cpu / a.replies for a, _ in runs])
    per_reply = figure(
        f"CPU-s of the app a reply, {args.sessions} tabs", [t.cpu / t.replies for _, t in runs]
    )
    length = figure(
        "a reply's length, Enter to last token, one tab", [statistics.median(a.whole) for a, _ in runs]
    )
    share = figure(
        "share of a core per streaming session",
        [t.cpu / t.replies / statistics.median(a.whole) for a, t in runs],
        "",
        f"goal <= {CORE_GOAL}",
    )
    alone_p95 = figure("time to first token p95, one tab", [p95(a.first) for a, _ in runs])
    together_p95 = figure(f"time to first token p95, {args.sessions} tabs", [p95(t.first) for _, t in runs])
    added = figure(
        f"  {args.sessions} tabs minus one",
        [p95(t.first) - p95(a.first) for a, t in runs],
        "s",
        f"goal <= {FIRST_GOAL}",
    )
    figure("  of which Enter to the request's arrival p95, one tab", [p95(a.requests) for a, _ in runs])
    figure(
        f"  of which Enter to the request's arrival p95, {args.sessions} tabs",
        [p95(t.requests) for _, t in runs],
    )
    figure(
        f"last reply of a round ends, {args.sessions} tabs (Enter to last token, max)",
        [max(t.whole) for _, t in runs],
    )
    if args.naive_runs:
        naive(args)
    print(f"\nLoad average after: {os.getloadavg()[0]:.2f}")
    print(
        f"CPU per streaming session within {CORE_GOAL:.0%} of a core: {verdict(share <= CORE_GOAL)} "
        f"({share:.1%})"
    )
    print(
        f"{args.sessions} sessions' first token p95 within {FIRST_GOAL} s of one's: "
        f"{verdict(added <= FIRST_GOAL)} "
        f"({together_p95:.3f} s vs {alone_p95:.3f} s); {per_reply:.3f} CPU-s a reply of {length:.2f} s"
    )


def naive(args: argparse.Namespace) -> None:
    """Streamlit's chat tutorial page under the same load, for reference (no goal)."""
    with pages_dir() as pages:
        runs = [one_run(args.sessions, args.replies, pages["naive"])[:2] for _ in range(args.naive_runs)]
    print("\nStreamlit's chat tutorial page, the same way (for reference)")
    figure(
        "share of a core per streaming session",
        [t.cpu / t.replies / statistics.median(a.whole) for a, t in runs],
        "",
    )
    added = [p95(t.first) - p95(a.first) for a, t in runs]
    figure(f"{args.sessions} tabs minus one, first token p95", added)


if __name__ == "__main__":
    main()
