"""What each layer of the token path costs: one 8,000-token stream read three ways, no browser.

A loopback Ollama (in a process of its own, so it does not compete with the reader for the interpreter
lock) streams the same /api/chat answer, at full speed and at about 1 ms a token, to:
- a raw httpx read of the ndjson lines (the floor);
- a plain `litellm.completion(stream=True)` loop (what Streamlit's tutorial pattern does);
- `llm.stream_chat` events handed to the page's thread by `runtime.batches`, as the chat page reads them;
- the same for a model that cannot think, whose replies the app reads from Ollama's OpenAI-compatible `/v1`
  (SSE instead of ndjson: the same text, another wire).
Each figure is the median of the runs; the three readers alternate within each run.

    python -m bench.tokens [--runs 3]
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from bench.common import arguments, figure
from llm import runtime
from llm.conversation import Turn, update_interval
from llm.stream import ChatRequest, Target, stream_chat
from tests.fake_ollama import FakeModel, FakeOllama

TOKENS = 8000
PACE = 0.001
MODEL = "writer:8k"
PLAIN = "plain:8k"  # cannot think: the app asks Ollama's /v1 for it
MESSAGES = [{"role": "user", "content": "Tell me a long story"}]


def _serve(port: multiprocessing.Queue, delay: float) -> None:
    # A model that can think, asked not to by all three readers: the same /api/chat stream for each.
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


def read_raw(url: str) -> str:
    parts = []
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "think": False}
    with httpx.stream("POST", f"{url}/api/chat", json=body, timeout=60) as response:
        for line in response.iter_lines():
            if line:
                parts.append(json.loads(line)["message"]["content"])
    return "".join(parts)


def read_litellm(url: str) -> str:
    stream = runtime.litellm().completion(
        model=f"ollama_chat/{MODEL}", api_base=url, messages=MESSAGES, stream=True, think=False
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream)


def read_events(url: str) -> str:
    return _events(ChatRequest(Target("ollama", MODEL, url), MESSAGES, style="ollama-toggle", level="off"))


def read_events_v1(url: str) -> str:
    return _events(ChatRequest(Target("ollama", PLAIN, url), MESSAGES, style="none"))


def _events(request: ChatRequest) -> str:
    turn = Turn("assistant", status="streaming")
    for batch in runtime.batches(stream_chat(request), lambda: update_interval(turn)):
        for event in batch:
            turn.apply(event)
    return turn.content


READERS: dict[str, Callable[[str], str]] = {
    "raw": read_raw,
    "litellm": read_litellm,
    "llm events": read_events,
    "llm events /v1": read_events_v1,
}
RATIOS = (("litellm", "raw"), ("llm events", "raw"), ("llm events", "litellm"), ("llm events /v1", "raw"))
LABELS = {
    "raw": "raw httpx read of the ndjson",
    "litellm": "plain litellm.completion loop",
    "llm events": "llm.stream_chat via runtime.batches (the page)",
    "llm events /v1": "the same, a model that cannot think (Ollama's /v1)",
}


def measure(url: str, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall seconds and CPU milliseconds per token of each reader, alternating readers within each run."""
    expected = " ".join(f"w{i}" for i in range(TOKENS))
    wall: dict[str, list[float]] = {name: [] for name in READERS}
    cpu: dict[str, list[float]] = {name: [] for name in READERS}
    for read in READERS.values():
        read(url)  # warm up: imports, connections, litellm's first call
    names = list(READERS)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            began, used = time.monotonic(), time.process_time()
            text = READERS[name](url)
            wall[name].append(time.monotonic() - began)
            cpu[name].append((time.process_time() - used) * 1000 / TOKENS)
            if text.strip() != expected:
                raise RuntimeError(f"{name} read {len(text)} characters, not the whole answer")
    return wall, cpu


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=3)
    for pace, label in ((0.0, "full speed"), (PACE, "about 1 ms a token")):
        with ollama_process(pace) as url:
            wall, cpu = measure(url, args.runs)
        print(f"\nThe same {TOKENS:,}-token stream at {label} (median of {args.runs} runs)")
        for name in READERS:
            figure(f"{LABELS[name]}, time", wall[name])
        for name in READERS:
            figure(f"{LABELS[name]}, CPU per token", cpu[name], "ms")
        for a, b in RATIOS:
            ratios = [x / y for x, y in zip(wall[a], wall[b], strict=True)]
            figure(f"{a} / {b}, time", ratios, "x")


if __name__ == "__main__":
    main()
