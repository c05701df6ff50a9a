"""The pages with several Ollama servers (OLLAMA_API_BASE with commas), under AppTest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from testkit.fake_ollama import FakeModel, FakeOllama
from tests.test_chat_page import messages, send
from tests.test_models_page import chat_models, installed, pull, texts

PAGE = str((Path(__file__).parents[1] / "pages" / "models.py").resolve())
QWEN = FakeModel("qwen3:8b", ["completion", "tools", "thinking"], "qwen3", "8.2B", size=5_225_000_000)
LLAMA = FakeModel("llama3.2:3b", ["completion", "tools"], "llama", "3.2B", size=2_019_000_000)


@pytest.fixture
def second() -> Iterator[FakeOllama]:
    """Server B, with two of the models that server A (the `ollama` fixture) has."""
    with FakeOllama([QWEN, LLAMA]) as server:
        yield server


@pytest.fixture
def two(
    make_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch, ollama: FakeOllama, second: FakeOllama
):
    monkeypatch.setenv("OLLAMA_API_BASE", f"{ollama.url},{second.url}")
    monkeypatch.setenv("MODEL", "qwen3:8b")
    return make_app


def labels(at: AppTest) -> dict[str, str]:
    picker = at.sidebar.selectbox(key="model_ollama")
    return {option.split(" · ")[0]: option for option in picker.options}


def test_the_model_picker_says_how_many_servers_have_each_model(two: Callable[[], AppTest]) -> None:
    shown = labels(two())
    assert shown["qwen3:8b"].endswith("on 2 of 2 servers")
    assert shown["gpt-oss:20b"].endswith("on 1 of 2 servers")


def test_chats_are_shared_between_the_servers_and_keep_their_thinking(
    two: Callable[[], AppTest], ollama: FakeOllama, second: FakeOllama
) -> None:
    at = two()
    for n in range(8):
        send(at, f"hello {n}")
        assert messages(at)[-1][1].endswith(f"You said: hello {n}")
    assert not at.error
    assert ollama.chats() and second.chats()  # eight replies all on one server: a 1-in-128 chance
    assert all(body["think"] is True for body in ollama.chats() + second.chats())


def test_the_models_page_shows_each_server_and_manages_one(
    two: Callable[[], AppTest], ollama: FakeOllama, second: FakeOllama
) -> None:
    at = two()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    overview = next(d for d in at.dataframe if "Server" in d.value.columns)
    rows = {row["Server"]: row for row in overview.value.to_dict("records")}
    assert rows[second.url] == {
        "Server": second.url,
        "State": "running",
        "Installed": "llama3.2:3b, qwen3:8b",
        "In memory": "",
    }
    assert "gpt-oss:20b" in rows[ollama.url]["Installed"]
    assert "gpt-oss:20b" in installed(at)  # the first server is managed until another is picked
    at.selectbox(key="models_server").select(second.url).run()
    assert installed(at) == ["llama3.2:3b", "qwen3:8b"]
    pull(at, "qwen3:0.6b")
    assert texts(at.success)[0].startswith("Pulled `qwen3:0.6b`")
    assert [r.body for r in second.requests if r.path == "/api/pull"] == [
        {"model": "qwen3:0.6b", "stream": True}
    ]
    assert not [r for r in ollama.requests if r.path == "/api/pull"]
    assert "qwen3:0.6b" in chat_models(at)
    assert labels(at)["qwen3:0.6b"].endswith("on 1 of 2 servers")


def test_a_server_that_is_down_is_shown_as_such(two: Callable[[], AppTest], second: FakeOllama) -> None:
    at = two()
    second.stop()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    overview = next(d for d in at.dataframe if "Server" in d.value.columns)
    states = [row["State"] for row in overview.value.to_dict("records")]
    assert states[0] == "running" and "ollama serve" in states[1]
