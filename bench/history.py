"""History (saved conversations): what saving, opening and listing them costs, each against a reference.

- stream: the 8,000-token answer at about 1 ms a token (bench/stream.py's), the app with history on (the
  reply saved as it streams) vs HISTORY=off: Chromium's time from Enter to the last token.
- rerun: the 200-message rerun after a sidebar change (bench/rerun.py's), history on vs off. The 200
  messages are seeded into the session (bench/seeded_app.py), so they are not in the store; the store
  holds 30 other conversations, so the sidebar draws a full page of the list on every rerun.
- open: a page load of `?chat=ID`, a 200-message conversation saved beforehand with `Store.save_turn`, vs
  a page load drawing the same 200 messages from the session (`?messages=200`), one server: from
  navigation to the last message on the page and the run over.
- list: a page load until the sidebar's history list is drawn and the run over, with 10,000
  conversations in the store vs 10 (one server each); the same for a rerun; and the store's own query.

Page loads and streams are timed `--runs` times each; reruns, short and noisier, `--reruns` times. Every
store is a fresh SQLite file in a temporary folder, removed at the end.

    python -m bench.history [--runs 5] [--reruns 15] [--only stream,rerun,open,list]
"""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import insert

from bench.common import (
    APP,
    SEEDED_APP,
    WAIT_MS,
    Served,
    bench_env,
    chromium,
    conversation,
    cpu_seconds,
    figure,
    session,
    verdict,
)
from bench.rerun import rerun_seconds
from bench.stream import PACE, TOKENS, Scenario, Shown, TimedOllama, send_and_watch, short_replies, writer
from llm.access import LOCAL
from llm.db import chats, make_engine, messages
from llm.store import Store, _row, title_of
from testkit.fake_ollama import FakeOllama

MEASURES = ("stream", "rerun", "open", "list")
STREAM_GOAL = RERUN_GOAL = 1.05
OPEN_GOAL = LIST_GOAL = 1.2
LONG = 200  # messages in the long conversation
LISTED = 30  # conversations in the store of the rerun measure: more than the sidebar's first page (20)
FEW, MANY = 10, 10_000  # conversations in the two stores of the list measure
PAGE = 20  # conversations the sidebar lists at first (ui/history.py)
# What the app stores with a conversation for reopening it (ui/history.py chat_settings): the seeded model.
SETTINGS = {"provider": "ollama", "model": "gpt-oss:20b", "style": "ollama-effort", "level": "medium"}
LAST_TEXT = f"In short, question {LONG // 2 - 1} depends"  # in the 200th message, the last one drawn
MESSAGE = '[data-testid="stChatMessage"]'
LISTED_LINK = '[data-testid="stSidebar"] a[href*="chat="]'

# Installed before the page's own scripts: notes, from navigation start, when `count` elements match
# `selector` (the last containing `text`), the run is over, and the next frame is drawn.
LOADED = """(() => {
    const want = %s;
    const load = window.__load = {done: 0};
    const timer = setInterval(() => {
        const app = document.querySelector('[data-testid="stApp"]');
        if (!app || app.dataset.testScriptState !== 'notRunning') return;
        const found = document.querySelectorAll(want.selector);
        if (found.length < want.count) return;
        if (want.text && !found[found.length - 1].textContent.includes(want.text)) return;
        clearInterval(timer);
        requestAnimationFrame(() => { load.done = performance.now(); });
    }, 10);
})();"""

# What the page showed when a rerun was not seen: the watch, the run's state, the radios checked.
SEEN = """() => ({
    watch: window.__rerun,
    state: document.querySelector('[data-testid="stApp"]').dataset.testScriptState,
    checked: [...document.querySelectorAll('[data-testid="stSidebar"] input[type="radio"]:checked')]
        .map(e => e.parentElement.textContent),
})"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measurements per figure (default 5)")
    parser.add_argument(
        "--reruns", type=int, default=15, help="measurements per rerun figure (default 15: a rerun is short)"
    )
    parser.add_argument(
        "--only", default=",".join(MEASURES), help=f"comma-separated, of {', '.join(MEASURES)} (default all)"
    )
    args = parser.parse_args()
    args.only = [m.strip() for m in args.only.split(",") if m.strip()]
    if unknown := set(args.only) - set(MEASURES):
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    return args


@contextmanager
def stores() -> Iterator[Callable[[str], str]]:
    """`url(name)`: a database URL for a fresh SQLite file in a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        yield lambda name: f"sqlite:///{Path(tmp) / name}.db"


def save_long(url: str) -> str:
    """The 200-message conversation of bench.common.conversation, saved turn by turn as the app saves it;
    its id."""
    store, chat_id = Store(url), secrets.token_hex(8)
    for turn in conversation(LONG):
        store.save_turn(LOCAL, chat_id, turn, SETTINGS if turn.role == "user" else None)
    store.close()
    return chat_id


