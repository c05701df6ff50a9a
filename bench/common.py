"""What the benchmarks share: pages served by `streamlit run`, Debian's Chromium, printing figures."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from llm.conversation import Turn
from llm.events import Stats
from testkit.server import CHROMIUM, CHROMIUM_ARGS, StreamlitApp, app_env

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SEEDED_APP = ROOT / "bench" / "seeded_app.py"
EAGER_APP = ROOT / "bench" / "eager_app.py"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHAT_BOX = '[data-testid="stChatInputTextArea"]:not([disabled])'
WAIT_MS = 120_000

# The baseline: Streamlit's own chat tutorial, with litellm instead of openai, one chunk per token.
NAIVE_PAGE = """\
import os

import litellm
import streamlit as st

st.title("Chat")
if "messages" not in st.session_state:
    st.session_state.messages = []
for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        st.markdown(message["content"])
if prompt := st.chat_input("Ask anything"):
    st.session_state.messages.append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        stream = litellm.completion(
            model="ollama_chat/" + os.environ["MODEL"],
            api_base=os.environ["OLLAMA_API_BASE"],
            messages=st.session_state.messages,
            stream=True,
        )
        response = st.write_stream(chunk.choices[0].delta.content or "" for chunk in stream)
    st.session_state.messages.append({"role": "assistant", "content": response})
"""

# The yardstick for start-up: a page with nothing but a chat input.
BARE_PAGE = """\
import streamlit as st

st.title("Chat")
st.chat_input("Ask anything")
"""


# What the app's first page costs before any of its own code: the bare page plus a sidebar with the app's
# kinds of widgets (the browser loads and draws each kind), the model picker showing a listed model.
WIDGETS_PAGE = """\
import os

import streamlit as st

with st.sidebar:
    st.selectbox("Provider", ["Ollama", "LM Studio", "OpenAI"])
    st.text_input("Ollama server", "http://127.0.0.1:11434")
    model, refresh = st.columns([4, 1], vertical_alignment="bottom")
    model.selectbox("Model", [os.environ["MODEL"] + " · 2.0 GB", "other"])
    refresh.button(":material/refresh:")
    st.radio("Thinking", ["Off", "On"], horizontal=True, disabled=True)
    st.caption("This model cannot think.")
    st.toggle("Show thinking", value=True)
    st.selectbox("Keep loaded", ["5 minutes", "1 hour"])
    st.button("Load model", width="stretch")
    with st.popover("Generation", width="stretch"):
        st.text_area("System prompt")
    st.toggle("Present")
    st.button("New chat", width="stretch")
st.title("Chat")
st.chat_input("Ask anything")
"""


def arguments(doc: str, runs: int, **counts: int) -> argparse.Namespace:
    """`--runs` and any other counts (`naive_runs=1` gives `--naive-runs`, default 1)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--runs", type=int, default=runs, help=f"measurements per figure (default {runs})")
    for name, default in counts.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=int, default=default, help=f"default {default}"
        )
    return parser.parse_args()


@contextmanager
def pages_dir() -> Iterator[dict[str, Path]]:
    """The bare, widgets and naive pages written to a temporary folder (served from the repository's
    folder)."""
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        paths = {
            "bare": Path(tmp) / "bare.py",
            "widgets": Path(tmp) / "widgets.py",
            "naive": Path(tmp) / "naive.py",
        }
        paths["bare"].write_text(BARE_PAGE)
        paths["widgets"].write_text(WIDGETS_PAGE)
        paths["naive"].write_text(NAIVE_PAGE)
        yield paths


def bench_env(ollama_url: str, **extra: str) -> dict[str, str]:
    """The app's clean test environment; litellm's offline price table for every page, naive ones too."""
    return app_env(ollama_url, LITELLM_LOCAL_MODEL_COST_MAP="True", **extra)


