"""llm.stream against the loopback Ollama-protocol server: the wire, the events, retries and failures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from llm import errors, runtime
from llm.events import Event
from llm.request import ChatRequest, Limits, Target, request_kwargs
from llm.stream import stream_chat
from llm.think_tags import ThinkSplitter
from testkit.fake_ollama import FakeModel, FakeOllama

FAST = Limits(retries=2, backoff=0.05, backoff_cap=0.2, stall=2, first_token=10, notice_every=0.2)
HI = [{"role": "user", "content": "hi"}]


def collect(
    server: FakeOllama,
    model: str,
    style: str = "none",
    level: str | None = None,
    limits: Limits = FAST,
    **kw: object,
) -> list[Event]:
    base = kw.pop("base", server.url)
    provider = kw.pop("provider", "ollama")
    request = ChatRequest(Target(provider, model, base), HI, style, level, **kw)  # type: ignore[arg-type]
    return list(runtime.iterate(stream_chat(request, limits)))


def text(events: list[Event], kind: str) -> str:
    return "".join(e.text for e in events if e.kind == kind)


def error(events: list[Event]) -> errors.LLMError | None:
    return next((e.error for e in events if e.kind == "error"), None)


@pytest.mark.parametrize(
    ("model", "style", "level", "think"),
    [
        ("gpt-oss:20b", "ollama-effort", "low", "low"),
        ("gpt-oss:20b", "ollama-effort", "medium", "medium"),
        ("gpt-oss:20b", "ollama-effort", "high", "high"),
        ("qwen3:8b", "ollama-toggle", "on", True),
        ("qwen3:8b", "ollama-toggle", "off", False),
    ],
)
def test_think_on_the_wire(ollama: FakeOllama, model: str, style: str, level: str, think: object) -> None:
    events = collect(ollama, model, style, level)
    assert ollama.chats()[-1]["think"] == think
    assert text(events, "answer") == "You said: hi"
    assert events[-1].kind == "done"


def test_thinking_streams_before_the_answer(ollama: FakeOllama) -> None:
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "high")
    kinds = [e.kind for e in events if e.kind in ("thinking", "answer")]
    assert kinds.index("answer") > kinds.index("thinking")
    assert "thinking" not in kinds[kinds.index("answer") :]
    assert text(events, "thinking") == "Let me think about this. The user said hi."
    stats = events[-1].stats
    assert stats is not None and stats.completion_tokens == 9 + 3 and stats.prompt_tokens
    assert stats.thinking_seconds is not None and stats.ttft is not None and stats.tokens_per_second


@pytest.mark.parametrize(
    ("model", "style", "level"), [("qwen3:8b", "ollama-toggle", "on"), ("llama3.2:3b", "none", None)]
)
def test_the_end_of_the_text_is_marked_before_the_stream_closes(
    ollama: FakeOllama, model: str, style: str, level: str | None
) -> None:
    at = next(i for i, m in enumerate(ollama.models) if m.name == model)
    ollama.models[at] = FakeModel(model, ["completion", "thinking"] if level else [], answer_tokens=2000)
    # litellm assembles the whole reply before it closes the stream: no "Waiting for the server" then
    events = collect(ollama, model, style, level, Limits(notice_every=0.01))
    kinds = [e.kind for e in events]
    finished = kinds.index("finished")
    assert kinds.count("finished") == 1 and finished < kinds.index("done")
    assert not {"thinking", "answer", "waiting"} & set(kinds[finished:])
    assert text(events, "answer").endswith("w1999")
    stats = events[-1].stats
    assert stats.finish_reason == "stop" and stats.ended == events[finished].stats.ended
    assert stats.completion_tokens == 2000 + (9 if level else 0)


def test_qwen_off_streams_no_thinking(ollama: FakeOllama) -> None:
    events = collect(ollama, "qwen3:8b", "ollama-toggle", "off")
    assert text(events, "thinking") == "" and text(events, "answer") == "You said: hi"


def test_model_that_cannot_think_gets_no_think_key(ollama: FakeOllama) -> None:
    events = collect(ollama, "llama3.2:3b", "none", "high")
    assert "think" not in ollama.chats()[-1]
    assert text(events, "answer") == "You said: hi" and error(events) is None


def test_think_sent_to_a_model_that_cannot_think_says_so(ollama: FakeOllama) -> None:
    events = collect(ollama, "llama3.2:3b", "ollama-toggle", "on")
    assert isinstance(error(events), errors.ThinkingUnsupported)
    assert "cannot think" in text(events, "error")
    assert len(ollama.chats()) == 1  # a bad request is not retried


def test_hidden_thinking_is_timed_but_not_sent(ollama: FakeOllama) -> None:
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low", show_thinking=False)
    assert text(events, "thinking") == ""
    assert events[-1].stats.thinking_chars > 0 and events[-1].stats.thinking_seconds is not None


def test_generation_options_reach_ollama(ollama: FakeOllama) -> None:
    events = collect(
        ollama, "qwen3:8b", "ollama-toggle", "off", system="Be brief.", temperature=0.2, max_tokens=2
    )
    body = ollama.chats()[-1]
    assert (body["messages"][0]["role"], body["messages"][0]["content"]) == ("system", "Be brief.")
    assert body["options"]["temperature"] == 0.2 and body["options"]["num_predict"] == 2
    assert text(events, "answer") == "You said: " and events[-1].stats.finish_reason == "length"


def test_every_ollama_chat_goes_to_api_chat_with_its_window(ollama: FakeOllama) -> None:
    # Before, a model that cannot think went to /v1, which sets no window and samples at top_p 1.0.
    events = collect(ollama, "llama3.2:3b", temperature=0.2, max_tokens=2, num_ctx=8192)
    request = [r for r in ollama.requests if r.method == "POST"][-1]
    assert request.path == "/api/chat" and "think" not in request.body
    assert request.body["options"] == {"temperature": 0.2, "num_predict": 2, "num_ctx": 8192}
    assert request.num_ctx == 8192 and "top_p" not in request.options  # the model's own top_p
    stats = events[-1].stats
    assert text(events, "answer") == "You said: " and stats.completion_tokens == 2
    assert (stats.finish_reason, stats.max_tokens, stats.context_size) == ("length", 2, 8192)


def test_without_num_ctx_the_window_is_ollamas_default_and_drops_the_oldest_messages(
    ollama: FakeOllama,
) -> None:
    long = [{"role": "user", "content": "word " * 3000}, {"role": "assistant", "content": "ok"}]
    request = ChatRequest(Target("ollama", "llama3.2:3b", ollama.url), [*long, *long, *HI])
    events = list(runtime.iterate(stream_chat(request, FAST)))
    record = [r for r in ollama.requests if r.path == "/api/chat"][-1]
    assert "num_ctx" not in (record.body.get("options") or {})
    assert record.num_ctx == 4096 and record.dropped == 1  # silently, as server/prompt.go does
    assert events[-1].stats.prompt_tokens <= 4096
    sized = ChatRequest(Target("ollama", "llama3.2:3b", ollama.url), [*long, *long, *HI], num_ctx=8192)
    list(runtime.iterate(stream_chat(sized, FAST)))
    record = [r for r in ollama.requests if r.path == "/api/chat"][-1]
    assert (record.body["options"]["num_ctx"], record.num_ctx, record.dropped) == (8192, 8192, 0)


def test_litellm_puts_num_ctx_in_options_on_api_chat(ollama: FakeOllama) -> None:
    """litellm's own ollama_chat route does the same (for anyone who calls it directly)."""
    litellm = runtime.litellm()

    async def call() -> None:
        stream = await litellm.acompletion(
            model="ollama_chat/llama3.2:3b", api_base=ollama.url, messages=HI, stream=True, num_ctx=16384
        )
        async for _ in stream:
            pass

    runtime.run(call())
    record = [r for r in ollama.requests if r.path == "/api/chat"][-1]
    assert record.body["options"]["num_ctx"] == 16384 and record.num_ctx == 16384


