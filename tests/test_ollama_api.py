"""llm/ollama.py over real HTTP against the loopback Ollama server, and llm/pull.py's progress math."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from llm import catalog, rest, runtime
from llm import ollama as api
from llm.errors import BadRequest, ConfigError, ModelNotFound, ServerError, ServerUnreachable, SignInNeeded
from llm.models import thinking_style
from llm.pull import PullProgress, PullTracker, human_duration
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.fake_ollama import SIGNIN_URL, FakeModel, FakeOllama

GB = 1_000_000_000


@pytest.fixture
def dead_url() -> str:
    """A loopback URL on a port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def load(fake: FakeOllama, model: str, keep_alive: object = "5m") -> None:
    """Load a model the way a client does: a chat with no messages."""
    body = {"model": model, "messages": [], "keep_alive": keep_alive}
    assert httpx.post(fake.url + "/api/chat", json=body).json()["done_reason"] == "load"


def names(fake: FakeOllama) -> list[str]:
    return [m.name for m in api.list_models(fake.url)]


def test_list_models_reads_tags_sorted_by_name(ollama: FakeOllama) -> None:
    models = api.list_models(ollama.url)
    assert [m.name for m in models] == [
        "deepseek-inline:7b",
        "gemma3:4b",
        "gpt-oss:20b",
        "llama3.2:3b",
        "qwen3:8b",
    ]
    gpt = models[2]
    assert (gpt.family, gpt.parameter_size, gpt.quantization) == ("gptoss", "20.9B", "MXFP4")
    assert gpt.size == 13_780_000_000


def test_show_reports_capabilities_and_missing_models(ollama: FakeOllama) -> None:
    assert api.show(ollama.url, "gpt-oss:20b").capabilities == {"completion", "tools", "thinking"}
    assert api.show(ollama.url, "gemma3:4b").capabilities == {"completion", "vision"}
    with pytest.raises(ModelNotFound, match="ollama pull nope:1b"):
        api.show(ollama.url, "nope:1b")


def test_server_down_says_start_ollama_serve(dead_url: str) -> None:
    for call in (api.list_models, api.loaded):
        with pytest.raises(ServerUnreachable, match="Start it with `ollama serve`"):
            call(dead_url)
    with pytest.raises(ServerUnreachable, match="Start it with `ollama serve`"):
        next(api.pull(dead_url, "qwen3:0.6b"))


def test_loaded_lists_models_in_memory_with_vram_and_expiry(ollama: FakeOllama) -> None:
    before = datetime.now(UTC)
    load(ollama, "llama3.2:3b", "5m")
    [running] = api.loaded(ollama.url)
    assert (running.name, running.size, running.size_vram) == ("llama3.2:3b", 2_019_000_000, 2_019_000_000)
    assert running.processor == "100% GPU"
    assert running.expires_at is not None
    assert before + timedelta(minutes=5) <= running.expires_at <= datetime.now(UTC) + timedelta(minutes=5)
    assert running.unloads_in(running.expires_at - timedelta(minutes=4, seconds=30)) == "in 4 min 30 s"
    assert running.unloads_in(running.expires_at + timedelta(seconds=1)) == "now"


def test_model_kept_loaded_forever_never_unloads(ollama: FakeOllama) -> None:
    load(ollama, "qwen3:8b", -1)
    [running] = api.loaded(ollama.url)
    assert running.unloads_in(datetime.now(UTC)) == "never (kept loaded)"


@pytest.mark.parametrize(
    ("size", "vram", "shown"),
    [
        (100, 100, "100% GPU"),
        (100, 0, "100% CPU"),
        (100, 52, "48%/52% CPU/GPU"),
        (0, 0, ""),
    ],
)
def test_processor_split_reads_like_ollama_ps(size: int, vram: int, shown: str) -> None:
    assert api.Loaded("m", size, vram, None).processor == shown


