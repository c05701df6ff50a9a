"""The chat page under AppTest, against the loopback Ollama-protocol server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from llm.conversation import Turn, to_json, to_markdown
from testkit.fake_ollama import FakeOllama
from ui.turns import RECENT

MakeApp = Callable[..., AppTest]


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="prompt").set_value(text).run()
    assert not at.exception, at.exception
    return at


def messages(at: AppTest) -> list[tuple[str, str]]:
    return [(m.name, " ".join(md.value for md in m.markdown)) for m in at.chat_message]


def errors_shown(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_sidebar_has_every_labelled_control(make_app: MakeApp) -> None:
    at = make_app()
    labels = {
        w.label
        for kind in ("selectbox", "radio", "toggle", "text_area", "slider", "number_input", "button")
        for w in getattr(at.sidebar, kind)
    }
    assert {
        "Provider",
        "Model",
        "Thinking",
        "Show thinking",
        "System prompt",
        "Temperature",
        "Max tokens",
        "New chat",
    } <= labels
    assert at.sidebar.selectbox(key="provider").value == "ollama"
    assert at.sidebar.selectbox(key="model_ollama").value == "gpt-oss:20b"
    assert "qwen3:8b" in at.sidebar.selectbox(key="model_ollama").options[-1] or any(
        "qwen3:8b" in o for o in at.sidebar.selectbox(key="model_ollama").options
    )


def test_gpt_oss_at_high_streams_thinking_then_answer_with_timings(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    thinking = at.sidebar.radio(key="thinking_ollama-effort")
    assert list(thinking.options) == ["Low", "Medium", "High"]
    thinking.set_value("high").run()
    send(at, "Why is the sky blue?")
    assert ollama.chats()[-1]["think"] == "high"
    assert messages(at)[0] == ("user", "Why is the sky blue?")
    assert messages(at)[1][0] == "assistant"
    assert "You said: Why is the sky blue?" in messages(at)[1][1]
    assert [e.label for e in at.expander if e.label.startswith("Thought for")]
    caption = " ".join(c.value for c in at.chat_message[1].caption)
    assert "first token" in caption and "thinking" in caption and "tok/s" in caption


def test_qwen_off_sends_think_false(make_app: MakeApp, ollama: FakeOllama) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("qwen3:8b").run()
    toggle = at.sidebar.radio(key="thinking_ollama-toggle")
    assert list(toggle.options) == ["Off", "On"]
    toggle.set_value("off").run()
    send(at, "hello")
    assert ollama.chats()[-1]["think"] is False
    assert not [e for e in at.expander if e.label.startswith("Thought")]


def test_model_that_cannot_think_disables_the_control_and_sends_no_think(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="model_ollama").set_value("llama3.2:3b").run()
    control = at.sidebar.radio(key="thinking_none")
    assert control.disabled
    assert any("cannot think" in c.value for c in at.sidebar.caption)
    send(at, "hello")
    assert "think" not in ollama.chats()[-1]
    assert "You said: hello" in messages(at)[1][1]


def test_hidden_thinking_still_counts_its_time(make_app: MakeApp) -> None:
    at = make_app()
    at.sidebar.toggle(key="show_thinking").set_value(False).run()
    send(at, "hello")
    assert not [e for e in at.expander if e.label.startswith("Thought")]
    assert "thinking" in " ".join(c.value for c in at.chat_message[1].caption)


def test_conversation_history_and_settings_reach_the_model(make_app: MakeApp, ollama: FakeOllama) -> None:
    at = make_app()
    at.sidebar.text_area(key="system_prompt").set_value("Answer in French.").run()
    at.sidebar.slider(key="temperature").set_value(0.3).run()
    at.sidebar.number_input(key="max_tokens").set_value(512).run()
    send(at, "first")
    send(at, "second")
    body = ollama.chats()[-1]
    roles = [(m["role"], m["content"]) for m in body["messages"]]
    assert roles == [
        ("system", "Answer in French."),
        ("user", "first"),
        ("assistant", "You said: first"),
        ("user", "second"),
    ]
    assert body["options"]["temperature"] == 0.3 and body["options"]["num_predict"] == 512
    assert [m[0] for m in messages(at)] == ["user", "assistant", "user", "assistant"]


def test_model_from_env_that_is_missing_says_ollama_pull(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL", "ollama/mistral:7b")
    at = make_app()
    assert at.sidebar.selectbox(key="model_ollama").value == "mistral:7b"
    send(at, "hello")
    assert "ollama pull mistral:7b" in errors_shown(at)
    assert messages(at)[0] == ("user", "hello")


def test_unreachable_ollama_says_ollama_serve_and_keeps_the_message(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("LLM_RETRIES", "1")
    at = make_app()
    assert any("ollama serve" in w.value for w in at.sidebar.warning)
    send(at, "are you there?")
    assert "http://127.0.0.1:9" in errors_shown(at) and "ollama serve" in errors_shown(at)
    assert messages(at)[0] == ("user", "are you there?")


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("500", "failed (llama runner process has terminated"),
        ("429", "rate limiting"),
    ],
)
def test_server_errors_after_retries_are_explained(
    make_app: MakeApp, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, fault: str, says: str
) -> None:
    monkeypatch.setenv("LLM_RETRIES", "1")
    ollama.fail(fault, times=2)
    at = send(make_app(), "hello")
    assert says in errors_shown(at)
    assert len(ollama.chats()) == 2 and messages(at)[0] == ("user", "hello")


def test_busy_server_is_retried_and_the_reply_arrives(make_app: MakeApp, ollama: FakeOllama) -> None:
    ollama.fail("503")
    at = send(make_app(), "hello")
    assert "You said: hello" in messages(at)[1][1] and not at.error
    assert "1 retry" in " ".join(c.value for c in at.chat_message[1].caption)


@pytest.mark.parametrize("fault", ["drop", "error_line", "stall"])
def test_broken_reply_keeps_the_partial_answer(
    make_app: MakeApp, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv("LLM_STALL_TIMEOUT", "1")
    ollama.token_delay = 0.01
    ollama.fail(fault, after=11, seconds=20)  # 9 thinking lines, then "You said: "
    at = send(make_app(), "hello")
    assert messages(at)[0] == ("user", "hello")
    assert messages(at)[1][1].endswith("You said:")  # the partial answer, cut before "hello"
    assert "cut off" in errors_shown(at) or "stopped sending" in errors_shown(at)
    assert len(ollama.chats()) == 1


def test_missing_cloud_key_names_the_variable(make_app: MakeApp) -> None:
    at = make_app()
    at.sidebar.selectbox(key="provider").set_value("openai").run()
    assert any("OPENAI_API_KEY" in c.value for c in at.sidebar.caption)
    send(at, "hello")
    assert "Set OPENAI_API_KEY" in errors_shown(at) and messages(at)[0] == ("user", "hello")


def test_regenerate_replaces_the_last_reply(make_app: MakeApp, ollama: FakeOllama) -> None:
    at = send(make_app(), "hello")
    at.sidebar.radio(key="thinking_ollama-effort").set_value("low").run()
    at.button(key="regenerate").click().run()
    assert not at.exception
    assert [m[0] for m in messages(at)] == ["user", "assistant"]
    assert len(ollama.chats()) == 2 and ollama.chats()[-1]["think"] == "low"


def test_new_chat_clears(make_app: MakeApp) -> None:
    at = send(make_app(), "hello")
    at.sidebar.button(key="new_chat").click().run()
    assert messages(at) == []


def test_exports_hold_the_conversation_but_never_the_key(
    make_app: MakeApp, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    at = make_app()
    at.sidebar.selectbox(key="provider").set_value("openai").run()
    at.sidebar.text_input(key="key_openai").set_value(secret + "typed").run()
    at.sidebar.selectbox(key="provider").set_value("ollama").run()
    at.sidebar.selectbox(key="provider").set_value("openai").run()
    assert at.session_state["api_keys"]["openai"] == secret + "typed"  # kept across the switch
    assert at.sidebar.text_input(key="key_openai").value == ""  # but not in the field (the page's HTML)
    at.sidebar.selectbox(key="provider").set_value("ollama").run()
    at.sidebar.radio(key="thinking_ollama-effort").set_value("high").run()
    send(at, "Explain tides")
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download Markdown", "Download JSON"} <= labels
    turns, settings = at.session_state["turns"], at.session_state["choice"].settings
    markdown, payload = to_markdown(turns, settings), json.loads(to_json(turns, settings))
    assert "Explain tides" in markdown and "**Thinking**" in markdown and "gpt-oss:20b" in markdown
    assert payload["messages"][1]["thinking"].startswith("Let me think")
    assert payload["settings"]["thinking"] == "High"
    assert secret not in markdown + json.dumps(payload) + repr(at.session_state["choice"])


def test_a_long_conversation_shows_its_last_messages_and_the_rest_on_request(make_app: MakeApp) -> None:
    at = make_app()
    at.session_state["turns"] = [
        Turn("user" if i % 2 == 0 else "assistant", f"message {i}") for i in range(RECENT + 10)
    ]
    at.run()
    assert [m[1] for m in messages(at)] == [f"message {i}" for i in range(10, RECENT + 10)]
    at.button(key="earlier").click().run()
    assert len(messages(at)) == RECENT + 10 and not at.exception
    at.sidebar.toggle(key="show_thinking").set_value(False).run()
    assert len(messages(at)) == RECENT + 10  # once asked for, for the rest of the session