def test_openai_compatible_v1_forces_sampling_defaults(ollama: FakeOllama) -> None:
    collect(ollama, "llama3.2:3b", provider="openai_compatible", base=ollama.url + "/v1")
    record = [r for r in ollama.requests if r.path == "/v1/chat/completions"][-1]
    assert record.options["top_p"] == 1.0 and record.options["temperature"] == 1.0
    assert record.num_ctx == 4096  # /v1 has no way to set a window


def test_a_v1_error_after_the_first_token_is_a_cut_off_reply_without_invented_figures(
    ollama: FakeOllama,
) -> None:
    ollama.fail("error_line", after=2)
    events = collect(ollama, "llama3.2:3b", provider="openai_compatible", base=ollama.url + "/v1")
    assert text(events, "answer") == "You said: "
    assert isinstance(error(events), errors.StreamBroken) and "cut off" in str(error(events))
    stats = events[-1].stats
    # litellm reports finish_reason "stop" and estimated usage here: neither reaches the reply
    assert stats.finish_reason is None and stats.completion_tokens is None and stats.tokens_per_second is None
    assert "finished" not in [e.kind for e in events]


def test_an_api_chat_stream_that_ends_without_done_is_cut_off(ollama: FakeOllama) -> None:
    ollama.fail("error_line", after=2)
    events = collect(ollama, "llama3.2:3b")
    assert text(events, "answer") == "You said: " and isinstance(error(events), errors.StreamBroken)
    assert events[-1].stats.completion_tokens is None


