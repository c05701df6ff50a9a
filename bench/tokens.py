"""What each layer of the token path costs: one 8,000-token stream read four ways, no browser.

A loopback Ollama (in a process of its own, so it does not compete with the reader for the interpreter
lock) streams the same /api/chat answer, at full speed and at about 1 ms a token, to:
- a raw httpx read of the ndjson lines (the floor);
- a plain `litellm.completion(stream=True)` loop (what Streamlit's tutorial pattern does);
- `llm.stream_chat` events handed to the page's thread by `runtime.batches`, as the chat page reads them
  (every Ollama chat is read natively from /api/chat: llm/ollama_chat.py);
- the same for a model that cannot think, through Ollama's OpenAI-compatible `/v1` and litellm's
  `hosted_vllm/` route, as the app read such models before (and reads any OpenAI-compatible server).
Each reader is timed to the last of the text (what a page can show) and to the end of the stream: litellm
assembles the whole reply for its own logging before it ends a stream. Each figure is the median of the
runs; the readers alternate within each run.

    python -m bench.tokens [--runs 3]
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import httpx

from bench.common import arguments, figure
from llm import runtime
from llm.conversation import Turn, ends_text, update_interval
from llm.request import ChatRequest, Target
from llm.stream import stream_chat
from testkit.fake_ollama import FakeModel, FakeOllama

TOKENS = 8000
PACE = 0.001
MODEL = "writer:8k"
PLAIN = "plain:8k"  # cannot think: read from /v1 by the last reader, as the app did before
MESSAGES = [{"role": "user", "content": "Tell me a long story"}]


def _serve(port: multiprocessing.Queue, delay: float) -> None:
    # A model that can think, asked not to by the first three readers: the same /api/chat stream for each.
    writer = FakeModel(MODEL, ["completion", "thinking"], "qwen3", "1.0B", answer_tokens=TOKENS)
    plain = FakeModel(PLAIN, ["completion"], "llama", "1.0B", answer_tokens=TOKENS)
    with FakeOllama([writer, plain], token_delay=delay) as fake:
        port.put(fake.port)
        while True:
            time.sleep(3600)


@contextmanager
def ollama_process(delay: float) -> Iterator[str]:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(queue, delay), daemon=True)
    proc.start()
    try:
        yield f"http://127.0.0.1:{queue.get(timeout=60)}"
    finally:
        proc.terminate()
        proc.join(timeout=10)


class Read(NamedTuple):
    text: str
    last_text: float  # time.monotonic() when the reader had the last of the text


def read_raw(url: str) -> Read:
    parts, last = [], 0.0
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "think": False}
    with httpx.stream("POST", f"{url}/api/chat", json=body, timeout=60) as response:
        for line in response.iter_lines():
            if text := json.loads(line)["message"]["content"] if line else "":
                parts.append(text)
                last = time.monotonic()
    return Read("".join(parts), last)


def read_litellm(url: str) -> Read:
    stream = runtime.litellm().completion(
        model=f"ollama_chat/{MODEL}", api_base=url, messages=MESSAGES, stream=True, think=False
    )
    parts, last = [], 0.0
    for chunk in stream:
        if text := chunk.choices[0].delta.content if chunk.choices else "":
            parts.append(text)
            last = time.monotonic()
    return Read("".join(parts), last)


def read_events(url: str) -> Read:
    return _events(ChatRequest(Target("ollama", MODEL, url), MESSAGES, style="ollama-toggle", level="off"))


def read_events_v1(url: str) -> Read:
    return _events(ChatRequest(Target("openai_compatible", PLAIN, f"{url}/v1"), MESSAGES, style="none"))


def _events(request: ChatRequest) -> Read:
    turn, last = Turn("assistant", status="streaming"), 0.0
    for batch in runtime.batches(stream_chat(request), lambda: update_interval(turn), ends_text):
        for event in batch:
            turn.apply(event)
        if any(e.kind == "answer" for e in batch):
            last = time.monotonic()
    return Read(turn.content, last)


READERS: dict[str, Callable[[str], Read]] = {
    "raw": read_raw,
    "litellm": read_litellm,
    "llm events": read_events,
    "llm events /v1": read_events_v1,
}
RATIOS = (
    ("litellm", "raw"),
    ("llm events", "raw"),
    ("llm events", "litellm"),
    ("llm events /v1", "raw"),
    ("llm events /v1", "llm events"),
)
LABELS = {
    "raw": "raw httpx read of the ndjson",
    "litellm": "plain litellm.completion loop",
    "llm events": "llm.stream_chat via runtime.batches (the page)",
    "llm events /v1": "the same, a model that cannot think, via Ollama's /v1 and litellm",
}


class Measured(NamedTuple):
    text: dict[str, list[float]]  # seconds to the last of the text
    closed: dict[str, list[float]]  # seconds to the end of the stream (litellm assembles the reply first)
    cpu: dict[str, list[float]]  # CPU milliseconds per token, to the end of the stream


def measure(url: str, runs: int) -> Measured:
    """Each reader's times and CPU per token, alternating readers within each run."""
    expected = " ".join(f"w{i}" for i in range(TOKENS))
    empty: list[dict[str, list[float]]] = [{name: [] for name in READERS} for _ in range(3)]
    got = Measured(*empty)
    for read in READERS.values():
        read(url)  # warm up: imports, connections, litellm's first call
    names = list(READERS)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            began, used = time.monotonic(), time.process_time()
            text, last = READERS[name](url)
            got.closed[name].append(time.monotonic() - began)
            got.text[name].append(last - began)
            got.cpu[name].append((time.process_time() - used) * 1000 / TOKENS)
            if text.strip() != expected:
                raise RuntimeError(f"{name} read {len(text)} characters, not the whole answer")
    return got


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3)
    for pace, label in ((0.0, "full speed"), (PACE, "about 1 ms a token")):
        with ollama_process(pace) as url:
            got = measure(url, args.runs)
        print(f"\nThe same {TOKENS:,}-token stream at {label} (median of {args.runs} runs)")
        for name in READERS:
            figure(f"{LABELS[name]}, time to the last text", got.text[name])
        for name in READERS:
            figure(f"{LABELS[name]}, time to the stream's end", got.closed[name])
        for name in READERS:
            figure(f"{LABELS[name]}, CPU per token", got.cpu[name], "ms")
        for a, b in RATIOS:
            ratios = [x / y for x, y in zip(got.text[a], got.text[b], strict=True)]
            figure(f"{a} / {b}, time to the last text", ratios, "x")


if __name__ == "__main__":
    main()
