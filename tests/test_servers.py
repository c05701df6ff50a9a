"""Several Ollama servers behind litellm's Router: the merged list, the balance, cooldowns and retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm import catalog, errors, runtime, servers
from llm.config import load_settings
from llm.events import Event
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.fake_ollama import FakeModel, FakeOllama

FAST = Limits(retries=2, backoff=0.05, backoff_cap=0.2, stall=2, first_token=10, notice_every=0.2)
HI = [{"role": "user", "content": "hi"}]
GPT_OSS = FakeModel("gpt-oss:20b", ["completion", "tools", "thinking"], "gptoss", "20.9B", "MXFP4")
QWEN = FakeModel("qwen3:8b", ["completion", "tools", "thinking"], "qwen3", "8.2B", size=5_225_000_000)
LLAMA = FakeModel("llama3.2:3b", ["completion", "tools"], "llama", "3.2B", size=2_019_000_000)


@pytest.fixture
def pair() -> Iterator[tuple[FakeOllama, FakeOllama]]:
    """Server A has gpt-oss and qwen3; server B has qwen3 and llama3.2."""
    with FakeOllama([GPT_OSS, QWEN]) as a, FakeOllama([QWEN, LLAMA]) as b:
        yield a, b


def both(pair: tuple[FakeOllama, FakeOllama]) -> str:
    return f"{pair[0].url},{pair[1].url}"


def collect(base: str, model: str, style: str = "none", level: str | None = None) -> list[Event]:
    request = ChatRequest(Target("ollama", model, base), HI, style, level)  # type: ignore[arg-type]
    return list(runtime.iterate(stream_chat(request, FAST)))


def text(events: list[Event], kind: str) -> str:
    return "".join(e.text for e in events if e.kind == kind)


def test_settings_take_a_comma_separated_list_and_refuse_a_bad_server() -> None:
    settings = load_settings({"OLLAMA_API_BASE": " http://a:11434/ , http://b:11434,http://a:11434"})
    assert settings.ollama_base == "http://a:11434,http://b:11434"
    with pytest.raises(errors.ConfigError, match="'file:///etc/passwd' cannot be used"):
        load_settings({"OLLAMA_API_BASE": "http://a:11434,file:///etc/passwd"})


def test_one_server_has_no_router() -> None:
    assert servers.pool_for("http://a:11434") is None
    assert servers.pool_for("http://a:11434,http://a:11434/") is None


def test_the_model_list_merges_the_servers_and_counts_them(pair: tuple[FakeOllama, FakeOllama]) -> None:
    listed = {m.name: m for m in catalog.models_for("ollama", both(pair))}
    assert sorted(listed) == ["gpt-oss:20b", "llama3.2:3b", "qwen3:8b"]
    assert (listed["qwen3:8b"].servers, listed["gpt-oss:20b"].servers) == (2, 1)
    assert listed["qwen3:8b"].label == "qwen3:8b · 8.2B · 5.2 GB · on 2 of 2 servers"
    assert catalog.show(both(pair), "llama3.2:3b").capabilities == {"completion", "tools"}


def test_a_server_that_is_down_leaves_the_others_listed(pair: tuple[FakeOllama, FakeOllama]) -> None:
    a, b = pair
    a.stop()
    listed = {m.name: m for m in catalog.models_for("ollama", both(pair))}
    assert sorted(listed) == ["llama3.2:3b", "qwen3:8b"]
    assert listed["qwen3:8b"].label.endswith("on 1 of 2 servers")
    b.stop()
    with pytest.raises(errors.ServerUnreachable, match="ollama serve"):
        catalog.models_for("ollama", both(pair))


def test_replies_are_shared_between_the_servers_with_thinking_intact(
    pair: tuple[FakeOllama, FakeOllama],
) -> None:
    a, b = pair
    for _ in range(30):
        events = collect(both(pair), "qwen3:8b", "ollama-toggle", "on")
        assert text(events, "thinking") == "Let me think about this. The user said hi."
        assert text(events, "answer") == "You said: hi"
        done = events[-1].stats
        assert done is not None and done.finish_reason == "stop" and done.completion_tokens
        assert done.server in (a.url, b.url) and done.retries == 0
    shares = len(a.chats()), len(b.chats())
    assert sum(shares) == 30 and min(shares) >= 5, shares  # a shuffle: below 5 of 30 is a 1-in-3,000 chance
    assert all(body["think"] is True for body in a.chats() + b.chats())


def test_a_model_goes_only_to_the_servers_that_have_it(pair: tuple[FakeOllama, FakeOllama]) -> None:
    a, b = pair
    for _ in range(5):
        assert text(collect(both(pair), "gpt-oss:20b", "ollama-effort", "high"), "answer") == "You said: hi"
    assert [c["think"] for c in a.chats()] == ["high"] * 5 and not b.chats()


def test_a_model_on_no_server_says_to_pull_it(pair: tuple[FakeOllama, FakeOllama]) -> None:
    events = collect(both(pair), "mistral:7b")
    assert isinstance(events[-2].error, errors.ModelNotFound)
    assert "ollama pull mistral:7b" in events[-2].text


def test_a_stopped_server_is_cooled_down_and_the_reply_goes_to_the_other(
    pair: tuple[FakeOllama, FakeOllama],
) -> None:
    a, b = pair
    collect(both(pair), "qwen3:8b")  # the Router knows both servers
    a.stop()
    tried = []
    for _ in range(8):
        events = collect(both(pair), "qwen3:8b")
        assert text(events, "answer") == "You said: hi" and not [e for e in events if e.kind == "error"]
        tried.append([e.text for e in events if e.kind == "retry"])
    assert len(b.chats()) >= 8
    retried = [t for t in tried if t]
    # The first reply that drew the stopped server moved on at once; after that it was cooling down.
    assert len(retried) <= 1
    assert all(t == ["Server not reachable: trying another server (1/2)"] for t in retried)


@pytest.mark.parametrize("fault", ["500", "503"])
def test_a_server_error_before_the_first_token_is_retried_on_the_other(
    pair: tuple[FakeOllama, FakeOllama], fault: str
) -> None:
    a, b = pair
    for server in pair:
        server.fail(fault, times=1)
    events = collect(both(pair), "qwen3:8b")
    assert text(events, "answer") == "You said: hi"
    retries = [e.text.split(": ", 1)[1] for e in events if e.kind == "retry"]
    # The first failure moves to the other server at once; when both are cooling down, the usual backoff.
    assert retries[0] == "trying another server (1/2)" and retries[1].startswith("retrying in")
    assert (len(a.chats()), len(b.chats())) in ((1, 2), (2, 1))


def test_a_reply_that_started_is_never_retried(pair: tuple[FakeOllama, FakeOllama]) -> None:
    a, b = pair
    for server in pair:
        server.fail("drop", times=1, after=3)
    events = collect(both(pair), "qwen3:8b", "ollama-toggle", "on")
    assert isinstance(events[-2].error, errors.StreamBroken)
    assert text(events, "thinking")  # what arrived is kept
    assert len(a.chats()) + len(b.chats()) == 1
    assert not [e for e in events if e.kind == "retry"]
