"""The Models page under AppTest, against the loopback Ollama server: list, pull, unload, remove."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe, Progress

from testkit.fake_ollama import FakeModel, FakeOllama

PAGE = str((Path(__file__).parents[1] / "pages" / "models.py").resolve())


@pytest.fixture
def page(make_app: Callable[[], AppTest]) -> AppTest:
    at = make_app()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Models"]
    return at


TABLES = {"installed": "Can", "loaded": "Runs on"}  # each table by a column only it has


def table(at: AppTest, name: str) -> Dataframe | None:
    return next((d for d in at.dataframe if TABLES[name] in d.value.columns), None)


def installed(at: AppTest) -> list[str]:
    frame = table(at, "installed")
    assert frame is not None
    return list(frame.value["Model"])


def chat_models(at: AppTest) -> list[str]:
    """Model names in the sidebar's Model picker (its options read 'name · 8.2B · 5.2 GB')."""
    return [option.split(" · ")[0] for option in at.sidebar.selectbox(key="model_ollama").options]


def pull(at: AppTest, name: str) -> AppTest:
    at.text_input(key="pull_name").set_value(name)
    at.button(key="pull").click().run()
    assert not at.exception, at.exception
    return at


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def test_installed_models_table_shows_sizes_details_and_capabilities(page: AppTest) -> None:
    frame = table(page, "installed")
    assert frame is not None
    rows = {row["Model"]: row for row in frame.value.to_dict("records")}
    assert list(rows) == ["deepseek-inline:7b", "gemma3:4b", "gpt-oss:20b", "llama3.2:3b", "qwen3:8b"]
    gpt = rows["gpt-oss:20b"]
    details = (gpt["Size"], gpt["Parameters"], gpt["Quantization"], gpt["Family"])
    assert details == ("13.8 GB", "20.9B", "MXFP4", "gptoss")
    assert list(gpt["Can"]) == ["thinking", "tools"]
    assert list(rows["gemma3:4b"]["Can"]) == ["vision"]
    assert page.caption[0].value.startswith("Ollama at http://127.0.0.1:")


def test_pull_reports_success_and_refreshes_the_chat_model_list(page: AppTest, ollama: FakeOllama) -> None:
    assert "qwen3:0.6b" not in chat_models(page)
    pull(page, "qwen3:0.6b")
    pulls = [r.body for r in ollama.requests if r.path == "/api/pull"]
    assert pulls == [{"model": "qwen3:0.6b", "stream": True}]
    [message] = texts(page.success)
    assert message.startswith("Pulled `qwen3:0.6b` (522.0 MB):")
    assert not page.error
    assert "qwen3:0.6b" in installed(page)
    assert "qwen3:0.6b" in chat_models(page)
    assert page.text_input(key="pull_name").value == ""
    page.sidebar.selectbox(key="model_ollama").select("qwen3:0.6b").run()  # its capabilities reach the chat
    assert page.sidebar.radio(key="thinking_ollama-toggle").value == "on"


def test_suggestion_fills_the_box_and_pull_fetches_it(page: AppTest, ollama: FakeOllama) -> None:
    ollama.pullable.append(FakeModel("deepseek-r1:8b", ["completion", "thinking"], "qwen3", "8.2B"))
    assert page.button(key="suggest_gpt-oss:20b").label == "gpt-oss:20b ✓"  # already installed
    page.button(key="suggest_deepseek-r1:8b").click().run()
    assert page.text_input(key="pull_name").value == "deepseek-r1:8b"
    assert not [r for r in ollama.requests if r.path == "/api/pull"]  # a suggestion only fills the box
    page.button(key="pull").click().run()
    assert texts(page.success)[0].startswith("Pulled `deepseek-r1:8b`")
    assert "deepseek-r1:8b" in chat_models(page)


def test_pull_of_a_model_that_does_not_exist_says_so(page: AppTest) -> None:
    pull(page, "nope:1b")
    [error] = texts(page.error)
    assert "`nope:1b` does not exist in the Ollama library" in error
    assert not page.success
    assert "nope:1b" not in installed(page)
    pull(page, "qwen3:0.6b")  # the page stays usable
    assert texts(page.success)[0].startswith("Pulled `qwen3:0.6b`")


def test_pull_cut_off_keeps_its_progress_and_can_be_resumed(page: AppTest, ollama: FakeOllama) -> None:
    ollama.fail("drop", after=3)  # manifest line, then two of the big layer's five progress lines
    pull(page, "qwen3:0.6b")
    [error] = texts(page.error)
    assert "broke off" in error and "Press Pull to resume" in error
    [bar] = page.get("progress")
    assert isinstance(bar, Progress)
    assert bar.value in (39, 40)  # 2/5 of the layers seen so far
    assert bar.text.startswith("Pulling ") and "208.8 MB of 522.0 MB" in bar.text
    assert "qwen3:0.6b" not in installed(page)
    page.button(key="pull").click().run()  # the name stays in the box: Pull again
    assert texts(page.success)[0].startswith("Pulled `qwen3:0.6b`")
    assert not page.get("progress")


def test_pull_with_an_empty_box_asks_for_a_name(page: AppTest, ollama: FakeOllama) -> None:
    pull(page, "  ")
    assert "Type a model name first" in texts(page.warning)[0]
    assert not [r for r in ollama.requests if r.path == "/api/pull"]


