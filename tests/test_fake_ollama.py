"""The fake Ollama server answers the way real Ollama does, over real HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from testkit.fake_ollama import SIGNIN_URL, FakeModel, FakeOllama


def chat_body(model: str, prompt: str = "hi", **extra: object) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": prompt}], **extra}


def stream_lines(client: httpx.Client, path: str, body: dict) -> list[dict]:
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in response.iter_lines() if line]


def split(lines: list[dict]) -> tuple[str, str]:
    """The thinking and the answer a chat stream carried."""
    thinking = "".join(line["message"].get("thinking", "") for line in lines)
    return thinking, "".join(line["message"]["content"] for line in lines)


def test_root_and_tags_list_default_models(client: httpx.Client) -> None:
    assert client.get("/").text == "Ollama is running"
    models = client.get("/api/tags").json()["models"]
    assert [m["name"] for m in models] == [
        "gpt-oss:20b",
        "qwen3:8b",
        "llama3.2:3b",
        "gemma3:4b",
        "deepseek-inline:7b",
    ]
    assert models[0]["details"]["family"] == "gptoss"
    assert models[0]["details"]["quantization_level"] == "MXFP4"


def test_show_reports_capabilities(client: httpx.Client) -> None:
    shown = client.post("/api/show", json={"name": "gpt-oss:20b"}).json()
    assert shown["capabilities"] == ["completion", "tools", "thinking"]
    assert shown["model_info"]["general.architecture"] == "gptoss"
    assert client.post("/api/show", json={"model": "gemma3:4b"}).json()["capabilities"] == [
        "completion",
        "vision",
    ]
    missing = client.post("/api/show", json={"model": "nope:1b"})
    assert (missing.status_code, missing.json()) == (404, {"error": "model 'nope:1b' not found"})


def test_chat_streams_thinking_then_answer_then_done(client: httpx.Client, fake: FakeOllama) -> None:
    lines = stream_lines(client, "/api/chat", chat_body("qwen3:8b", think=True))
    *tokens, done = lines
    kinds = ["thinking" if line["message"].get("thinking") else "answer" for line in tokens]
    assert kinds == sorted(kinds, reverse=True) and set(kinds) == {"thinking", "answer"}
    assert split(tokens) == ("Let me think about this. The user said hi.", "You said: hi")
    assert not any(line["done"] for line in tokens)
    assert done["done"] and done["done_reason"] == "stop"
    assert done["eval_count"] == len(tokens)
    assert fake.chats()[0]["think"] is True


@pytest.mark.parametrize(
    ("model", "extra", "thinks"),
    [
        ("qwen3:8b", {}, True),
        ("qwen3:8b", {"think": False}, False),
        ("gpt-oss:20b", {"think": False}, True),
        ("gpt-oss:20b", {"think": "low"}, True),
        ("llama3.2:3b", {}, False),
    ],
)
def test_think_decides_whether_thinking_streams(
    client: httpx.Client, model: str, extra: dict, thinks: bool
) -> None:
    thinking, answer = split(stream_lines(client, "/api/chat", chat_body(model, **extra)))
    assert bool(thinking) is thinks
    assert answer == "You said: hi"


def test_inline_think_model_writes_think_tags_in_content(client: httpx.Client) -> None:
    thinking, answer = split(stream_lines(client, "/api/chat", chat_body("deepseek-inline:7b")))
    assert thinking == ""
    assert answer == "<think>\nLet me think about this. The user said hi.</think>\n\nYou said: hi"


def test_think_rejected_for_model_that_cannot_think(client: httpx.Client) -> None:
    response = client.post("/api/chat", json=chat_body("llama3.2:3b", think=True))
    assert (response.status_code, response.json()) == (
        400,
        {"error": '"llama3.2:3b" does not support thinking'},
    )


def test_invalid_think_string_rejected(client: httpx.Client) -> None:
    response = client.post("/api/chat", json=chat_body("gpt-oss:20b", think="max"))
    assert response.status_code == 400
    assert response.json()["error"].startswith('invalid think value: "max"')


def test_num_predict_cuts_reply_with_length(client: httpx.Client, fake: FakeOllama) -> None:
    fake.models[2].answer_tokens = 50
    *tokens, done = stream_lines(client, "/api/chat", chat_body("llama3.2:3b", options={"num_predict": 7}))
    assert split(tokens)[1] == "w0 w1 w2 w3 w4 w5 w6 "
    assert (done["done_reason"], done["eval_count"]) == ("length", 7)


def test_non_streamed_chat_returns_one_object(client: httpx.Client) -> None:
    reply = client.post("/api/chat", json=chat_body("qwen3:8b", stream=False)).json()
    assert reply["message"]["thinking"] == "Let me think about this. The user said hi."
    assert reply["message"]["content"] == "You said: hi"
    assert reply["done"] is True


def test_fault_503_once_then_success(client: httpx.Client, fake: FakeOllama) -> None:
    fake.fail("503")
    busy = client.post("/api/chat", json=chat_body("qwen3:8b"))
    assert busy.status_code == 503
    assert busy.json()["error"].startswith("server busy")
    assert stream_lines(client, "/api/chat", chat_body("qwen3:8b"))[-1]["done"] is True
    assert len(fake.chats()) == 2


def test_drop_breaks_the_stream(client: httpx.Client, fake: FakeOllama) -> None:
    fake.fail("drop", after=2)
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("POST", "/api/chat", json=chat_body("qwen3:8b")) as response,
    ):
        received.extend(response.iter_lines())
    assert len(received) == 2


def test_error_line_ends_stream_with_error(client: httpx.Client, fake: FakeOllama) -> None:
    fake.fail("error_line", model="qwen3:8b")
    lines = stream_lines(client, "/api/chat", chat_body("qwen3:8b"))
    assert len(lines) == 4
    assert lines[-1] == {"error": "an error was encountered while running the model: unexpected EOF"}


def test_slow_first_byte_delays_headers(client: httpx.Client, fake: FakeOllama) -> None:
    fake.fail("slow_first_byte", seconds=0.3)
    started = time.monotonic()
    assert stream_lines(client, "/api/chat", chat_body("llama3.2:3b"))[-1]["done"] is True
    assert time.monotonic() - started >= 0.3


def test_pull_streams_progress_and_installs_model(client: httpx.Client, fake: FakeOllama) -> None:
    lines = stream_lines(client, "/api/pull", {"model": "qwen3:0.6b"})
    assert lines[0] == {"status": "pulling manifest"}
    assert lines[-1] == {"status": "success"}
    completed = [line["completed"] for line in lines if "completed" in line]
    assert len(completed) == 10 and completed[4] == lines[5]["total"]
    assert "qwen3:0.6b" in [m["name"] for m in client.get("/api/tags").json()["models"]]
    assert [m.name for m in fake.pullable] == ["deepseek-r1:1.5b"]


def test_pull_unknown_model_yields_error_line(client: httpx.Client) -> None:
    lines = stream_lines(client, "/api/pull", {"name": "nope:1b"})
    assert lines == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]


def test_delete_removes_model(client: httpx.Client) -> None:
    assert client.request("DELETE", "/api/delete", json={"model": "gemma3:4b"}).status_code == 200
    assert "gemma3:4b" not in [m["name"] for m in client.get("/api/tags").json()["models"]]
    gone = client.request("DELETE", "/api/delete", json={"model": "gemma3:4b"})
    assert (gone.status_code, gone.json()) == (404, {"error": "model 'gemma3:4b' not found"})


def test_ps_lists_model_after_chat_until_unloaded(client: httpx.Client) -> None:
    assert client.get("/api/ps").json() == {"models": []}
    stream_lines(client, "/api/chat", chat_body("llama3.2:3b"))
    running = client.get("/api/ps").json()["models"]
    assert [m["name"] for m in running] == ["llama3.2:3b"]
    assert running[0]["size_vram"] == running[0]["size"]
    unload = client.post("/api/chat", json={"model": "llama3.2:3b", "messages": [], "keep_alive": 0}).json()
    assert unload["done_reason"] == "unload"
    assert client.get("/api/ps").json() == {"models": []}


def test_stop_returns_fast_during_a_stall(client: httpx.Client, fake: FakeOllama) -> None:
    fake.fail("stall", seconds=30)
    with client.stream("POST", "/api/chat", json=chat_body("qwen3:8b")) as response:
        lines = response.iter_lines()
        assert [json.loads(next(lines))["done"] for _ in range(3)] == [False] * 3
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 3
        with pytest.raises(httpx.RemoteProtocolError):
            list(lines)


CUSTOM = FakeModel("gpt-oss-x:latest", ["completion", "thinking"], "llama", "8.0B")  # named like gpt-oss
CLOUD = FakeModel("gpt-oss:120b-cloud", ["completion", "tools", "thinking"], "gptoss", "116.8B", size=384)


def test_think_false_is_accepted_by_a_model_that_cannot_think(client: httpx.Client) -> None:
    thinking, answer = split(stream_lines(client, "/api/chat", chat_body("llama3.2:3b", think=False)))
    assert (thinking, answer) == ("", "You said: hi")


def test_think_strings_only_for_the_gpt_oss_family_told_by_family_and_template(
    client: httpx.Client, fake: FakeOllama
) -> None:
    fake.models.append(CUSTOM)
    shown = client.post("/api/show", json={"model": "gpt-oss:20b"}).json()
    assert "<|start|>" in shown["template"] and "<|end|>" in shown["template"]
    custom = client.post("/api/show", json={"model": CUSTOM.name}).json()
    assert custom["details"]["family"] == "llama" and "<|start|>" not in custom["template"]
    assert split(stream_lines(client, "/api/chat", chat_body("gpt-oss:20b", think="high")))[0]
    # What the app sent before it read the family: a level to a model merely named gpt-oss.
    for model in (CUSTOM.name, "qwen3:8b"):
        refused = client.post("/api/chat", json=chat_body(model, think="medium"))
        assert (refused.status_code, refused.json()) == (
            400,
            {"error": 'think value "medium" is not supported for this model'},
        )
    assert split(stream_lines(client, "/api/chat", chat_body(CUSTOM.name, think=True)))[0]


def test_delete_leaves_a_loaded_model_in_memory(client: httpx.Client) -> None:
    """What the app did before it unloaded first: the deleted model stays listed, and cannot be unloaded."""
    stream_lines(client, "/api/chat", chat_body("gemma3:4b"))
    assert client.request("DELETE", "/api/delete", json={"model": "gemma3:4b"}).status_code == 200
    assert [m["name"] for m in client.get("/api/ps").json()["models"]] == ["gemma3:4b"]
    unload = client.post("/api/chat", json={"model": "gemma3:4b", "messages": [], "keep_alive": 0})
    assert (unload.status_code, unload.json()) == (404, {"error": "model 'gemma3:4b' not found"})


def test_ps_reports_the_context_length_each_model_was_loaded_with(client: httpx.Client) -> None:
    stream_lines(client, "/api/chat", chat_body("llama3.2:3b"))
    stream_lines(client, "/api/chat", chat_body("gpt-oss:20b", keep_alive="10m"))
    stream_lines(client, "/api/chat", chat_body("qwen3:8b", keep_alive="1h", options={"num_ctx": 16384}))
    running = client.get("/api/ps").json()["models"]
    assert [(m["name"], m["context_length"]) for m in running] == [  # longest-lived first
        ("qwen3:8b", 16384),
        ("gpt-oss:20b", 8192),
        ("llama3.2:3b", 4096),
    ]


def test_pull_of_an_installed_model_sends_each_layer_once_complete(client: httpx.Client) -> None:
    lines = stream_lines(client, "/api/pull", {"model": "llama3.2:3b"})
    layers = [line for line in lines if "digest" in line]
    assert len(layers) == 2 and all(line["completed"] == line["total"] for line in layers)
    assert [line["status"] for line in lines if "digest" not in line] == [
        "pulling manifest",
        "verifying sha256 digest",
        "writing manifest",
        "success",
    ]


def test_cloud_model_answers_401_until_the_server_is_signed_in(
    client: httpx.Client, fake: FakeOllama
) -> None:
    fake.models.append(CLOUD)
    refused = client.post("/api/chat", json=chat_body(CLOUD.name))
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized", "signin_url": SIGNIN_URL})
    v1 = client.post("/v1/chat/completions", json=chat_body(CLOUD.name))
    assert (v1.status_code, v1.json()["error"]["message"]) == (401, "unauthorized")
    unload = client.post("/api/chat", json={"model": CLOUD.name, "messages": [], "keep_alive": 0})
    assert unload.json()["done_reason"] == "unload"  # answered locally, before the cloud is asked
    fake.signed_in = True
    assert split(stream_lines(client, "/api/chat", chat_body(CLOUD.name)))[1] == "You said: hi"
