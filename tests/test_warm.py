"""A warm model and thinking you can count, in the library, against the loopback Ollama-protocol server:
keep_alive on the wire, Load model, the load time apart from the first token, and thinking tokens."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from llm import keep_alive, ollama, runtime
from llm.config import load_settings
from llm.errors import ConfigError
from llm.events import Stats
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from llm.warm import Warmup
from testkit.fake_ollama import FakeOllama

FAST = Limits(retries=0, stall=30, first_token=120, notice_every=0.2)  # litellm may load in the wait
HI = [{"role": "user", "content": "hi there"}]
COLD = 1.0  # seconds the stand-in takes to load a model not in memory (above llm.events.COLD_LOAD)


def reply(server: FakeOllama, model: str = "gpt-oss:20b", **kw: object) -> Stats:
    """One reply's final figures (`provider` and `base` change where it goes)."""
    provider = str(kw.pop("provider", "ollama"))
    base = str(kw.pop("base", server.url))
    request = ChatRequest(Target(provider, model, base), HI, **kw)  # type: ignore[arg-type]
    events = list(runtime.iterate(stream_chat(request, FAST)))
    assert not [e.text for e in events if e.kind == "error"]
    stats = events[-1].stats
    assert stats is not None
    return stats


def loaded(server: FakeOllama) -> dict[str, ollama.Loaded]:
    return {m.name: m for m in ollama.loaded(server.url)}


