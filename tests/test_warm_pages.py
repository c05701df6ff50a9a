"""Load model, Keep loaded, the cold load and thinking tokens on the pages, under AppTest."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from testkit.fake_ollama import FakeOllama

MakeApp = Callable[..., AppTest]
COMPARE = str(Path(__file__).resolve().parents[1] / "pages" / "compare.py")
COLD = 1.0  # seconds the stand-in takes to load a model not in memory


def sidebar_text(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption] + [e.value for e in at.sidebar.error]


def until(at: AppTest, text: str, within: float = 30) -> list[str]:
    """Rerun (as the status's timer does in a browser) until the sidebar shows `text`."""
    deadline = time.monotonic() + within
    while not any(text in line for line in sidebar_text(at)):
        assert time.monotonic() < deadline, sidebar_text(at)
        time.sleep(0.2)
        at.run()
        assert not at.exception, at.exception
    return sidebar_text(at)


def reply_caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.chat_message[-1].caption)


def send(at: AppTest, text: str) -> None:
    at.chat_input(key="prompt").set_value(text).run()
    assert not at.exception, at.exception


def test_load_model_shows_progress_then_the_time_and_keeps_it_loaded(
    make_app: MakeApp, app_env: FakeOllama
) -> None:
    app_env.load_seconds = COLD
    at = make_app()
    keep = at.sidebar.selectbox(key="keep_alive")
    assert keep.value == "5m" and list(keep.options) == ["5 min", "30 min", "1 h", "Until unloaded"]
    keep.set_value("30m").run()
    at.sidebar.button(key="load_model").click().run()
    assert not at.exception, at.exception
    assert any(re.search(r"Loading… \d+ s$", line) for line in sidebar_text(at)), sidebar_text(at)
    assert at.sidebar.button(key="load_model").disabled  # one load at a time
    shown = until(at, "Loaded in")
    assert any(line.endswith("s · kept 30 min") for line in shown)
    assert app_env.chats() == [{"model": "gpt-oss:20b", "messages": [], "keep_alive": "30m"}]
    assert not at.sidebar.button(key="load_model").disabled

    send(at, "hello")
    assert app_env.chats()[-1]["keep_alive"] == "30m"
    assert "load" not in reply_caption(at) and reply_caption(at).startswith("first token ")


def test_a_failed_load_says_so_plainly(
    make_app: MakeApp, app_env: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL", "gone:1b")  # a name the server does not have
    at = make_app()
    at.sidebar.button(key="load_model").click().run()
    errors = until(at, "Could not load")
    assert any("Run `ollama pull gone:1b`" in e for e in errors)
    assert not at.exception


def test_a_cold_first_reply_names_its_load(make_app: MakeApp, app_env: FakeOllama) -> None:
    app_env.load_seconds = COLD
    at = make_app()
    send(at, "hello")
    caption = reply_caption(at)
    assert caption.startswith("cold load ") and " after load · thinking " in caption
    assert app_env.chats()[-1]["keep_alive"] == "5m"  # the default is sent too
    send(at, "again")
    assert reply_caption(at).startswith("first token ") and "load" not in reply_caption(at)


@pytest.mark.parametrize(("env", "label", "sent"), [("-1", "Until unloaded", -1), ("2h", "2h", "2h")])
def test_keep_alive_from_the_environment(
    make_app: MakeApp,
    app_env: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    env: str,
    label: str,
    sent: object,
) -> None:
    monkeypatch.setenv("OLLAMA_KEEP_ALIVE", env)
    at = make_app()
    keep = at.sidebar.selectbox(key="keep_alive")
    assert keep.options[keep.index] == label
    send(at, "hello")
    assert app_env.chats()[-1]["keep_alive"] == sent


def test_a_bad_keep_alive_is_named_on_the_page(
    make_app: MakeApp, app_env: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_KEEP_ALIVE", "soon")
    at = AppTest.from_file(str(Path(__file__).parent / "app_entry" / "main.py"), default_timeout=30).run()
    assert not at.exception
    assert "OLLAMA_KEEP_ALIVE='soon' is not a duration" in " ".join(e.value for e in at.error)


def test_load_model_is_for_ollama_only(
    make_app: MakeApp, app_env: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_PROVIDER", "openai_compatible")
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_BASE", f"{app_env.url}/v1")
    at = make_app()
    assert "Load model" not in [b.label for b in at.sidebar.button]
    assert "Keep loaded" not in [s.label for s in at.sidebar.selectbox]


def test_exact_reasoning_tokens_from_an_openai_compatible_server(
    make_app: MakeApp, app_env: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_env.reasoning_usage = True
    monkeypatch.setenv("MODEL_PROVIDER", "openai_compatible")
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_BASE", f"{app_env.url}/v1")
    at = make_app(timeout=60)
    send(at, "hello")
    thinking = app_env.models[0].thinking.replace("{prompt}", "hello").split()
    assert f"({len(thinking)} tokens)" in reply_caption(at) and "≈" not in reply_caption(at)


def test_ollama_thinking_tokens_are_marked_as_estimated(make_app: MakeApp, app_env: FakeOllama) -> None:
    at = make_app()
    send(at, "hello")
    assert "thinking " in reply_caption(at) and " (≈" in reply_caption(at)


def test_compare_shows_the_load_and_thinking_tokens_per_column(
    make_app: MakeApp, app_env: FakeOllama
) -> None:
    app_env.load_seconds = COLD
    at = make_app(timeout=60)
    at.switch_page(COMPARE).run()
    at.text_area(key="compare_prompt").set_value("why is the sky blue")
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    rows = list(table.index)
    assert rows[:2] == ["First token", "Model load"] and "Thinking tokens" in rows
    loads = [float(cell.split()[0]) for cell in table.loc["Model load"]]
    assert max(loads) >= COLD  # the columns arrive together: each waits for the one load
    tokens = list(table.loc["Thinking tokens"])
    assert all(cell.startswith("≈") and cell.endswith(" tokens") for cell in tokens), tokens
    captions = " ".join(c.value for c in at.caption)
    assert "loading the model (a cold start)" in captions and "How much each column thought" in captions
    assert sum(c.value.startswith("First token:") and "Model load: " in c.value for c in at.caption) == 3
    phases, thought = (chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert '"Loading"' in phases and '"Thinking tokens' in thought