def test_inline_think_tags_from_ollama_are_split(ollama: FakeOllama) -> None:
    events = collect(ollama, "deepseek-inline:7b")
    assert text(events, "thinking").strip() == "Let me think about this. The user said hi."
    assert text(events, "answer") == "You said: hi"


def test_unreachable_server_names_the_url_and_ollama_serve(ollama: FakeOllama) -> None:
    events = collect(ollama, "gpt-oss:20b", base="http://127.0.0.1:9")
    err = error(events)
    assert isinstance(err, errors.ServerUnreachable)
    assert "http://127.0.0.1:9" in str(err) and "ollama serve" in str(err)
    assert events[-1].stats.retries == FAST.retries


def test_missing_model_says_ollama_pull_and_is_not_retried(ollama: FakeOllama) -> None:
    events = collect(ollama, "nosuch:1b")
    assert isinstance(error(events), errors.ModelNotFound)
    assert "ollama pull nosuch:1b" in str(error(events))
    assert len(ollama.chats()) == 1


@pytest.mark.parametrize("fault", ["503", "500", "429"])
def test_retried_before_the_first_token(ollama: FakeOllama, fault: str) -> None:
    ollama.fail(fault)
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low")
    assert [e.kind for e in events].count("retry") == 1
    assert text(events, "answer") == "You said: hi" and error(events) is None
    assert len(ollama.chats()) == 2 and events[-1].stats.retries == 1


def test_gives_up_after_the_configured_retries(ollama: FakeOllama) -> None:
    ollama.fail("503", times=10)
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low")
    assert isinstance(error(events), errors.ServerBusy)
    assert len(ollama.chats()) == FAST.retries + 1


@pytest.mark.parametrize("fault", ["drop", "error_line"])
def test_broken_stream_keeps_what_arrived_and_is_not_retried(ollama: FakeOllama, fault: str) -> None:
    ollama.token_delay = 0.01  # lines sent in one burst may be lost with the connection, as on a real network
    ollama.fail(fault, after=10)  # 9 thinking lines and the first answer token
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low")
    assert text(events, "thinking") == "Let me think about this. The user said hi."
    assert text(events, "answer") == "You "
    assert isinstance(error(events), errors.StreamBroken)
    assert "kept" in str(error(events))
    assert len(ollama.chats()) == 1


def test_stall_ends_at_the_stall_timeout(ollama: FakeOllama) -> None:
    ollama.fail("stall", after=3, seconds=30)
    limits = Limits(stall=1.5, retries=0, notice_every=0.3)
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low", limits=limits)
    assert isinstance(error(events), errors.StreamBroken)
    assert "stopped sending" in str(error(events)) and text(events, "thinking") == "Let me think "
    # while nothing arrives the page keeps getting events: it can show the wait and act on Stop
    after_thinking = [
        e.text for e in events[[e.kind for e in events].index("thinking") :] if e.kind == "waiting"
    ]
    assert after_thinking and all(t.startswith("Waiting for the server…") for t in after_thinking)


def test_slow_first_byte_reports_loading(ollama: FakeOllama) -> None:
    ollama.first_byte_delay = 1.0
    events = collect(ollama, "gpt-oss:20b", "ollama-effort", "low")
    waiting = [e.text for e in events if e.kind == "waiting"]
    assert waiting and all(w.startswith("Loading model…") for w in waiting)
    assert text(events, "answer") == "You said: hi"


