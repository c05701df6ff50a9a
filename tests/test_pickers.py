"""The two pickers on their own (ui/pickers.py): what the sidebar and Compare page tests do not reach."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _pickers(wanted: str, listed: list[str], style: str, level: str | None) -> None:
    import streamlit as st

    from llm.models import ModelInfo
    from ui.pickers import model_picker, thinking_picker

    models = [ModelInfo(n, parameter_size="8B") for n in listed]
    st.session_state["model"] = model_picker(models, wanted, "picked")
    st.session_state["radio"] = thinking_picker(style, level, "thinking")  # type: ignore[arg-type]
    st.session_state["box"] = thinking_picker(style, level, "level", widget="selectbox")  # type: ignore[arg-type]


def picked(wanted: str, listed: list[str], style: str = "ollama-toggle", level: str | None = None) -> AppTest:
    at = AppTest.from_function(_pickers, args=(wanted, listed, style, level)).run()
    assert not at.exception, at.exception
    return at


def test_an_unlisted_name_comes_first_and_is_picked_listed_ones_keep_their_labels() -> None:
    at = picked("mine:1b", ["qwen3:8b", "gemma3:4b"])
    model = at.selectbox(key="picked")
    assert model.options == ["mine:1b", "qwen3:8b · 8B", "gemma3:4b · 8B"]
    assert model.value == "mine:1b" and at.session_state["model"] == "mine:1b"


def test_with_no_name_wanted_the_first_listed_is_picked_and_with_no_list_nothing() -> None:
    assert picked("", ["qwen3:8b", "gemma3:4b"]).session_state["model"] == "qwen3:8b"
    at = picked("", [])
    assert at.selectbox(key="picked").value is None and at.session_state["model"] == ""
    assert at.selectbox(key="picked").placeholder == "Type a model name"


def test_both_looks_start_at_the_nearest_accepted_level() -> None:
    at = picked("gpt-oss:20b", [], "ollama-effort", "on")  # gpt-oss takes no "on": Medium
    assert at.radio(key="thinking_ollama-effort").options == ["Low", "Medium", "High"]
    assert at.radio(key="thinking_ollama-effort").value == "medium"
    assert at.selectbox(key="level_ollama-effort").value == "medium"
    assert at.session_state["radio"] == at.session_state["box"] == "medium"


def test_a_model_that_cannot_think_gets_a_disabled_control_of_each_look_and_no_level() -> None:
    at = picked("llama3.2:3b", [], "none")
    radio, box = at.radio(key="thinking_none"), at.selectbox(key="level_none")
    assert radio.disabled and radio.options == ["Off"] and box.disabled and box.options == ["n/a"]
    assert [c.value for c in at.caption] == ["This model cannot think, so no thinking setting is sent."]
    assert not radio.help and box.help == at.caption[0].value  # the reason once: a caption or a tooltip
    assert at.session_state["radio"] is None and at.session_state["box"] is None