def test_server_down_shows_the_chat_message_not_a_traceback(page: AppTest) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    page.sidebar.text_input(key="ollama_base").set_value(dead).run()
    assert not page.exception
    assert any("Start it with `ollama serve`" in e and dead in e for e in texts(page.error))
    assert table(page, "installed") is None


def test_loaded_model_shows_memory_and_can_be_unloaded(page: AppTest, ollama: FakeOllama) -> None:
    assert "No model is in memory" in " ".join(texts(page.caption))
    body = {"model": "llama3.2:3b", "messages": [], "keep_alive": "5m"}
    httpx.post(ollama.url + "/api/chat", json=body).raise_for_status()
    page.run()
    frame = table(page, "loaded")
    assert frame is not None
    [row] = frame.value.to_dict("records")
    assert (row["Model"], row["VRAM"], row["Runs on"]) == ("llama3.2:3b", "2.0 GB", "100% GPU")
    assert row["Context"] == "4,096 tokens"  # Ollama's default window, as /api/ps reports it
    assert re.fullmatch(r"in (5 min|4 min \d+ s)", row["Unloads"])  # Ollama's default keep_alive: 5 min
    page.button(key="unload_llama3.2:3b").click().run()
    assert ollama.chats()[-1] == {"model": "llama3.2:3b", "messages": [], "keep_alive": 0}
    assert texts(page.success) == ["Unloaded `llama3.2:3b`: its memory is free."]
    assert table(page, "loaded") is None


def test_remove_asks_for_confirmation_then_deletes(page: AppTest, ollama: FakeOllama) -> None:
    page.selectbox(key="remove_name").select("gemma3:4b").run()
    page.button(key="remove").click().run()
    assert "Remove `gemma3:4b`?" in texts(page.warning)[0]
    assert not [r for r in ollama.requests if r.method == "DELETE"]  # nothing removed before confirming
    page.button(key="cancel_remove").click().run()
    assert not page.warning and "gemma3:4b" in installed(page)
    page.button(key="remove").click().run()
    page.button(key="confirm_remove").click().run()
    assert not page.exception
    assert [r.body for r in ollama.requests if r.method == "DELETE"] == [{"model": "gemma3:4b"}]
    assert texts(page.success) == ["Removed `gemma3:4b` (unloaded from memory first)."]
    assert "gemma3:4b" not in installed(page)
    assert "gemma3:4b" not in chat_models(page)
    assert page.selectbox(key="remove_name").value is None


def test_other_providers_get_an_explanation_instead_of_a_failure(page: AppTest, ollama: FakeOllama) -> None:
    ollama.reset()
    page.sidebar.selectbox(key="provider").select("openai").run()
    assert not page.exception and not page.error
    [info] = texts(page.info)
    assert "manages the models of an **Ollama** server" in info and "OpenAI hosts its models" in info
    assert table(page, "installed") is None
    page.sidebar.selectbox(key="provider").select("litellm_proxy").run()  # its own wording (Provider.hosting)
    [info] = texts(page.info)
    assert "A LiteLLM Proxy serves the models its owner lists in its config." in info
    assert "hosts its models" not in info and not page.exception
    assert not [r for r in ollama.requests if r.path.startswith("/api/")]


def test_removing_a_loaded_model_unloads_it_so_memory_no_longer_lists_it(
    page: AppTest, ollama: FakeOllama
) -> None:
    for model in ("gemma3:4b", "qwen3:8b"):
        httpx.post(ollama.url + "/api/chat", json={"model": model, "messages": [], "keep_alive": "5m"})
    page.run()
    loaded = table(page, "loaded")
    assert loaded is not None and set(loaded.value["Model"]) == {"gemma3:4b", "qwen3:8b"}
    ollama.reset()
    page.selectbox(key="remove_name").select("gemma3:4b").run()
    page.button(key="remove").click().run()
    page.button(key="confirm_remove").click().run()
    assert not page.exception and not page.error
    changes = [
        (r.method, r.path, r.body) for r in ollama.requests if r.method != "GET" and r.path != "/api/show"
    ]
    assert changes == [
        ("POST", "/api/chat", {"model": "gemma3:4b", "messages": [], "keep_alive": 0}),
        ("DELETE", "/api/delete", {"model": "gemma3:4b"}),
    ]
    loaded = table(page, "loaded")
    assert loaded is not None and list(loaded.value["Model"]) == ["qwen3:8b"]
    assert "gemma3:4b" not in installed(page)


def test_pull_of_an_installed_model_is_done_at_once(page: AppTest, ollama: FakeOllama) -> None:
    pull(page, "llama3.2:3b")
    assert not page.error
    assert texts(page.success) == ["`llama3.2:3b` is up to date: all 2.0 GB were already on disk."]
    layers = [r for r in ollama.requests if r.path == "/api/pull"]
    assert len(layers) == 1


def test_a_url_that_is_not_http_is_refused_on_the_page(page: AppTest, ollama: FakeOllama) -> None:
    ollama.reset()
    page.sidebar.text_input(key="ollama_base").set_value("file:///etc/passwd#").run()
    assert not page.exception
    shown = " ".join(texts(page.error) + texts(page.sidebar.warning))
    assert "`file:///etc/passwd#` cannot be used: it must start with http:// or https://" in shown
    assert "root:" not in shown
    assert table(page, "installed") is None
