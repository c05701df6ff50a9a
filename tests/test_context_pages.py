"""The context window and cut-off replies on the chat and Compare pages, under AppTest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from llm.compare import Comparison
from llm.compare_export import to_json as compare_json
from llm.compare_export import to_markdown as compare_markdown
from llm.conversation import to_json, to_markdown
from testkit.fake_ollama import CHAT_PATHS, FakeOllama

MakeApp = Callable[..., AppTest]
COMPARE = str(Path(__file__).resolve().parents[1] / "pages" / "compare.py")


@pytest.fixture(autouse=True)
def no_context_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_NUM_CTX", raising=False)
    monkeypatch.delenv("OLLAMA_MAX_CTX", raising=False)


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="prompt").set_value(text).run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def chats(server: FakeOllama) -> list[dict]:
    return server.chats()


def test_auto_sends_a_window_that_fits_and_shows_how_full_it_is(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    assert at.sidebar.selectbox(key="context").value == 0  # Auto
    send(at, "hello")  # gpt-oss thinks: room for its thinking too
    assert chats(ollama)[-1]["options"]["num_ctx"] == 8192
    assert "of 8k context" in captions(at)
    at.sidebar.selectbox(key="model_ollama").set_value("llama3.2:3b").run()
    send(at, "hello again")
    assert chats(ollama)[-1]["options"]["num_ctx"] == 4096
    assert "of 4k context" in captions(at)


def test_a_fixed_context_from_the_sidebar_or_env_is_sent(
    make_app: MakeApp, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="context").set_value(16384).run()
    send(at, "hello")
    assert chats(ollama)[-1]["options"]["num_ctx"] == 16384
    monkeypatch.setenv("OLLAMA_NUM_CTX", "65536")
    at = make_app()
    send(at, "hello")
    assert chats(ollama)[-1]["options"]["num_ctx"] == 32768  # the model's maximum (/api/show)


def test_a_message_that_would_not_fit_is_held_until_the_person_chooses(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.selectbox(key="context").set_value(4096).run()
    send(at, "first")
    sent = len(chats(ollama))
    send(at, "long " * 4000)  # about 5,700 tokens
    assert len(chats(ollama)) == sent  # nothing sent, nothing dropped silently
    warning = " ".join(w.value for w in at.warning)
    assert "4k context window in use" in warning and "Not sent yet" in warning
    at.button(key="held_send").click().run()
    assert not at.exception, at.exception
    assert len(chats(ollama)) == sent + 1 and not at.warning
    assert chats(ollama)[-1]["messages"][0]["content"] == "first"  # sent anyway, whole: Ollama drops


def test_new_chat_with_a_message_too_big_for_the_models_maximum(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = send(make_app(), "first")
    send(at, "x" * 120_000)  # about 34,000 tokens: more than the model's 32,768
    assert "maximum context of 32k" in " ".join(w.value for w in at.warning)
    at.button(key="held_new_chat").click().run()
    assert not at.exception, at.exception
    messages = chats(ollama)[-1]["messages"]
    assert len(messages) == 1 and messages[0]["content"] == "x" * 120_000
    assert [m.name for m in at.chat_message] == ["user", "assistant"]


def test_a_reply_cut_by_max_tokens_says_so_and_continue_asks_for_the_rest(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    at.sidebar.number_input(key="max_tokens").set_value(2).run()
    send(at, "hello")  # gpt-oss thinks first: the 2 tokens go to its thinking
    assert "Cut at the 2-token limit" in captions(at) and "raise Max tokens" in captions(at)
    turns, settings = at.session_state["turns"], at.session_state["choice"].settings
    assert "_[Cut at the 2-token limit]_" in to_markdown(turns, settings)
    assert json.loads(to_json(turns, settings))["messages"][1]["cut"] == "Cut at the 2-token limit"
    at.button(key="continue").click().run()
    assert not at.exception, at.exception
    last = chats(ollama)[-1]["messages"]
    assert last[-1]["role"] == "user" and last[-1]["content"].startswith("Continue")
    full = send(at, "and?")
    full.sidebar.number_input(key="max_tokens").set_value(0).run()
    send(full, "all of it")
    assert not [b for b in full.button if b.key == "continue"]  # a reply that finished has no Continue


@pytest.mark.parametrize("provider", ["ollama", "openai_compatible"])
def test_an_error_mid_reply_is_cut_off_with_no_invented_figures(
    make_app: MakeApp, ollama: FakeOllama, provider: str
) -> None:
    at = make_app()
    if provider == "openai_compatible":  # Ollama's /v1: an empty chunk, then a clean close without [DONE]
        at.sidebar.selectbox(key="provider").set_value(provider).run()
        at.sidebar.text_input(key="compatible_base").set_value(ollama.url + "/v1").run()
    at.sidebar.selectbox(key=f"model_{provider}").set_value("llama3.2:3b").run()
    ollama.fail("error_line", after=2)
    send(at, "hello")
    assert at.chat_message[1].markdown[0].value == "You said:"
    assert "cut off" in " ".join(e.value for e in at.error)
    assert "tokens" not in captions(at) and "tok/s" not in captions(at)
    assert at.session_state["turns"][1].status == "error"


def test_compare_says_which_columns_a_limit_cut(make_app: MakeApp, app_env: FakeOllama) -> None:
    at = make_app(timeout=60)
    at.sidebar.number_input(key="max_tokens").set_value(3).run()
    at.switch_page(COMPARE).run()
    at.text_area(key="compare_prompt").set_value("why")
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    assert [(r.body or {})["options"]["num_predict"] for r in app_env.requests if r.path in CHAT_PATHS] == [
        3
    ] * 3
    assert captions(at).count("Cut at the 3-token limit") == 3
    comparison: Comparison = at.session_state["comparison"]
    assert "_[Cut at the 3-token limit]_" in compare_markdown(comparison)
    assert "Cut at the 3-token limit" in compare_json(comparison)