def test_first_token_timeout_is_reported_not_retried(ollama: FakeOllama) -> None:
    ollama.first_byte_delay = 5.0
    events = collect(
        ollama, "gpt-oss:20b", "ollama-effort", "low", limits=Limits(first_token=1, notice_every=0.2)
    )
    assert isinstance(error(events), errors.TimedOut)
    assert "LLM_FIRST_TOKEN_TIMEOUT" in str(error(events))
    assert len(ollama.chats()) == 1


def test_missing_cloud_key_names_the_variable(ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    events = collect(ollama, "claude-sonnet-4-5", provider="anthropic", base=None)
    assert isinstance(error(events), errors.MissingKey) and "ANTHROPIC_API_KEY" in str(error(events))


def test_inline_think_tags_from_an_openai_compatible_server_are_split(ollama: FakeOllama) -> None:
    events = collect(ollama, "deepseek-inline:7b", provider="openai_compatible", base=ollama.url + "/v1")
    assert text(events, "thinking").strip() == "Let me think about this. The user said hi."
    assert text(events, "answer").strip() == "You said: hi"
    assert "<think>" not in text(events, "answer")


@pytest.mark.parametrize("cuts", [[1], [2, 5, 9, 20], list(range(1, 40))])
def test_think_splitter_handles_tags_cut_anywhere(cuts: list[int]) -> None:
    raw = "<think>\nweigh <b> options</think>\n\nThe answer, not <think> again."
    pieces, last = [], 0
    for cut in [*cuts, len(raw)]:
        pieces.append(raw[last:cut])
        last = cut
    splitter = ThinkSplitter()
    out = [p for piece in pieces for p in splitter.feed(piece)] + splitter.flush()
    assert "".join(t for k, t in out if k == "thinking") == "\nweigh <b> options"
    assert "".join(t for k, t in out if k == "answer") == "The answer, not <think> again."


def test_text_without_tags_is_all_answer() -> None:
    splitter = ThinkSplitter()
    out = splitter.feed("a < b and <thin") + splitter.feed("king") + splitter.flush()
    assert "".join(t for _, t in out) == "a < b and <thinking"
    assert {k for k, _ in out} == {"answer"}


def test_request_fields_per_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    anthropic = ChatRequest(
        Target("anthropic", "claude-sonnet-4-5"),
        HI,
        "anthropic-budget",
        "medium",
        temperature=0.7,
        max_tokens=1000,
    )
    kwargs = request_kwargs(anthropic, Limits())
    assert kwargs["model"] == "anthropic/claude-sonnet-4-5" and kwargs["api_key"] == "sk-ant-test"
    assert kwargs["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert "temperature" not in kwargs and kwargs["max_tokens"] > 4096
    off = request_kwargs(
        ChatRequest(Target("anthropic", "claude-sonnet-4-5"), HI, "anthropic-budget", "off", temperature=0.7),
        Limits(),
    )
    assert "thinking" not in off and off["temperature"] == 0.7
    typed = ChatRequest(Target("openai", "gpt-5-mini", api_key="sk-typed"), HI, "openai-effort", "high")
    kwargs = request_kwargs(typed, Limits())
    assert kwargs["api_key"] == "sk-typed" and kwargs["reasoning_effort"] == "high" and "think" not in kwargs
    local = request_kwargs(
        ChatRequest(Target("openai_compatible", "gemma", "http://127.0.0.1:1/v1"), HI), Limits()
    )
    assert local["model"] == "hosted_vllm/gemma" and local["api_base"] == "http://127.0.0.1:1/v1"
    assert "sk-typed" not in repr(typed)  # the key never shows in a repr (logs, tracebacks)


def test_an_ollama_error_is_mapped_without_loading_litellm(ollama: FakeOllama) -> None:
    """An Ollama reply is read without litellm, and its error is mapped without it too: loading it (seconds
    of CPU) would hold up every other session of the process, in a process that has not loaded it yet."""
    code = (
        "import sys\n"
        "from llm import runtime\n"
        "from llm.request import ChatRequest, Limits, Target\n"
        "from llm.stream import stream_chat\n"
        f"target = Target('ollama', 'nosuch:1b', {ollama.url!r})\n"
        "request = ChatRequest(target, [{'role': 'user', 'content': 'hi'}])\n"
        "events = list(runtime.iterate(stream_chat(request, Limits(retries=0))))\n"
        "print(events[-2].kind, type(events[-2].error).__name__, 'litellm' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["error", "ModelNotFound", "False"], done.stderr[-2000:]