def test_times_parse_as_ollama_writes_them() -> None:
    moment = api.parse_time("2025-10-01T12:34:56.123456789-07:00")  # Go writes nanoseconds
    assert moment == datetime(2025, 10, 1, 19, 34, 56, 123456, tzinfo=UTC)
    assert api.parse_time("2025-10-01T12:00:00") == datetime(2025, 10, 1, 12, tzinfo=UTC)
    assert api.parse_time("") is None and api.parse_time(None) is None


def test_unknown_expiry_is_not_shown_as_a_time() -> None:
    now = datetime.now(UTC)
    assert api.Loaded("m", 1, 1, datetime(1, 1, 1, tzinfo=UTC)).unloads_in(now) == "unknown"
    assert api.Loaded("m", 1, 1, None).unloads_in(now) == "unknown"


def test_unload_sends_keep_alive_zero_and_frees_memory(ollama: FakeOllama) -> None:
    load(ollama, "gemma3:4b")
    ollama.reset()
    api.unload(ollama.url, "gemma3:4b")
    assert ollama.chats() == [{"model": "gemma3:4b", "messages": [], "keep_alive": 0}]
    assert api.loaded(ollama.url) == []


def test_delete_removes_the_model_and_a_second_delete_says_it_is_gone(ollama: FakeOllama) -> None:
    api.delete(ollama.url, "gemma3:4b")
    assert "gemma3:4b" not in names(ollama)
    assert [r.body for r in ollama.requests if r.method == "DELETE"] == [{"model": "gemma3:4b"}]
    with pytest.raises(ModelNotFound, match="already removed"):
        api.delete(ollama.url, "gemma3:4b")


def test_delete_unloads_a_loaded_model_first(ollama: FakeOllama) -> None:
    load(ollama, "gemma3:4b")
    load(ollama, "qwen3:8b")
    ollama.reset()
    api.delete(ollama.url, "gemma3:4b")
    sent = [(r.method, r.path, r.body) for r in ollama.requests]
    assert sent == [
        ("POST", "/api/chat", {"model": "gemma3:4b", "messages": [], "keep_alive": 0}),
        ("DELETE", "/api/delete", {"model": "gemma3:4b"}),
    ]
    assert [m.name for m in api.loaded(ollama.url)] == ["qwen3:8b"]


def test_a_delete_alone_would_leave_the_model_listed_in_memory(ollama: FakeOllama) -> None:
    """The stand-in catches the old removal, a DELETE with no unload: Ollama's scheduler keeps the model."""
    load(ollama, "gemma3:4b")
    assert rest.call("DELETE", ollama.url + "/api/delete", {"model": "gemma3:4b"}).ok
    assert [m.name for m in api.loaded(ollama.url)] == ["gemma3:4b"]
    with pytest.raises(ModelNotFound, match="ollama pull gemma3:4b"):
        api.unload(ollama.url, "gemma3:4b")


def test_loaded_reports_the_context_length(ollama: FakeOllama) -> None:
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    httpx.post(ollama.url + "/api/chat", json={**body, "options": {"num_ctx": 16384}}).raise_for_status()
    [running] = api.loaded(ollama.url)
    assert (running.name, running.context_length) == ("qwen3:8b", 16384)
    assert api.Loaded("m", 1, 1, None).context_length == 0  # an older server that does not say


def test_pull_streams_progress_until_success_and_installs(ollama: FakeOllama) -> None:
    lines = list(api.pull(ollama.url, "qwen3:0.6b"))
    pulls = [r.body for r in ollama.requests if r.path == "/api/pull"]
    assert pulls == [{"model": "qwen3:0.6b", "stream": True}]
    assert lines[0] == PullProgress("pulling manifest")
    assert [line.status for line in lines[-3:]] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = {line.digest: line.total for line in lines if line.digest}
    assert len(layers) == 2 and sum(layers.values()) == 522_000_000
    assert "qwen3:0.6b" in names(ollama)


