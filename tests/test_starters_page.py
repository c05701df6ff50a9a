"""Starter cards on the chat and Compare pages under AppTest, against the loopback Ollama-protocol server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from llm.starters import BUILT_IN
from testkit.fake_ollama import FakeOllama
from tests.test_chat_page import messages, send
from tests.test_compare_page import COMPARE

MakeApp = Callable[..., AppTest]


def cards(at: AppTest) -> list[str]:
    """The starter cards' labels, in order."""
    return [b.label for b in at.button if b.key and b.key.startswith("starter_")]


def test_an_empty_chat_offers_the_built_in_starters_and_a_click_sends_one(
    make_app: MakeApp, ollama: FakeOllama
) -> None:
    at = make_app()
    labels = cards(at)
    assert len(labels) == len(BUILT_IN)
    assert all(s.title in label and s.preview in label for s, label in zip(BUILT_IN, labels, strict=True))

    at.button(key="starter_2").click().run()
    assert not at.exception, at.exception
    sent = ollama.chats()[-1]["messages"]
    assert sent == [{"role": "user", "content": BUILT_IN[2].prompt}]  # as if typed in the box
    assert messages(at)[0] == ("user", BUILT_IN[2].prompt)
    assert f"You said: {BUILT_IN[2].prompt}" in messages(at)[1][1]
    assert cards(at) == []  # the conversation has begun

    send(at, "and another")  # the box goes on as usual, and the starter is not sent again
    assert [m["content"] for m in ollama.chats()[-1]["messages"] if m["role"] == "user"] == [
        BUILT_IN[2].prompt,
        "and another",
    ]
    assert len(ollama.chats()) == 2


def test_starters_come_back_with_a_new_chat(make_app: MakeApp) -> None:
    at = send(make_app(), "hello")
    assert cards(at) == []
    at.sidebar.button(key="new_chat").click().run()
    assert len(cards(at)) == len(BUILT_IN)


def test_the_presenters_own_starters_replace_the_built_in_ones(
    make_app: MakeApp, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "starters.toml"
    mine.write_text(
        '[[starter]]\ntitle = "Our :red[product]"\nprompt = "What does ![x](http://127.0.0.1:9/x.png) do?"\n'
        '[[starter]]\nprompt = "Name three rivers."\n'
    )
    monkeypatch.setenv("STARTERS_FILE", str(mine))
    at = make_app()
    labels = cards(at)
    assert len(labels) == 2 and "Name three rivers." in labels[1]
    assert "\\:red" in labels[0] and "![x]" not in labels[0]  # drawn through the Markdown path: not obeyed
    at.button(key="starter_1").click().run()
    assert ollama.chats()[-1]["messages"][-1]["content"] == "Name three rivers."


def test_a_bad_file_is_named_and_the_built_in_starters_stay(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "starters.toml"
    bad.write_text('[[starter]]\ntitle = "Forgot the prompt"\n[[starter]]\nprompt = "ok"\npromt = "typo"\n')
    monkeypatch.setenv("STARTERS_FILE", str(bad))
    at = make_app()
    warning = " ".join(w.value for w in at.warning)
    assert "starters.toml" in warning and "cannot be used" in warning
    assert "starter 1 has no prompt" in warning and "unknown key `promt`" in warning
    assert len(cards(at)) == len(BUILT_IN)
    assert not at.exception

    bad.write_text("[[starter]\n")  # edited: read again on the next run
    at.run()
    assert "is not valid TOML" in " ".join(w.value for w in at.warning) and not at.exception


def test_compare_starters_fill_the_prompt_box(make_app: MakeApp, app_env: FakeOllama) -> None:
    at = make_app()
    at.switch_page(COMPARE).run()
    row = [b for b in at.button if b.key and b.key.startswith("compare_starter_")]
    assert [b.label for b in row] == [s.title for s in BUILT_IN]
    assert at.text_area(key="compare_prompt").value == ""

    at.button(key="compare_starter_3").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="compare_prompt").value == BUILT_IN[3].prompt
    assert app_env.chats() == []  # filled, not run: the presenter picks the columns first
    at.button(key="compare_run").click().run()
    assert sorted(c["messages"][-1]["content"] for c in app_env.chats()) == [BUILT_IN[3].prompt] * 3

    at.button(key="compare_starter_0").click().run()  # a later starter replaces the last prompt
    assert at.text_area(key="compare_prompt").value == BUILT_IN[0].prompt
