"""The Compare page under AppTest, against the loopback Ollama-protocol server."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from llm.compare import Comparison
from llm.thinking import LABELS
from testkit.fake_ollama import CHAT_PATHS, FakeOllama

COMPARE = str(Path(__file__).resolve().parents[1] / "pages" / "compare.py")
CHAT = str(Path(__file__).resolve().parents[1] / "pages" / "chat.py")
PROMPT = "why is the sky blue"
ANSWER_TOKENS = 30


@pytest.fixture
def page(make_app: Callable[..., AppTest], app_env: FakeOllama) -> AppTest:
    """The Compare page, with gpt-oss answering slowly (ANSWER_TOKENS lines, 50 ms apart)."""
    app_env.token_delay = 0.05
    next(m for m in app_env.models if m.name == "gpt-oss:20b").answer_tokens = ANSWER_TOKENS
    at = make_app(timeout=60)
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    return at


def run(at: AppTest, prompt: str = PROMPT) -> None:
    at.text_area(key="compare_prompt").set_value(prompt)
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception


def editor(at: AppTest, column: int, kind: str) -> Selectbox:
    """A column's Provider/Model/Thinking selectbox (keys carry a generation counter and the provider)."""
    return next(s for s in at.selectbox if s.key and s.key.split("_")[1:3] == [str(column), kind])


def headers(at: AppTest) -> list[str]:
    """Column headings as they read on the page (their Markdown escapes undone)."""
    return [
        re.sub(r"\\(.)", r"\1", m.value.removeprefix("##### "))
        for m in at.markdown
        if m.value.startswith("##### ")
    ]


def figure_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("First token:")]


def chats(server: FakeOllama) -> list:
    return [r for r in server.requests if r.method == "POST" and r.path in CHAT_PATHS]


def test_thinking_levels_stream_together_and_show_figures(page: AppTest, app_env: FakeOllama) -> None:
    at = page
    assert at.title[0].value == "Compare"
    assert at.radio(key="compare_preset").value == "Thinking levels"
    assert [editor(at, i, "level").value for i in range(3)] == ["low", "medium", "high"]

    run(at)

    requests = chats(app_env)
    assert sorted(r.body["think"] for r in requests) == ["high", "low", "medium"]
    # each stream lasts at least ANSWER_TOKENS * token_delay on the server: one after another, a request
    # would arrive only once the one before had finished
    arrived = [r.arrived for r in requests]
    assert max(arrived) < min(arrived) + ANSWER_TOKENS * app_env.token_delay
    assert headers(at) == ["A · gpt-oss:20b · Low", "B · gpt-oss:20b · Medium", "C · gpt-oss:20b · High"]
    answer = " ".join(f"w{i}" for i in range(ANSWER_TOKENS))
    assert [m.value for m in at.markdown].count(answer) == 3
    assert [s.label.startswith("Thought for") for s in at.status] == [True] * 3
    captions = figure_captions(at)
    assert len(captions) == 3
    for caption in captions:
        for figure in (
            "Wait for first byte:",
            "Thinking time:",
            "Thinking tokens: ≈",
            "Output tokens:",
            "Total time:",
            "tok/s",
        ):
            assert figure in caption
    table = at.dataframe[0].value
    assert list(table.columns) == headers(at)
    assert "Speed" in table.index and table.loc["Output tokens"].str.endswith("tokens").all()
    assert len(at.get("vega_lite_chart")) == 2  # where the time went; thinking tokens
    assert len(at.get("download_button")) == 2