def test_pull_of_unknown_model_says_it_does_not_exist(ollama: FakeOllama) -> None:
    seen: list[PullProgress] = []
    with pytest.raises(ModelNotFound, match="`nope:1b` does not exist in the Ollama library") as caught:
        seen.extend(api.pull(ollama.url, "nope:1b"))
    assert caught.value.status == 404
    assert seen == [PullProgress("pulling manifest")]


def test_pull_cut_off_mid_way_says_it_broke_off(ollama: FakeOllama) -> None:
    ollama.fail("drop", after=3)
    seen: list[PullProgress] = []
    with pytest.raises(ServerError, match=r"broke off.*Press Pull to resume"):
        seen.extend(api.pull(ollama.url, "qwen3:0.6b"))
    assert len(seen) == 3
    assert "qwen3:0.6b" not in names(ollama)
    assert list(api.pull(ollama.url, "qwen3:0.6b"))[-1].status == "success"  # the next pull completes


@pytest.mark.parametrize(
    ("detail", "status", "kind", "words"),
    [
        (
            'pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen3/manifests/8b": dial tcp: '
            "lookup registry.ollama.ai: no such host",
            None,
            ServerUnreachable,
            "internet connection",
        ),
        (
            "max retries exceeded: read tcp 10.0.0.2:5000: connection reset by peer",
            None,
            ServerUnreachable,
            "press Pull again",
        ),
        ("invalid model name", 400, BadRequest, "rejected the pull"),
        ("digest mismatch, file must be downloaded again", None, ServerError, "failed: digest mismatch"),
    ],
)
def test_pull_errors_say_what_to_do(detail: str, status: int | None, kind: type, words: str) -> None:
    error = api.pull_error("qwen3:8b", detail, status)
    assert type(error) is kind
    assert words in str(error) and "qwen3:8b" in str(error)


def test_pull_of_an_installed_model_is_done_at_once(ollama: FakeOllama) -> None:
    tracker = PullTracker(started=0.0)
    fractions = []
    for step, line in enumerate(api.pull(ollama.url, "gpt-oss:20b"), start=1):
        snapshot = tracker.update(line, now=float(step))
        if line.digest:
            fractions.append(snapshot.fraction)
    assert fractions == [1.0, 1.0]  # each layer arrives complete: the bar is full from the first layer
    assert snapshot.finished and snapshot.fetched == 0
    assert snapshot.summary("gpt-oss:20b") == "`gpt-oss:20b` is up to date: all 13.8 GB were already on disk."


def test_pull_through_tracker_ends_complete(ollama: FakeOllama) -> None:
    ollama.pullable.append(FakeModel("big:1b", size=2 * GB))
    tracker = PullTracker(started=0.0)
    for step, line in enumerate(api.pull(ollama.url, "big:1b"), start=1):
        snapshot = tracker.update(line, now=float(step))
    assert snapshot.finished and snapshot.fraction == 1.0
    assert snapshot.done == snapshot.total == 2 * GB
    assert snapshot.label() == "Success · 2.0 GB of 2.0 GB"


def test_tracker_sums_layers_and_measures_speed_over_a_window() -> None:
    tracker = PullTracker(started=0.0, window=2.0)
    assert tracker.update(PullProgress("pulling manifest"), now=0.5).total == 0
    assert tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 0), now=1.0).speed is None
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 100), now=2.0)
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 200), now=3.0)
    snapshot = tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 600), now=4.0)
    # the window starts at the newest sample at least 2 s old: t=2 s, 100 bytes
    assert snapshot.speed == pytest.approx((600 - 100) / 2)
    assert snapshot.eta == pytest.approx(400 / 250)
    assert (snapshot.done, snapshot.total, snapshot.fraction) == (600, 1000, 0.6)
    assert snapshot.label() == "Pulling aaa · 600 B of 1.0 KB · 250 B/s · 2 s left"
    snapshot = tracker.update(PullProgress("pulling bbb", "sha256:bbb", 3000, 0), now=4.0)
    assert (snapshot.done, snapshot.total) == (600, 4000)


