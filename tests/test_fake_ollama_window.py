"""The stand-in is as unkind as real Ollama: its context window, /v1's error chunk and forced sampling."""

from __future__ import annotations

import json

import httpx

from testkit.fake_ollama import FakeOllama

LONG = "word " * 2000  # 2,000 of the stand-in's tokens


def conversation(turns: int) -> list[dict]:
    """`turns` long exchanges, then a short question."""
    messages = [{"role": "system", "content": "Be brief."}]
    for _ in range(turns):
        messages += [{"role": "user", "content": LONG}, {"role": "assistant", "content": "ok"}]
    return [*messages, {"role": "user", "content": "and now?"}]


def done_line(client: httpx.Client, body: dict) -> dict:
    with client.stream("POST", "/api/chat", json=body) as response:
        return [json.loads(line) for line in response.iter_lines() if line][-1]


def sse(client: httpx.Client, body: dict) -> list[str]:
    """The `data:` payloads of a /v1 stream, read to its end (raises if the connection breaks)."""
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as response:
        return [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]


def test_default_window_drops_the_oldest_messages_and_caps_prompt_eval_count(
    client: httpx.Client, fake: FakeOllama
) -> None:
    done = done_line(client, {"model": "llama3.2:3b", "messages": conversation(4)})
    record = fake.requests[-1]
    assert record.num_ctx == 4096 and record.dropped == 3  # one message at a time, and no error at all
    assert done["done"] and done["done_reason"] == "stop" and done["prompt_eval_count"] <= 4096


def test_the_system_prompt_and_the_last_message_always_stay(client: httpx.Client, fake: FakeOllama) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": LONG * 3}]
    done = done_line(client, {"model": "llama3.2:3b", "messages": messages})
    assert fake.requests[-1].dropped == 0 and done["prompt_eval_count"] == 4096  # the runner truncates


def test_gpt_oss_gets_8192_by_default(client: httpx.Client, fake: FakeOllama) -> None:
    done_line(client, {"model": "gpt-oss:20b", "messages": conversation(4)})
    assert (fake.requests[-1].num_ctx, fake.requests[-1].dropped) == (8192, 0)
    done_line(client, {"model": "gpt-oss:20b", "messages": conversation(5)})
    assert (fake.requests[-1].num_ctx, fake.requests[-1].dropped) == (8192, 1)


def test_num_ctx_in_options_is_honoured_on_api_chat(client: httpx.Client, fake: FakeOllama) -> None:
    body = {"model": "llama3.2:3b", "messages": conversation(3), "options": {"num_ctx": 16384}}
    done = done_line(client, body)
    assert (fake.requests[-1].num_ctx, fake.requests[-1].dropped) == (16384, 0)
    assert done["prompt_eval_count"] > 6000


def test_v1_cannot_set_a_window(client: httpx.Client, fake: FakeOllama) -> None:
    body = {
        "model": "llama3.2:3b",
        "messages": conversation(3),
        "num_ctx": 16384,
        "options": {"num_ctx": 16384},
    }
    usage = json.loads(sse(client, {**body, "stream_options": {"include_usage": True}})[-2])["usage"]
    assert (fake.requests[-1].num_ctx, fake.requests[-1].dropped) == (4096, 1)
    assert usage["prompt_tokens"] <= 4096


def test_v1_forces_top_p_and_a_default_temperature(client: httpx.Client, fake: FakeOllama) -> None:
    sse(client, {"model": "llama3.2:3b", "messages": conversation(0)})
    assert fake.requests[-1].options == {"temperature": 1.0, "top_p": 1.0}
    sse(client, {"model": "llama3.2:3b", "messages": conversation(0), "temperature": 0.3, "max_tokens": 5})
    assert fake.requests[-1].options == {"temperature": 0.3, "top_p": 1.0, "num_predict": 5}
    done_line(client, {"model": "llama3.2:3b", "messages": conversation(0)})
    assert fake.requests[-1].options == {}  # /api/chat: the model's own defaults


def test_v1_error_after_the_first_token_is_an_empty_chunk_and_a_clean_close(
    client: httpx.Client, fake: FakeOllama
) -> None:
    fake.fail("error_line", after=2)
    payloads = sse(client, {"model": "llama3.2:3b", "messages": conversation(0)})  # no RemoteProtocolError
    assert "[DONE]" not in payloads
    *tokens, last = (json.loads(p) for p in payloads)
    assert [t["choices"][0]["delta"]["content"] for t in tokens] == ["You ", "said: "]
    assert last["model"] == "" and last["choices"][0]["finish_reason"] is None
    assert last["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_v1_deltas_carry_content_beside_reasoning(client: httpx.Client) -> None:
    payloads = sse(client, {"model": "qwen3:8b", "messages": conversation(0)})
    first = json.loads(payloads[0])["choices"][0]["delta"]
    assert first == {"role": "assistant", "content": "", "reasoning": "Let "}
    assert payloads[-1] == "[DONE]"


def test_a_token_limit_cuts_the_reply_with_length_on_both_endpoints(client: httpx.Client) -> None:
    body = {"model": "llama3.2:3b", "messages": conversation(0)}
    done = done_line(client, {**body, "options": {"num_predict": 2}})
    assert (done["done_reason"], done["eval_count"]) == ("length", 2)
    payloads = sse(client, {**body, "max_tokens": 2, "stream_options": {"include_usage": True}})
    finish, usage = json.loads(payloads[-3]), json.loads(payloads[-2])
    assert finish["choices"][0]["finish_reason"] == "length" and usage["usage"]["completion_tokens"] == 2