class Served(StreamlitApp):
    """A benchmark page under `streamlit run`, logging to a temporary folder removed when it stops."""

    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self._logs = Path(tempfile.mkdtemp(prefix="bench-streamlit-"))
        super().__init__(env, self._logs / "streamlit.log", script=script)

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self._logs, ignore_errors=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def session(browser: Browser) -> Iterator[Page]:
    """A fresh browser context: its own Streamlit session."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_ready(page: Page) -> None:
    """Wait until the chat box takes input and no run is in flight (checked twice: a rerun may follow)."""
    for _ in range(2):
        page.wait_for_selector(CHAT_BOX, timeout=WAIT_MS)
        page.wait_for_selector(IDLE, timeout=WAIT_MS)
        page.wait_for_timeout(100)
    page.wait_for_selector(CHAT_BOX, timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)


# What the frame probe watches for a reply's last token: the last chat message, or each Compare column that
# holds a reply (one with a heading). A JavaScript expression giving the elements, in order.
LAST_MESSAGE = """[...document.querySelectorAll('[data-testid="stChatMessageContent"]')].slice(-1)"""
REPLY_COLUMNS = (
    """[...document.querySelectorAll('[data-testid="stColumn"]')].filter(c => c.querySelector('h5'))"""
)
# From Enter (or a pointer press) until `count` of the CELLS (the expression `probe` is given: the end
# condition) show `last`: when each first did, and meanwhile the longest main-thread task, the time spent in
# such tasks (each over 50 ms) and the longest gap between two frames.
FRAME_PROBE = """([last, count, every]) => {
    const b = window.__probe = {sent: 0, done: {}, count, task: 0, busy: 0, gap: 0, finished: 0};
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) {
            if (b.sent && !b.finished) { b.task = Math.max(b.task, e.duration); b.busy += e.duration; }
        }
    }).observe({entryTypes: ['longtask']});
    const start = () => { if (!b.sent) b.sent = performance.now(); };
    document.addEventListener('keydown', e => { if (e.key === 'Enter') start(); }, true);
    document.addEventListener('pointerdown', start, true);
    let frame = 0;
    const tick = t => {
        if (b.sent && frame) b.gap = Math.max(b.gap, t - frame);
        frame = t;
        if (!b.finished) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const timer = setInterval(() => {
        if (!b.sent) return;
        (CELLS).forEach((c, i) => {
            if (!b.done[i] && c.textContent.includes(last)) b.done[i] = performance.now();
        });
        if (Object.keys(b.done).length >= count) { b.finished = performance.now(); clearInterval(timer); }
    }, every);
}"""


@dataclass
class Probed:
    """What the frame probe saw, from Enter (or the click) until the last token was on the page."""

    seconds: list[float]  # until each watched element showed the last token
    task_ms: float  # longest main-thread task
    busy_ms: float  # time spent in main-thread tasks over 50 ms
    gap_ms: float  # longest gap between two frames


def probe(page: Page, last: str, cells: str = LAST_MESSAGE, count: int = 1, every_ms: int = 20) -> None:
    """Start the frame probe on `page`, before the Enter or click it times: it ends when `count` of `cells`
    show `last`, checked every `every_ms`."""
    page.evaluate(FRAME_PROBE.replace("CELLS", cells), [last, count, every_ms])


def probed(page: Page, polling: int = 100) -> Probed:
    """Wait for the frame probe to end; what it saw."""
    page.wait_for_function("() => window.__probe.finished > 0", timeout=WAIT_MS, polling=polling)
    got = page.evaluate("() => window.__probe")
    # by position among the watched elements when each showed it (a column redrawn mid-run can shift them)
    done = sorted(got["done"].items(), key=lambda item: int(item[0]))
    seconds = [(at - got["sent"]) / 1000 for _, at in done]
    return Probed(seconds, got["task"], got["busy"], got["gap"])


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values: list[float]) -> float:
    return statistics.median(values)


def figure(label: str, values: list[float], unit: str = "s", goal: str = "") -> float:
    """Print one figure: its median and every run, and the goal if any; return the median."""
    mid = median(values)
    runs = ", ".join(f"{v:.3g}" for v in values)
    print(f"  {label:<52} {mid:8.3f} {unit:<3} (runs: {runs}){'  ' + goal if goal else ''}")
    return mid


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


ANSWER = """Here is what I found about **{topic}**.

## Summary

1. The first point, with `inline code` and a [link](https://example.org).
2. The second point, which runs a little longer to look like a real answer from a model.
3. A third point: *emphasis*, and a number or two (42, 3.14).

```python
def example(n: int) -> int:
    return sum(range(n))  # {topic}
```

| Option | Effect |
| --- | --- |
| low | faster |
| high | deeper |

In short, {topic} depends on the details; ask again with more of them and I can say more.
"""


def conversation(messages: int) -> list[Turn]:
    """A finished conversation of `messages` turns (user and assistant in turn) with Markdown, thinking
    and timings, as the chat page keeps it in session state."""
    settings = {"provider": "Ollama", "model": "gpt-oss:20b", "thinking": "Medium"}
    turns: list[Turn] = []
    for i in range(messages):
        topic = f"question {i // 2}"
        if i % 2 == 0:
            turns.append(Turn("user", f"Tell me about {topic}, with an example please."))
            continue
        stats = Stats(
            started=0.0,
            first_byte=0.2,
            first_token=0.3,
            thinking_started=0.3,
            thinking_ended=1.5,
            ended=4.0,
            completion_tokens=260,
            answer_chars=700,
        )
        thinking = f"The user asks about {topic}. " + "Let me consider the options and the trade-offs. " * 6
        turns.append(Turn("assistant", ANSWER.format(topic=topic), thinking, stats=stats, settings=settings))
    return turns