def test_models_preset_and_a_missing_model(page: AppTest, app_env: FakeOllama) -> None:
    at = page
    at.radio(key="compare_preset").set_value("Models").run()
    models = ["gpt-oss:20b", "qwen3:8b", "deepseek-inline:7b"]
    assert [editor(at, i, "model").value for i in range(3)] == models
    assert [editor(at, i, "level").value for i in range(3)] == ["medium", "on", "n/a"]

    app_env.fail("404", model="qwen3:8b")  # gone from the server since the list was read
    run(at)

    assert headers(at) == ["A · gpt-oss:20b · Medium", "B · qwen3:8b · On", "C · deepseek-inline:7b"]
    assert len(at.error) == 1 and "ollama pull qwen3:8b" in at.error[0].value
    markdown = [m.value for m in at.markdown]
    assert any(m.endswith(f"You said: {PROMPT}") for m in markdown)  # deepseek's answer
    assert " ".join(f"w{i}" for i in range(ANSWER_TOKENS)) in markdown
    assert len(figure_captions(at)) == 2
    bodies = {r.body["model"]: r.body for r in chats(app_env)}
    assert bodies["gpt-oss:20b"]["think"] == "medium" and "think" not in bodies["deepseek-inline:7b"]

    at.switch_page(CHAT).run()
    at.switch_page(COMPARE).run()
    assert at.radio(key="compare_preset").value == "Models"
    assert [editor(at, i, "model").value for i in range(3)] == models


def test_blind_mode_hides_then_reveals_the_settings(page: AppTest, app_env: FakeOllama) -> None:
    at = page
    at.toggle(key="compare_blind").set_value(True)
    app_env.fail("404")  # one column's model is gone: its error must not name it
    run(at)

    assert headers(at) == ["A", "B", "C"]
    assert list(at.dataframe[0].value.columns) == ["A", "B", "C"]
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    assert not any("gpt-oss" in text or "Medium" in text for text in shown)
    assert len(at.error) == 1 and re.match(r"Column [ABC] failed\.", at.error[0].value)
    assert "Settings hidden until the reveal." in " ".join(c.value for c in at.caption)
    assert not any(s.key and s.key.startswith("col") for s in at.selectbox)  # no column editor
    assert at.button(key="compare_reveal").disabled
    assert not at.get("download_button")

    next(b for b in at.button if b.label == "Vote for B").click().run()
    assert not at.exception, at.exception
    assert not at.button(key="compare_reveal").disabled
    at.button(key="compare_reveal").click().run()
    assert not at.exception, at.exception

    comparison: Comparison = at.session_state["comparison"]
    level = [LABELS[comparison.requests[i].level or "off"] for i in comparison.order]
    names = [f"{letter} · gpt-oss:20b · {name}" for letter, name in zip("ABC", level, strict=True)]
    assert headers(at) == names
    assert comparison.votes[comparison.order[1]] == 1
    assert ":material/trophy: 1 vote" in [c.value for c in at.caption]
    assert len(at.get("download_button")) == 2
    assert not any(b.label.startswith("Vote for") for b in at.button)
    assert "ollama pull gpt-oss:20b" in at.error[0].value
    assert any(s.key and s.key.startswith("col") for s in at.selectbox)  # the editors are back


def test_repeat_shows_median_and_range(page: AppTest, app_env: FakeOllama) -> None:
    at = page
    app_env.token_delay = 0.0
    at.number_input(key="compare_repeats").set_value(3)
    run(at)

    assert len(chats(app_env)) == 9
    assert "Median and range over 3 runs." in [c.value for c in at.caption]
    table = at.dataframe[0].value
    assert table.loc["Total time"].str.endswith("3 runs)").all()
    assert all("3 runs)" in caption for caption in figure_captions(at))


def test_hand_edits_and_results_survive_a_page_switch(page: AppTest, app_env: FakeOllama) -> None:
    at = page
    app_env.token_delay = 0.0
    at.button(key="compare_add").click().run()
    assert [editor(at, i, "level").value for i in range(4)] == ["low", "medium", "high", "high"]
    assert at.button(key="compare_add").disabled
    editor(at, 3, "level").set_value("low").run()
    at.button(key="compare_remove").click().run()
    editor(at, 0, "level").set_value("high").run()
    run(at)
    assert headers(at) == ["A · gpt-oss:20b · High", "B · gpt-oss:20b · Medium", "C · gpt-oss:20b · High"]

    at.switch_page(CHAT).run()
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    assert [editor(at, i, "level").value for i in range(3)] == ["high", "medium", "high"]
    assert headers(at) == ["A · gpt-oss:20b · High", "B · gpt-oss:20b · Medium", "C · gpt-oss:20b · High"]
    assert at.text_area(key="compare_prompt").value == PROMPT