def fill(url: str, count: int) -> None:
    """`count` two-message conversations, inserted in one transaction through llm.db's tables."""
    store = Store(url)
    store.migrate()
    store.close()
    now = time.time()
    question, answer = conversation(2)
    chat_rows, message_rows = [], []
    for i in range(count):
        chat_id = f"{i:016x}"
        asked = f"Conversation {i}: {question.content}"
        updated = now - (count - i)
        chat_rows.append(
            {
                "id": chat_id,
                "owner": LOCAL,
                "title": title_of(asked),
                "settings": json.dumps(SETTINGS),
                "created": updated,
                "updated": updated,
                "deleted": None,
            }
        )
        message_rows.append(_row(chat_id, question, updated) | {"content": asked})
        message_rows.append(_row(chat_id, answer, updated))
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(chats), chat_rows)
        conn.execute(insert(messages), message_rows)
    engine.dispose()


def load_seconds(browser: Browser, url: str, selector: str, count: int, text: str = "") -> float:
    """A page load in a fresh session: seconds from navigation to `count` of `selector` drawn (the last
    with `text`), the run over and a frame drawn."""
    with session(browser) as page:
        page.add_init_script(LOADED % json.dumps({"selector": selector, "count": count, "text": text}))
        page.goto(url)
        page.wait_for_function("() => window.__load.done > 0", timeout=WAIT_MS, polling=50)
        return page.evaluate("() => window.__load.done") / 1000


def timed_rerun(name: str, page: Page, served: Served, cpu: dict[str, list[float]]) -> float:
    """bench/rerun.py's rerun, with the app process's CPU time for it in `cpu[name]`; if no rerun is seen,
    what the page and the server showed."""
    try:
        with cpu_into(served.pid, cpu[name]):
            return rerun_seconds(page)
    except PlaywrightTimeout:
        state = page.evaluate(SEEN)
        print(f"{name}: no rerun seen ({state}); the server's log ends:\n{served.output()[-2000:]}")
        raise


def cpu_figures(cpu: dict[str, list[float]], names: tuple[str, str], what: str = "rerun") -> None:
    """The app process's CPU time for the same runs, and the ratio of the medians (no goal)."""
    a, b = (figure(f"{name}: app CPU per {what}", cpu[name]) for name in names)
    print(f"  => CPU {a / b:.3f}x (medians), {1000 * (a - b):+.0f} ms a {what}")


def alternate(run: int, names: tuple[str, str]) -> tuple[str, str]:
    return names if run % 2 == 0 else (names[1], names[0])


def alternating(
    label: str,
    runs: int,
    names: tuple[str, str],
    times: dict[str, list[float]],
    measure: Callable[[str], float],
) -> None:
    """Append `measure(name)` to `times[name]` for both names `runs` times, taking turns at going first;
    print each run's figures."""
    for run in range(runs):
        for name in alternate(run, names):
            times[name].append(measure(name))
        print(
            f"{label} run {run + 1}/{runs}: "
            + ", ".join(f"{name} {times[name][-1]:.3f} s" for name in names),
            flush=True,
        )


def compare(
    title: str, times: dict[str, list[float]], names: tuple[str, str], goal: float, unit: str = "s"
) -> bool:
    """Print both figures, the paired ratios, and the verdict on the ratio of the medians."""
    subject, reference = names
    print(f"\n{title}")
    a = figure(subject, times[subject], unit)
    b = figure(reference, times[reference], unit)
    pairs = [x / y for x, y in zip(times[subject], times[reference], strict=True)]
    figure("ratio, run by run (in the order above)", pairs, "x")
    ok = a / b <= goal
    print(f"  => {a / b:.3f}x (medians), goal <= {goal}x: {verdict(ok)}")
    return ok


@contextmanager
def cpu_into(pid: int, into: list[float]) -> Iterator[None]:
    """Append to `into` the CPU time process `pid` used during the block (far less swayed by a busy
    machine than the time)."""
    used = cpu_seconds(pid)
    yield
    into.append(cpu_seconds(pid) - used)


