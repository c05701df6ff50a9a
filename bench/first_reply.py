"""The first reply of a fresh app process, timed from Enter in Chromium: is it as fast as the tenth?

Each run starts a fresh `streamlit run` of the app (what a process loads in the background begins with
its first page), opens it in Chromium and, once the page is usable:
1. waits 3 s (a person typing a first message), then sends it and times from Enter to the chat request's
   arrival at the loopback Ollama; the reply is an 8,000-token answer at about 1 ms a token, timed from
   Enter until its last token is on the page, against the same reply read raw (httpx, a process of its
   own) and against the server's own streaming time for it;
2. sends a second, short message and times it from Enter to the request's arrival (the warm path);
then starts another fresh process and sends a short first message as soon as the page is usable, timed
to the request's arrival, with what the page showed meanwhile. litellm's import time (a fresh process)
is printed as the allowance for that message when the provider needs litellm.

    python -m bench.first_reply [--runs 3]
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from playwright.sync_api import Browser, Page

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
from bench.stream import RAW_READ, TimedOllama, writer
from testkit.fake_ollama import CHAT_PATHS

TOKENS = 8000
PACE = 0.001
TYPING = 3.0
ON_WIRE = 0.15  # goal: a first message's request leaves within this of Enter
RAW_GOAL, SERVER_GOAL = 1.10, 1.05
IMPORT_LITELLM = """
import os, time
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
began = time.perf_counter()
import litellm
print(time.perf_counter() - began)
"""
# Enter's moment on the page's clock, the page's first "Loading" notice, and the last token's arrival.
WATCH = """last => {
    const b = window.__first = {sent: 0, done: 0, loading: ''};
    document.addEventListener('keydown', e => {
        if (e.key === 'Enter' && !b.sent) b.sent = performance.now();
    }, true);
    const timer = setInterval(() => {
        const msgs = document.querySelectorAll('[data-testid="stChatMessageContent"]');
        const text = msgs.length ? msgs[msgs.length - 1].textContent : '';
        if (b.sent && !b.loading && /Loading/.test(text)) b.loading = text.slice(0, 60);
        if (b.sent && last && text.includes(last)) { b.done = performance.now(); clearInterval(timer); }
    }, 10);
}"""


@dataclass
class Run:
    on_wire: float  # first message, sent after TYPING s: Enter to the request's arrival
    finish: float  # Enter to the last token of its 8,000-token answer on the page
    server: float  # the server's own streaming time for that answer
    raw: float  # the same answer read raw, server's streaming time
    second: float  # the second message: Enter to the request's arrival
    at_once: float  # a first message sent as soon as the page is usable: Enter to the request's arrival
    loading: str  # what the page showed while that first message waited, if anything


def _arrival(ollama: TimedOllama, after: int) -> float:
    """When the first chat request after the first `after` recorded requests arrived."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        chats = [r for r in ollama.requests[after:] if r.method == "POST" and r.path in CHAT_PATHS]
        if chats:
            return chats[0].arrived
        time.sleep(0.005)
    raise TimeoutError("no chat request arrived")


def _send(page: Page, ollama: TimedOllama, text: str, last: str = "") -> float:
    """Type `text`, press Enter; seconds from Enter to the chat request's arrival."""
    page.evaluate(WATCH, last)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    seen = len(ollama.requests)
    pressed = time.monotonic()
    box.press("Enter")
    return _arrival(ollama, seen) - pressed


def _raw(ollama: TimedOllama, model: str) -> float:
    subprocess.run([sys.executable, "-c", RAW_READ, ollama.url + "/api/chat", model], check=True)
    return ollama.stream_seconds()


def one_run(browser: Browser, ollama: TimedOllama, env: dict[str, str], model: str) -> Run:
    ollama.token_delay = PACE
    raw = _raw(ollama, model)
    with Served(APP, env) as served, session(browser) as page:
        page.goto(served.url)
        wait_ready(page)
        time.sleep(TYPING)
        on_wire = _send(page, ollama, "Tell me a long story", f"w{TOKENS - 1}")
        page.wait_for_function("() => window.__first.done > 0", timeout=WAIT_MS, polling=50)
        got = page.evaluate("() => window.__first")
        finish, server = (got["done"] - got["sent"]) / 1000, ollama.stream_seconds()
        wait_ready(page)
        ollama.token_delay = 0.0
        second = _send(page, ollama, "And a second question?")
    with Served(APP, env) as served, session(browser) as page:
        page.goto(served.url)
        wait_ready(page)
        at_once = _send(page, ollama, "A quick question?", "")
        page.wait_for_timeout(300)
        loading = page.evaluate("() => window.__first.loading")
    return Run(on_wire, finish, server, raw, second, at_once, loading)


def litellm_import() -> float:
    out = subprocess.run([sys.executable, "-c", IMPORT_LITELLM], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3)
    model = writer()
    model.answer_tokens = TOKENS
    runs: list[Run] = []
    with TimedOllama([model]) as ollama, chromium() as browser:
        env = bench_env(ollama.url, MODEL=model.name)
        for n in range(args.runs):
            run = one_run(browser, ollama, env, model.name)
            runs.append(run)
            print(
                f"run {n + 1}/{args.runs}: first request {run.on_wire:.3f} s after Enter, answer "
                f"{run.finish:.2f} s (server {run.server:.2f} s, raw {run.raw:.2f} s), second "
                f"{run.second:.3f} s, at once {run.at_once:.3f} s {run.loading!r}",
                flush=True,
            )
        imported = [litellm_import() for _ in range(2)]
    print(f"\nFirst reply of a fresh process, from Enter in Chromium (median of {len(runs)} runs)")
    typed = f"first message after {TYPING:.0f} s: Enter to request"
    wire = figure(typed, [r.on_wire for r in runs], "s", f"goal {ON_WIRE}")
    second = figure("second message: Enter to request", [r.second for r in runs])
    at_once = figure("first message sent at once: Enter to request", [r.at_once for r in runs])
    litellm_s = figure("litellm's import (a fresh process, for reference)", imported)
    figure("8,000-token answer at ~1 ms/token: Enter to last token", [r.finish for r in runs])
    raw = figure(
        "  / a raw read of the same stream", [r.finish / r.raw for r in runs], "x", f"goal {RAW_GOAL}"
    )
    own = figure(
        "  / the server's own streaming time", [r.finish / r.server for r in runs], "x", f"goal {SERVER_GOAL}"
    )
    print(f"\nFirst message after {TYPING:.0f} s on the wire within {ON_WIRE} s: {verdict(wire <= ON_WIRE)}")
    print(
        f"First message sent at once on the wire within litellm's import + {ON_WIRE} s "
        f"({litellm_s + ON_WIRE:.2f} s): {verdict(at_once <= litellm_s + ON_WIRE)}; within {ON_WIRE} s "
        f"(no import on Ollama's path): {verdict(at_once <= ON_WIRE)}"
    )
    print(f"Second message (warm): {second:.3f} s")
    print(f"First answer within {RAW_GOAL}x of a raw read: {verdict(raw <= RAW_GOAL)}")
    print(f"First answer within {SERVER_GOAL}x of the server's own time: {verdict(own <= SERVER_GOAL)}")


if __name__ == "__main__":
    main()