@pytest.mark.parametrize(
    ("raw", "kept", "sent"),
    [
        ("", "5m", "5m"),
        ("30m", "30m", "30m"),
        ("1h", "1h", "1h"),
        ("1h30m", "1h30m", "1h30m"),
        ("-1", "-1", -1),
        ("-5m", "-1", -1),
        ("forever", "-1", -1),
        ("600", "600", 600),
        (" 2H ", "2h", "2h"),
    ],
)
def test_keep_alive_values_as_ollama_reads_them(raw: str, kept: str, sent: str | int) -> None:
    assert keep_alive.parse(raw) == kept
    assert keep_alive.wire(kept) == sent


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("soon", "is not a duration"),
        ("5 minutes", "is not a duration"),
        ("0s", "unload the model after every"),
    ],
)
def test_a_bad_keep_alive_says_what_to_write(raw: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        load_settings({"OLLAMA_KEEP_ALIVE": raw})
    assert "5m, 30m, 1h, or -1" in str(caught.value)
    assert load_settings({"OLLAMA_KEEP_ALIVE": "1h"}).keep_alive == "1h"
    assert load_settings({}).keep_alive == "5m"


def test_keep_alive_goes_with_every_ollama_chat_and_nowhere_else(ollama: FakeOllama) -> None:
    reply(ollama, keep_alive="30m")
    reply(ollama, "qwen3:8b", style="ollama-toggle", level="on", keep_alive="-1")
    assert [chat["keep_alive"] for chat in ollama.chats()] == ["30m", -1]
    assert loaded(ollama)["qwen3:8b"].unloads_in(datetime.now(UTC)) == "never (kept loaded)"
    reply(ollama, provider="openai_compatible", base=f"{ollama.url}/v1", keep_alive="30m")
    assert "keep_alive" not in ollama.chats()[-1]


def test_load_model_sends_an_empty_chat_with_keep_alive_and_times_it(ollama: FakeOllama) -> None:
    ollama.load_seconds = COLD
    job = Warmup(ollama.url, "qwen3:8b", "1h")
    time.sleep(1.1)  # a page drawn a while before its button is clicked: the count starts at the click
    job.start(timeout=30)
    assert job.status() == "Loading… 0 s"
    assert job.wait(30) and not job.error
    assert job.seconds is not None and job.seconds >= COLD
    assert job.status() == f"Loaded in {job.seconds:.1f} s · kept 1 h"
    assert ollama.chats() == [{"model": "qwen3:8b", "messages": [], "keep_alive": "1h"}]
    assert "qwen3:8b" in loaded(ollama)
    # the next chat finds it in memory: no load in its figures
    stats = reply(ollama, "qwen3:8b", style="ollama-toggle", level="on", keep_alive="1h")
    assert stats.cold_load is None and "load" not in stats.caption()


@pytest.mark.parametrize(
    ("model", "base", "says"),
    [
        (
            "missing:1b",
            None,
            "Could not load `missing:1b`: The model `missing:1b` is not on this Ollama server",
        ),
        ("qwen3:8b", "http://127.0.0.1:9", "Could not load `qwen3:8b`: "),
    ],
)
def test_a_load_that_fails_says_why(ollama: FakeOllama, model: str, base: str | None, says: str) -> None:
    job = Warmup(base or ollama.url, model, "5m").start(timeout=5)
    assert job.wait(30)
    assert job.seconds is None and job.status().startswith(says)
    assert "Traceback" not in job.status() and "{" not in job.status()


def test_load_model_with_several_servers_loads_it_where_it_is(ollama: FakeOllama) -> None:
    with FakeOllama(models=[m for m in ollama.models if m.name != "qwen3:8b"]) as other:
        job = Warmup(f"{ollama.url},{other.url}", "qwen3:8b", "30m").start(timeout=10)
        assert job.wait(30) and not job.error
        assert "qwen3:8b" in loaded(ollama) and other.chats() == []
        job = Warmup(f"{ollama.url},{other.url}", "gpt-oss:20b", "30m").start(timeout=10)
        assert job.wait(30) and not job.error
        assert "gpt-oss:20b" in loaded(ollama) and "gpt-oss:20b" in loaded(other)


def test_a_cold_load_is_named_and_kept_out_of_the_first_token(ollama: FakeOllama) -> None:
    ollama.load_seconds = COLD
    cold = reply(ollama)
    assert cold.load_seconds is not None and cold.load_seconds >= COLD
    assert cold.cold_load == cold.load_seconds
    ttft, after = cold.ttft, cold.first_token_after_load
    assert ttft is not None and after is not None and ttft >= cold.load_seconds
    assert after == pytest.approx(ttft - cold.load_seconds)
    caption = cold.caption()
    assert caption.startswith(f"cold load {cold.load_seconds:.1f} s · first token {after:.2f} s after load")
    # thinking and speed are timed from the first token, which came after the load: neither holds it
    assert cold.thinking_started is not None and cold.first_token is not None
    assert cold.thinking_started >= cold.first_token >= cold.started + cold.load_seconds

    warm = reply(ollama)  # the model stayed loaded (keep_alive)
    assert warm.load_seconds is not None and warm.cold_load is None
    assert "load" not in warm.caption() and warm.caption().startswith("first token ")


def test_load_time_and_thinking_tokens_survive_an_export(ollama: FakeOllama) -> None:
    ollama.load_seconds = COLD
    stats = reply(ollama)
    figures = stats.as_dict()
    assert figures["load_s"] == round(stats.load_seconds or 0, 3) and figures["load_s"] >= COLD
    assert figures["thinking_tokens_exact"] is False
    rebuilt = Stats.from_dict(json.loads(json.dumps(figures)))
    assert rebuilt.as_dict() == figures
    assert rebuilt.caption().startswith("cold load ")
    # an export from before load times and thinking tokens reads as before
    old = {k: v for k, v in figures.items() if not k.startswith(("load", "reasoning", "first_token_after"))}
    assert Stats.from_dict(old).load_seconds is None and "load" not in Stats.from_dict(old).caption()


def test_ollama_thinking_tokens_are_the_thinking_share_of_eval_count(ollama: FakeOllama) -> None:
    stats = reply(ollama, style="ollama-effort", level="high")
    share = stats.completion_tokens * stats.thinking_chars / (stats.thinking_chars + stats.answer_chars)
    assert stats.thinking_tokens == (round(share), False)
    assert f"(≈{round(share)} tokens)" in stats.caption()
    # a reply with no count (stopped before the end) is estimated from the thinking's characters
    stopped = Stats(thinking_chars=350, answer_chars=40)
    assert stopped.thinking_tokens == (100, False)
    assert Stats(answer_chars=40, completion_tokens=9).thinking_tokens is None


def test_reasoning_tokens_an_openai_compatible_server_reports_are_exact(ollama: FakeOllama) -> None:
    ollama.reasoning_usage = True  # a server that sends completion_tokens_details.reasoning_tokens
    thinking_words = len(ollama.models[0].thinking.replace("{prompt}", "hi there").split())
    stats = reply(ollama, provider="openai_compatible", base=f"{ollama.url}/v1")
    assert stats.reasoning_tokens == thinking_words and stats.thinking_tokens == (thinking_words, True)
    assert f"({thinking_words} tokens)" in stats.caption() and "≈" not in stats.caption()


def test_without_a_reported_count_the_openai_compatible_figure_is_an_estimate(ollama: FakeOllama) -> None:
    # Ollama's own /v1 sends no reasoning_tokens (openai/openai.go ToUsage): litellm counts the thinking
    # text itself, and the page marks that count as an estimate
    stats = reply(ollama, provider="openai_compatible", base=f"{ollama.url}/v1")
    assert stats.thinking_tokens is not None and stats.thinking_tokens[1] is False
    assert "(≈" in stats.caption()


def test_hidden_reasoning_is_still_counted() -> None:
    """OpenAI's o-series think without showing it: the count alone is the figure."""
    stats = Stats(started=0.0, first_token=1.0, ended=2.0, completion_tokens=500, reasoning_tokens=320)
    stats.reasoning_exact = True
    assert stats.thinking_tokens == (320, True) and "320 tokens of thinking" in stats.caption()


def test_the_stand_in_loads_as_ollama_does(fake: FakeOllama, client: httpx.Client) -> None:
    """server/routes.go ChatHandler: an empty chat loads the model and answers `done_reason: "load"` with no
    durations; a chat's last line reports the load it waited for in `load_duration` (nanoseconds)."""
    fake.load_seconds = COLD
    answer = client.post("/api/chat", json={"model": "qwen3:8b", "messages": [], "keep_alive": "30m"}).json()
    assert answer["done"] is True and answer["done_reason"] == "load" and "load_duration" not in answer
    warm = last_line(client, "qwen3:8b")
    cold = last_line(client, "gpt-oss:20b")
    assert warm["load_duration"] < COLD * 1e9 <= cold["load_duration"] <= cold["total_duration"]


def test_the_stand_in_reports_reasoning_tokens_only_when_asked(
    fake: FakeOllama, client: httpx.Client
) -> None:
    body = {"model": "gpt-oss:20b", "messages": HI, "stream": True, "stream_options": {"include_usage": True}}

    def usage() -> dict:
        with client.stream("POST", "/v1/chat/completions", json=body) as response:
            events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
        return events[-1]["usage"]

    assert "completion_tokens_details" not in usage()  # Ollama's own /v1 (openai/openai.go ToUsage)
    fake.reasoning_usage = True
    details = usage()["completion_tokens_details"]
    thinking = fake.models[0].thinking.replace("{prompt}", "hi there").split()
    assert details["reasoning_tokens"] == len(thinking)


def last_line(client: httpx.Client, model: str) -> dict:
    with client.stream("POST", "/api/chat", json={"model": model, "messages": HI}) as response:
        return json.loads(list(response.iter_lines())[-1])