def measure_stream(browser: Browser, runs: int) -> bool:
    model = writer()
    last = f"w{TOKENS - 1}"
    names = ("history on", "HISTORY=off")
    shown: dict[str, list[Shown]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with stores() as url, TimedOllama([model]) as ollama:
        served = {
            names[0]: Served(APP, bench_env(ollama.url, MODEL=model.name, DATABASE_URL=url("stream"))),
            names[1]: Served(APP, bench_env(ollama.url, MODEL=model.name, HISTORY="off")),
        }
        try:
            scenarios = {}
            for name, server in served.items():
                server.start()
                scenarios[name] = Scenario(name, server, last, PACE, runs)
            # warm up: litellm's import, the first connection, the store's first use
            with short_replies(model):
                for server in served.values():
                    with session(browser) as page:
                        page.goto(server.url)
                        send_and_watch(page, ollama, "w2")
            for run in range(runs):
                for name in alternate(run, names):
                    with cpu_into(served[name].pid, cpu[name]):
                        shown[name].append(scenarios[name].run(browser, ollama))
                print(
                    f"stream run {run + 1}/{runs}: "
                    + ", ".join(
                        f"{name} {shown[name][-1].browser:.3f} s (server {shown[name][-1].server:.3f} s, "
                        f"app CPU {cpu[name][-1]:.2f} s)"
                        for name in names
                    ),
                    flush=True,
                )
            time.sleep(1)  # the saver's last write of the last reply
            saved = Store(url("stream"))
            replies = [saved.chat(LOCAL, c.id) for c in saved.chats(LOCAL, "", runs + 2)]
            whole = sum(1 for chat in replies if chat and chat.turns[-1].content.rstrip().endswith(last))
            print(f"stream, history on: {len(replies)} conversations saved, {whole} with the whole reply")
            saved.close()
        finally:
            for server in served.values():
                server.stop()
    # The loopback server's own pace drifts with the machine's load (10.7 to 11.5 s for the same reply):
    # the app's figure is bench/stream.py's, the browser's finish over the server's streaming time.
    ok = compare(
        f"8,000-token answer at ~{PACE * 1000:.0f} ms/token: browser finish / the server's streaming time "
        "(bench/stream.py's figure)",
        {name: [s.ratio for s in shown[name]] for name in names},
        names,
        STREAM_GOAL,
        "x",
    )
    compare(
        "The same replies: seconds from Enter to the last token (the server's pace included)",
        {name: [s.browser for s in shown[name]] for name in names},
        names,
        STREAM_GOAL,
    )
    for name in names:
        figure(f"{name}: server streaming time", [s.server for s in shown[name]])
    for name in names:
        figure(f"{name}: app process CPU, Enter to last token", cpu[name])
    return ok


def measure_rerun(browser: Browser, runs: int) -> bool:
    names = ("history on", "HISTORY=off")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with stores() as url, FakeOllama() as ollama:
        fill(url("rerun"), LISTED)
        with (
            Served(SEEDED_APP, bench_env(ollama.url, DATABASE_URL=url("rerun"))) as on,
            Served(SEEDED_APP, bench_env(ollama.url, HISTORY="off")) as off,
            session(browser) as on_page,
            session(browser) as off_page,
        ):
            pages = {names[0]: on_page, names[1]: off_page}
            servers = {names[0]: on, names[1]: off}
            for name, (page, server) in zip(names, ((on_page, on), (off_page, off)), strict=True):
                page.goto(f"{server.url}?messages={LONG}")
                page.locator(MESSAGE).last.wait_for(timeout=WAIT_MS)
                rerun_seconds(page)  # warm up: the first rerun of a session
                drawn, listed = page.locator(MESSAGE).count(), page.locator(LISTED_LINK).count()
                print(f"rerun, {name}: {drawn} messages drawn, {listed} conversations listed", flush=True)
            alternating(
                "rerun", runs, names, times, lambda name: timed_rerun(name, pages[name], servers[name], cpu)
            )
    ok = compare(
        f"Rerun after a sidebar change with {LONG} messages in the session: seconds from the click to the "
        "next frame",
        times,
        names,
        RERUN_GOAL,
    )
    cpu_figures(cpu, names)
    return ok


def measure_open(browser: Browser, runs: int) -> bool:
    names = ("from the history (?chat=ID)", "from the session (?messages=200)")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with stores() as url, FakeOllama() as ollama:
        chat_id = save_long(url("open"))
        with Served(SEEDED_APP, bench_env(ollama.url, DATABASE_URL=url("open"))) as served:
            urls = dict(
                zip(names, (f"{served.url}?chat={chat_id}", f"{served.url}?messages={LONG}"), strict=True)
            )
            for name, address in urls.items():  # warm up: the store's first use, litellm's background import
                load_seconds(browser, address, MESSAGE, 1, LAST_TEXT)
                with session(browser) as page:
                    page.goto(address)
                    page.get_by_text(LAST_TEXT).wait_for(timeout=WAIT_MS)
                    print(f"open, {name}: {page.locator(MESSAGE).count()} messages drawn", flush=True)

            def load(name: str) -> float:
                with cpu_into(served.pid, cpu[name]):
                    return load_seconds(browser, urls[name], MESSAGE, 1, LAST_TEXT)

            alternating("open", runs, names, times, load)
    ok = compare(
        f"A {LONG}-message conversation: page load, seconds from navigation to its last message drawn and "
        "the run over",
        times,
        names,
        OPEN_GOAL,
    )
    cpu_figures(cpu, names, "page load")
    return ok


def query_ms(url: str, search: str = "") -> list[float]:
    """The sidebar's query (the first page of the list, and one more to know if there are more), 20 times."""
    store, times = Store(url), []
    store.migrate()
    for _ in range(20):
        start = time.perf_counter()
        store.chats(LOCAL, search, PAGE + 1)
        times.append((time.perf_counter() - start) * 1000)
    store.close()
    return times


def measure_list(browser: Browser, runs: int, rerun_runs: int) -> bool:
    names = (f"{MANY:,} conversations", f"{FEW} conversations")
    counts = dict(zip(names, (MANY, FEW), strict=True))
    loads: dict[str, list[float]] = {name: [] for name in names}
    reruns: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    load_cpu: dict[str, list[float]] = {name: [] for name in names}
    with stores() as url, FakeOllama() as ollama:
        started = time.monotonic()
        for name in names:
            fill(url(str(counts[name])), counts[name])
        print(
            f"list: stores of {MANY:,} and {FEW} conversations filled in {time.monotonic() - started:.1f} s"
        )
        print(f"\nThe store's list query (first {PAGE} + 1), milliseconds, 20 calls each")
        for name in names:
            figure(name, query_ms(url(str(counts[name]))), "ms")
        for name in names:
            figure(f"{name}, searching 'question 5'", query_ms(url(str(counts[name])), "question 5"), "ms")
        served = {
            name: Served(APP, bench_env(ollama.url, DATABASE_URL=url(str(counts[name])))) for name in names
        }
        try:
            for server in served.values():
                server.start()
            with session(browser) as many_page, session(browser) as few_page:
                pages = dict(zip(names, (many_page, few_page), strict=True))
                for name, page in pages.items():  # warm up, and the session each rerun is timed in
                    load_seconds(browser, served[name].url, LISTED_LINK, min(counts[name], PAGE))
                    page.goto(served[name].url)
                    page.locator(LISTED_LINK).nth(min(counts[name], PAGE) - 1).wait_for(timeout=WAIT_MS)
                    rerun_seconds(page)
                    print(
                        f"list, {name}: {page.locator(LISTED_LINK).count()} conversations listed", flush=True
                    )
                for run in range(max(runs, rerun_runs)):
                    for name in alternate(run, names):
                        if run < runs:
                            with cpu_into(served[name].pid, load_cpu[name]):
                                loads[name].append(
                                    load_seconds(
                                        browser, served[name].url, LISTED_LINK, min(counts[name], PAGE)
                                    )
                                )
                        if run < rerun_runs:
                            reruns[name].append(timed_rerun(name, pages[name], served[name], cpu))
                    print(
                        f"list run {run + 1}: "
                        + ", ".join(
                            f"page load, {name} {loads[name][run]:.3f} s" for name in names if run < runs
                        )
                        + "; "
                        + ", ".join(
                            f"rerun, {name} {reruns[name][run]:.3f} s" for name in names if run < rerun_runs
                        ),
                        flush=True,
                    )
        finally:
            for server in served.values():
                server.stop()
    ok = compare(
        "History list: page load, seconds from navigation to the sidebar's list drawn and the run over",
        loads,
        names,
        LIST_GOAL,
    )
    cpu_figures(load_cpu, names, "page load")
    rerun_ok = compare(
        "History list: rerun after a sidebar change, seconds from the click to the next frame",
        reruns,
        names,
        LIST_GOAL,
    )
    cpu_figures(cpu, names)
    return ok and rerun_ok


def main() -> None:
    args = arguments()
    measures: dict[str, Callable[[Browser], bool]] = {
        "stream": lambda browser: measure_stream(browser, args.runs),
        "rerun": lambda browser: measure_rerun(browser, args.reruns),
        "open": lambda browser: measure_open(browser, args.runs),
        "list": lambda browser: measure_list(browser, args.runs, args.reruns),
    }
    results: dict[str, bool] = {}
    with chromium() as browser:
        for name in args.only:
            print(f"\n== {name} ==", flush=True)
            results[name] = measures[name](browser)
    goals = {
        "stream": f"8,000-token answer, history on <= {STREAM_GOAL}x off",
        "rerun": f"{LONG}-message rerun, history on <= {RERUN_GOAL}x off",
        "open": f"opening {LONG} messages from the history <= {OPEN_GOAL}x from the session",
        "list": f"history list of {MANY:,} conversations <= {LIST_GOAL}x of {FEW}",
    }
    print()
    for name, ok in results.items():
        print(f"{goals[name]}: {verdict(ok)}")


if __name__ == "__main__":
    main()