def test_layer_already_on_disk_counts_as_done_but_not_as_speed() -> None:
    tracker = PullTracker(started=0.0)
    snapshot = tracker.update(PullProgress("pulling aaa", "sha256:aaa", 5 * GB, 5 * GB), now=1.0)
    assert (snapshot.done, snapshot.total, snapshot.speed, snapshot.fetched) == (5 * GB, 5 * GB, None, 0)
    snapshot = tracker.update(PullProgress("success"), now=2.0)
    assert snapshot.summary("qwen3:8b") == "`qwen3:8b` is up to date: all 5.0 GB were already on disk."


def test_summary_of_a_download_gives_size_time_and_average_speed() -> None:
    tracker = PullTracker(started=0.0)
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 2 * GB, 0), now=1.0)
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 2 * GB, 2 * GB), now=41.0)
    snapshot = tracker.update(PullProgress("success"), now=50.0)
    assert snapshot.summary("m:1b") == (
        "Pulled `m:1b` (2.0 GB): 2.0 GB downloaded in 50 s, 40.0 MB/s on average."
    )


def test_speed_and_time_left_are_hidden_when_unknown_or_done() -> None:
    tracker = PullTracker(started=0.0)
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 0), now=1.0)
    tracker.update(PullProgress("pulling aaa", "sha256:aaa", 1000, 1000), now=2.0)
    assert tracker.update(PullProgress("verifying sha256 digest"), now=3.0).label() == (
        "Verifying sha256 digest · 1.0 KB of 1.0 KB"
    )


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.4, "under 1 s"),
        (45, "45 s"),
        (278, "4 min 38 s"),
        (300, "5 min"),
        (7500, "2 h 5 min"),
    ],
)
def test_human_duration(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_openai_compatible_server_lists_its_models(ollama: FakeOllama) -> None:
    listed = catalog.compatible_models(ollama.url + "/v1", api_key="sk-local")
    assert [m.name for m in listed] == [m.name for m in ollama.models]
    assert {m.provider for m in listed} == {"openai_compatible"}


def test_openai_compatible_list_at_a_wrong_url_says_check_the_base_url(ollama: FakeOllama) -> None:
    with pytest.raises(ServerUnreachable, match=r"\(HTTP 404\).*Check the base URL"):
        catalog.compatible_models(ollama.url)  # without /v1


def test_openai_compatible_list_from_a_server_that_is_down_or_not_a_list(
    dead_url: str, ollama: FakeOllama
) -> None:
    with pytest.raises(ServerUnreachable, match=r"\(ConnectionRefusedError\).*Check the base URL"):
        catalog.compatible_models(dead_url + "/v1")
    with pytest.raises(ServerUnreachable, match=r"\(the answer was not a model list\)"):
        catalog.compatible_models(ollama.url + "/api/tags?")  # Ollama's own list has no "data"


def test_a_server_that_accepts_but_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections queue up and are never read
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/tags"
        with pytest.raises(rest.Unreachable, match="TimeoutError"):
            rest.call("GET", url, timeout=0.3)


def test_a_server_that_is_not_ollama_says_check_the_url(ollama: FakeOllama) -> None:
    not_ollama = ollama.url + "/?"  # every call lands on the root page, which answers in plain text
    for call in (api.list_models, api.loaded):
        with pytest.raises(ServerError, match=r"something other than Ollama's JSON.*Check the Ollama URL"):
            call(not_ollama)


def custom_gpt_oss(ollama: FakeOllama) -> FakeModel:
    """A model named like gpt-oss that is not of its family (a fine-tune of llama that can think)."""
    model = FakeModel("gpt-oss-x:latest", ["completion", "thinking"], "llama", "8.0B")
    ollama.models.append(model)
    return model


def reply(target: Target, style: str, level: str | None) -> dict[str, str]:
    """A chat through llm/ and litellm: the text of each kind of event."""
    request = ChatRequest(target, [{"role": "user", "content": "hi"}], style, level)  # type: ignore[arg-type]
    texts: dict[str, str] = {}
    for event in runtime.iterate(stream_chat(request, Limits(retries=0))):
        texts[event.kind] = texts.get(event.kind, "") + event.text
    return texts


def test_gpt_oss_is_told_by_family_and_template_not_by_name(ollama: FakeOllama) -> None:
    custom = custom_gpt_oss(ollama)
    real = api.show(ollama.url, "gpt-oss:20b")
    assert real.harmony and thinking_style(real) == "ollama-effort"
    named = api.show(ollama.url, custom.name)
    assert not named.harmony and thinking_style(named) == "ollama-toggle"


def test_a_model_named_gpt_oss_gets_a_true_or_false_think(ollama: FakeOllama) -> None:
    custom = custom_gpt_oss(ollama)
    style = thinking_style(api.show(ollama.url, custom.name))
    texts = reply(Target("ollama", custom.name, ollama.url), style, "medium")
    assert ollama.chats()[-1]["think"] is True
    assert "error" not in texts and texts["answer"] == "You said: hi"


@pytest.mark.parametrize("capabilities", [["completion", "thinking"], ["completion"]])  # /api/chat, /v1
def test_cloud_model_not_signed_in_says_run_ollama_signin(
    ollama: FakeOllama, capabilities: list[str]
) -> None:
    cloud = FakeModel("gpt-oss:120b-cloud", capabilities, "gptoss", "116.8B")
    ollama.models.append(cloud)
    style = thinking_style(api.show(ollama.url, cloud.name))
    texts = reply(Target("ollama", cloud.name, ollama.url), style, "high")
    assert "Run `ollama signin`" in texts["error"] and "rejected the API key" not in texts["error"]
    ollama.signed_in = True
    texts = reply(Target("ollama", cloud.name, ollama.url), style, "high")
    assert "error" not in texts and texts["answer"] == "You said: hi"


def test_a_401_from_ollama_s_rest_api_says_run_ollama_signin(ollama: FakeOllama) -> None:
    ollama.models.append(FakeModel("gpt-oss:120b-cloud", ["completion", "thinking"], "gptoss"))
    load = {"model": "gpt-oss:120b-cloud", "messages": [], "keep_alive": "5m"}  # loading asks the cloud
    with pytest.raises(SignInNeeded, match=r"Run `ollama signin`") as caught:
        api._call(ollama.url, "POST", "/api/chat", load)
    assert caught.value.status == 401 and SIGNIN_URL in str(caught.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///etc/passwd#", "must start with http:// or https://"),
        ("ftp://example.com", "must start with http:// or https://"),
        ("http://", "names no host"),
        ("http://localhost:port", "is not a valid URL"),
        ("localhost:11434", "must start with http:// or https://"),
    ],
)
def test_a_base_url_that_is_not_http_is_refused_with_a_message(url: str, problem: str) -> None:
    for call in (api.list_models, api.loaded, lambda base: list(api.pull(base, "qwen3:8b"))):
        with pytest.raises(ConfigError, match=f"cannot be used: it {problem}.*http://localhost:11434"):
            call(url)
    with pytest.raises(ConfigError, match=f"base URL `{re.escape(url)}` cannot be used: it {problem}"):
        catalog.compatible_models(url)
    with pytest.raises(rest.BadURL):  # the transport refuses too, whoever calls it
        rest.call("GET", url + "/api/tags")


def test_a_chat_to_a_url_that_is_not_http_says_so() -> None:
    texts = reply(Target("ollama", "qwen3:8b", "file:///etc/passwd#"), "ollama-toggle", "on")
    assert "`file:///etc/passwd#` cannot be used: it must start with http:// or https://" in texts["error"]
    assert "root:" not in texts["error"]
