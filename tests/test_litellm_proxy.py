"""The LiteLLM Proxy provider against a real `litellm` proxy process in front of two Ollama stand-ins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from streamlit.testing.v1 import AppTest

from llm import catalog, errors, runtime
from llm.events import Event
from llm.models import thinking_style
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.fake_ollama import FakeOllama
from tests import litellm_proxy

ONCE = Limits(retries=0, stall=10, first_token=30, notice_every=0.5)
RETRYING = Limits(retries=2, backoff=0.05, backoff_cap=0.2, stall=10, first_token=30, notice_every=0.5)
HI = [{"role": "user", "content": "hi"}]


class Proxy(NamedTuple):
    url: str
    a: FakeOllama
    b: FakeOllama


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    workdir: Path = tmp_path_factory.mktemp("litellm-proxy")
    with FakeOllama() as a, FakeOllama() as b, litellm_proxy.running(config(a, b), workdir) as url:
        yield Proxy(url, a, b)


def config(a: FakeOllama, b: FakeOllama) -> dict[str, object]:
    return litellm_proxy.config(a.url, b.url)


@pytest.fixture
def proxy(started: Proxy) -> Proxy:
    started.a.reset()
    started.b.reset()
    return started


def chat(
    proxy: Proxy,
    model: str,
    level: str | None = None,
    key: str = litellm_proxy.MASTER_KEY,
    limits: Limits = ONCE,
) -> list[Event]:
    listed = {m.name: m for m in catalog.models_for("litellm_proxy", proxy.url, litellm_proxy.MASTER_KEY)}
    style = thinking_style(listed[model]) if model in listed else "none"
    request = ChatRequest(Target("litellm_proxy", model, proxy.url, key), HI, style, level)  # type: ignore[arg-type]
    return list(runtime.iterate(stream_chat(request, limits)))


def text(events: list[Event], kind: str) -> str:
    return "".join(e.text for e in events if e.kind == kind)


def failure(events: list[Event]) -> errors.LLMError | None:
    return next((e.error for e in events if e.kind == "error"), None)


def test_the_model_list_comes_from_the_proxy_with_what_is_behind_each(proxy: Proxy) -> None:
    listed = {m.name: m for m in catalog.models_for("litellm_proxy", proxy.url, litellm_proxy.MASTER_KEY)}
    assert sorted(listed) == ["gpt-oss:20b", "limited", "llama3.2:3b", "metered", "qwen3:8b"]
    assert listed["gpt-oss:20b"].backend == "ollama_chat/gpt-oss:20b"
    styles = {name: thinking_style(info) for name, info in listed.items()}
    assert styles["gpt-oss:20b"] == "ollama-effort"
    assert styles["qwen3:8b"] == "ollama-toggle"  # the proxy's config says it reasons
    assert styles["llama3.2:3b"] == "none"
    # The base may be written with /v1, as OpenAI clients take it.
    assert len(catalog.models_for("litellm_proxy", proxy.url + "/v1", litellm_proxy.MASTER_KEY)) == 5


@pytest.mark.parametrize("level", ["low", "high"])
def test_gpt_oss_levels_reach_ollama_through_the_proxy(proxy: Proxy, level: str) -> None:
    events = chat(proxy, "gpt-oss:20b", level)
    assert failure(events) is None
    assert text(events, "thinking") == "Let me think about this. The user said hi."
    assert text(events, "answer") == "You said: hi"
    assert [c["think"] for c in proxy.a.chats()] == [level] and not proxy.b.chats()
    done = events[-1].stats
    assert done is not None and done.finish_reason == "stop" and done.completion_tokens


@pytest.mark.parametrize(("level", "think"), [("on", True), ("off", False)])
def test_qwen3_on_and_off_reach_ollama(proxy: Proxy, level: str, think: bool) -> None:
    events = chat(proxy, "qwen3:8b", level)
    assert text(events, "answer") == "You said: hi"
    assert bool(text(events, "thinking")) is think
    assert [c["think"] for c in proxy.a.chats() + proxy.b.chats()] == [think]


def test_a_model_that_cannot_think_gets_no_think_field(proxy: Proxy) -> None:
    events = chat(proxy, "llama3.2:3b", "high")
    assert text(events, "answer") == "You said: hi"
    assert "think" not in proxy.b.chats()[0]


def test_the_proxy_balances_a_model_on_two_servers(proxy: Proxy) -> None:
    for _ in range(12):
        assert text(chat(proxy, "qwen3:8b", "off"), "answer") == "You said: hi"
    assert proxy.a.chats() and proxy.b.chats()


def test_a_key_the_proxy_does_not_take_is_said_plainly(proxy: Proxy) -> None:
    err = failure(chat(proxy, "qwen3:8b", "off", key="sk-someone-else", limits=RETRYING))
    assert isinstance(err, errors.AuthFailed)
    assert "did not accept the key" in err.message and "LITELLM_PROXY_API_KEY" in err.message
    with pytest.raises(errors.AuthFailed, match="LITELLM_PROXY_API_KEY"):
        catalog.models_for("litellm_proxy", proxy.url, "sk-someone-else")
    assert not proxy.a.chats() and not proxy.b.chats()


def test_a_rate_limit_is_said_plainly(proxy: Proxy) -> None:
    events = [chat(proxy, "limited", "off") for _ in range(3)]
    assert text(events[0], "answer") == "You said: hi"
    err = failure(events[-1])
    assert isinstance(err, errors.RateLimited), err
    assert "is limiting how many requests `limited` gets" in err.message and "Wait a minute" in err.message


def test_a_spent_budget_is_said_plainly_and_not_retried(proxy: Proxy) -> None:
    first = chat(proxy, "metered", "off")
    assert text(first, "answer") == "You said: hi"
    events = chat(proxy, "metered", "off", limits=RETRYING)
    err = failure(events)
    assert isinstance(err, errors.BudgetSpent), err
    assert "has spent the budget set for `metered`" in err.message
    assert not [e for e in events if e.kind == "retry"]
    assert len(proxy.b.chats()) == 1  # only the first reply reached Ollama


def test_an_unreachable_proxy_names_its_setting() -> None:
    with pytest.raises(errors.ServerUnreachable, match="LITELLM_PROXY_API_BASE"):
        catalog.models_for("litellm_proxy", f"http://127.0.0.1:{litellm_proxy.free_port()}", None)


def test_the_chat_page_talks_through_the_proxy_at_the_chosen_level(
    proxy: Proxy, make_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_PROVIDER", "litellm_proxy")
    monkeypatch.setenv("LITELLM_PROXY_API_BASE", proxy.url)
    monkeypatch.setenv("LITELLM_PROXY_API_KEY", litellm_proxy.MASTER_KEY)
    monkeypatch.setenv("MODEL", "gpt-oss:20b")
    at = make_app()
    assert at.sidebar.text_input(key="proxy_base").value == proxy.url
    picker = at.sidebar.selectbox(key="model_litellm_proxy")
    assert picker.value == "gpt-oss:20b" and "qwen3:8b" in picker.options
    level = at.sidebar.radio(key="thinking_ollama-effort")
    assert level.options == ["Low", "Medium", "High"]
    level.set_value("high").run()
    at.chat_input(key="prompt").set_value("hello").run()
    assert not at.exception and not at.error, at.error
    assert "You said: hello" in " ".join(md.value for m in at.chat_message for md in m.markdown)
    assert [c["think"] for c in proxy.a.chats()] == ["high"]
