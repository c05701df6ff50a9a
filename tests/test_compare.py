"""The comparison library: columns streamed at once over HTTP, batching, figures, blind votes, exports."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import closing

import pytest

from llm import runtime
from llm.compare import (
    Column,
    Comparison,
    column_providers,
    column_target,
    merge,
    models_preset,
    redraws,
    thinking_levels_preset,
)
from llm.compare_export import to_json, to_markdown
from llm.config import Settings
from llm.conversation import Turn
from llm.events import Event, Stats
from llm.figures import Spread, counted, figure_lines, phases, spreads
from llm.models import PROVIDERS
from llm.request import ChatRequest, Limits, Target
from testkit.fake_ollama import CHAT_PATHS, FakeOllama

PROMPT = "why is the sky blue"
FAST = Limits(retries=0)


def requests_for(columns: list[Column], prompt: str = PROMPT) -> list[ChatRequest]:
    return [ChatRequest(c.target, [{"role": "user", "content": prompt}], c.style, c.level) for c in columns]


def run_once(comparison: Comparison) -> list[tuple[int, Event, float]]:
    """Stream one run into `comparison`; every (column, event, client time) in arrival order."""
    assert comparison.new_run() is not None
    return [(index, event, time.monotonic()) for index, event in runtime.iterate(comparison.stream(FAST))]


def chat_requests(server: FakeOllama) -> list:
    return [r for r in server.requests if r.method == "POST" and r.path in CHAT_PATHS]


def test_thinking_levels_stream_at_once(ollama: FakeOllama) -> None:
    ollama.token_delay = 0.05
    target = Target("ollama", "gpt-oss:20b", ollama.url)
    columns = thinking_levels_preset(target, "ollama-effort")
    comparison = Comparison.start(PROMPT, requests_for(columns))

    seen = run_once(comparison)

    chats = chat_requests(ollama)
    assert sorted(c.body["think"] for c in chats) == ["high", "low", "medium"]
    first_done = min(t for _, event, t in seen if event.kind == "done")
    assert max(c.arrived for c in chats) < first_done, "a column's request waited for another to finish"
    order = [index for index, event, _ in seen if event.kind in ("thinking", "answer")]
    assert order.index(2) < len(order) - 1 - order[::-1].index(0), "columns did not interleave"
    for turn in comparison.runs[0]:
        assert turn.status == "complete"
        assert turn.content == f"You said: {PROMPT}"
        assert turn.thinking.startswith("Let me think")
        assert turn.stats is not None and turn.stats.completion_tokens
    assert [comparison.settings(i)["thinking"] for i in range(3)] == ["Low", "Medium", "High"]


def test_each_column_sends_its_own_think_value(ollama: FakeOllama) -> None:
    models = [
        (Target("ollama", "gpt-oss:20b", ollama.url), "ollama-effort"),
        (Target("ollama", "qwen3:8b", ollama.url), "ollama-toggle"),
        (Target("ollama", "llama3.2:3b", ollama.url), "none"),
    ]
    columns = [
        Column(models[0][0], "ollama-effort", "high"),
        Column(models[1][0], "ollama-toggle", "off"),
        Column(models[2][0], "none"),
    ]
    comparison = Comparison.start(PROMPT, requests_for(columns))
    run_once(comparison)

    bodies = {c.body["model"]: c.body for c in chat_requests(ollama)}
    assert bodies["gpt-oss:20b"]["think"] == "high"
    assert bodies["qwen3:8b"]["think"] is False
    assert "think" not in bodies["llama3.2:3b"]
    gpt, qwen, llama = comparison.runs[0]
    assert gpt.thinking and not qwen.thinking and not llama.thinking
    assert all(t.content == f"You said: {PROMPT}" for t in comparison.runs[0])


def test_missing_model_leaves_the_other_columns_whole(ollama: FakeOllama) -> None:
    ollama.token_delay = 0.02
    columns = [
        Column(Target("ollama", "gpt-oss:20b", ollama.url), "ollama-effort", "low"),
        Column(Target("ollama", "nope:1b", ollama.url)),
        Column(Target("ollama", "qwen3:8b", ollama.url), "ollama-toggle", "on"),
    ]
    comparison = Comparison.start(PROMPT, requests_for(columns))
    run_once(comparison)

    gpt, missing, qwen = comparison.runs[0]
    assert missing.status == "error"
    assert "ollama pull nope:1b" in missing.error
    assert not missing.content
    for turn in (gpt, qwen):
        assert turn.status == "complete"
        assert turn.content == f"You said: {PROMPT}"
        assert turn.thinking
    table = {row["Figure"]: row for row in comparison.table()}
    assert table["Output tokens"]["B · nope:1b"] == "—"
    assert table["Output tokens"]["A · gpt-oss:20b · Low"].endswith("tokens")


def test_stopping_keeps_what_arrived(ollama: FakeOllama) -> None:
    ollama.token_delay = 0.05
    next(m for m in ollama.models if m.name == "qwen3:8b").answer_tokens = 40  # a slow answer
    columns = thinking_levels_preset(Target("ollama", "qwen3:8b", ollama.url), "ollama-toggle")
    comparison = Comparison.start(PROMPT, requests_for(columns))
    off, on = comparison.new_run()
    with closing(runtime.iterate(comparison.stream(FAST))) as events:
        for _ in redraws(events, [off, on]):
            if off.content and on.thinking:
                break  # what Streamlit's Stop does: the loop ends and the streams are closed
    comparison.stop()

    assert (off.status, on.status) == ("stopped", "stopped")
    assert off.content.startswith("w0") and "w39" not in off.content
    assert on.thinking.startswith("Let") and not on.content
    assert comparison.new_run() is None, "a stopped comparison starts no more runs"


def snapshot(turns: list[Turn]) -> list[tuple]:
    return [(t.status, t.content, t.thinking, t.stats.as_dict() if t.stats else None) for t in turns]


def test_stop_from_the_next_page_run_halts_the_streams_first(ollama: FakeOllama) -> None:
    """Streamlit reruns the page in a new thread while the interrupted run may still be streaming."""
    ollama.token_delay = 0.05
    next(m for m in ollama.models if m.name == "qwen3:8b").answer_tokens = 40
    columns = thinking_levels_preset(Target("ollama", "qwen3:8b", ollama.url), "ollama-toggle")
    comparison = Comparison.start(PROMPT, requests_for(columns))
    off, on = comparison.new_run()
    started = threading.Event()

    def interrupted_run() -> None:
        for _ in runtime.iterate(comparison.stream(FAST)):
            if off.content:
                started.set()

    old = threading.Thread(target=interrupted_run)
    old.start()
    assert started.wait(30)
    comparison.stop()  # what the next run of the page does first
    shown = snapshot([off, on])
    old.join(30)

    assert not old.is_alive()
    assert snapshot([off, on]) == shown, "the replies changed after stop() returned"
    assert (off.status, on.status) == ("stopped", "stopped") and "w39" not in off.content


def test_repeats_sum_up_as_median_and_range(ollama: FakeOllama) -> None:
    columns = thinking_levels_preset(Target("ollama", "gpt-oss:20b", ollama.url), "ollama-effort")
    comparison = Comparison.start(PROMPT, requests_for(columns))
    for _ in range(3):
        run_once(comparison)

    assert len(chat_requests(ollama)) == 9
    summary = comparison.summary(0)
    tokens = [t.stats.completion_tokens for t in comparison.replies(0)]
    assert summary["completion_tokens"] == Spread(sorted(tokens)[1], min(tokens), max(tokens), 3)
    rows = {row["Figure"]: row for row in comparison.table()}
    assert rows["Total time"]["A · gpt-oss:20b · Low"].endswith("3 runs)")
    chart = comparison.chart()
    assert {(r["Column"], r["Phase"]) for r in chart} == {
        (comparison.label(i), phase)
        for i in range(3)
        for phase in ("Loading", "Waiting", "Thinking", "Answering")
    }
    assert all(r["Seconds"] >= 0 for r in chart)


def test_spread_and_counted_replies() -> None:
    assert Spread.of([3.0, None, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0, 3)
    assert Spread.of([None]) is None
    figure_line = figure_lines({**spreads([]), "total_s": Spread(2.0, 1.0, 3.5, 4)})
    assert figure_line == ["Total time: 2.0 s (1.0 to 3.5, 4 runs)"]

    done = Turn("assistant", status="complete", stats=Stats(completion_tokens=10))
    failed = Turn("assistant", status="error", stats=Stats(completion_tokens=1))
    assert counted([done, failed]) == [done.stats]
    assert counted([failed]) == [failed.stats], "with no complete reply the partial figures still show"


def test_phases_split_the_total() -> None:
    stats = Stats(
        started=0.0, first_byte=2.0, first_token=2.0, thinking_started=2.0, thinking_ended=5.0, ended=6.5
    )
    assert phases(stats) == {"Loading": 0.0, "Waiting": 2.0, "Thinking": 3.0, "Answering": 1.5}
    assert phases(Stats(started=0.0)) is None


def folded(turns: list[Turn], *items: tuple[int, str]) -> Iterator[tuple[int, Event]]:
    """Events as `Comparison.stream` hands them on: already folded into their turn."""
    for index, kind in items:
        event = Event(kind, text="x" if kind in ("thinking", "answer") else "")
        turns[index].apply(event)
        yield index, event


def test_redraws_batch_text_per_column() -> None:
    ticks = iter(range(100))
    turns = [Turn("assistant", status="streaming"), Turn("assistant", status="streaming")]
    events = folded(turns, *[(0, "thinking")] * 10, (0, "answer"), (0, "answer"), (0, "done"))

    drawn = list(redraws(events, turns, interval=3, clock=lambda: next(ticks)))

    # thinking at ticks 0..9 is drawn at 0, 3, 6, 9; the first answer (tick 10) and the end (12) at once
    assert drawn == [0] * 6
    assert turns[0].thinking == "x" * 10 and turns[0].content == "xx" and turns[0].status == "complete"


def test_redraws_catch_up_columns_and_flush_at_the_end() -> None:
    ticks = iter(range(100))
    turns = [Turn("assistant", status="streaming"), Turn("assistant", status="streaming")]
    events = folded(turns, (0, "thinking"), (0, "thinking"), *[(1, "thinking")] * 5)

    drawn = list(redraws(events, turns, interval=3, clock=lambda: next(ticks)))

    # column 0's second text (tick 1) is drawn at tick 3, while column 1 streams; column 1's last (tick 6)
    # is drawn at the end
    assert drawn == [0, 1, 0, 1, 1]
    assert turns[0].thinking == "xx" and turns[1].thinking == "x" * 5


async def numbers(start: int, count: int, delay: float) -> AsyncIterator[int]:
    for n in range(start, start + count):
        await asyncio.sleep(delay)
        yield n


def test_merge_tags_items_and_raises_a_broken_stream() -> None:
    async def collect() -> list[tuple[int, int]]:
        return [item async for item in merge([numbers(0, 3, 0.01), numbers(10, 2, 0.015)])]

    got = runtime.run(collect())
    assert sorted(got) == [(0, 0), (0, 1), (0, 2), (1, 10), (1, 11)]
    assert [n for i, n in got if i == 0] == [0, 1, 2]

    async def broken() -> AsyncIterator[int]:
        yield 1
        raise ValueError("bug")

    async def drain() -> None:
        async for _ in merge([numbers(0, 50, 0.01), broken()]):
            pass

    with pytest.raises(ValueError, match="bug"):
        runtime.run(drain())


def test_closing_merge_closes_every_stream() -> None:
    closed: list[int] = []

    async def endless(index: int) -> AsyncIterator[int]:
        try:
            while True:
                await asyncio.sleep(0.01)
                yield index
        finally:
            closed.append(index)

    async def take_one() -> tuple[int, int]:
        merged = merge([endless(0), endless(1), endless(2)])
        first = await merged.__anext__()
        await merged.aclose()
        return first

    assert runtime.run(take_one())[1] in (0, 1, 2)
    assert sorted(closed) == [0, 1, 2]


def test_presets() -> None:
    gpt = Target("ollama", "gpt-oss:20b")
    assert [c.level for c in thinking_levels_preset(gpt, "ollama-effort")] == ["low", "medium", "high"]
    assert [c.level for c in thinking_levels_preset(gpt, "ollama-toggle")] == ["off", "on"]
    assert len(thinking_levels_preset(gpt, "anthropic-budget")) == 4
    assert thinking_levels_preset(gpt, "none") == [Column(gpt), Column(gpt)]

    llama, qwen = Target("ollama", "llama3.2:3b"), Target("ollama", "qwen3:8b")
    other = Target("ollama", "x")
    mixed = [(gpt, "ollama-effort"), (llama, "none"), (qwen, "ollama-toggle"), (other, "none")]
    picked = models_preset(mixed, "high")
    assert [(c.target.model, c.level) for c in picked] == [
        ("gpt-oss:20b", "high"),
        ("qwen3:8b", "on"),
        ("llama3.2:3b", None),
    ]
    assert len(models_preset([(llama, "none")], None)) == 2


def test_column_providers_and_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in PROVIDERS.values():
        if provider.key_var:
            monkeypatch.delenv(provider.key_var, raising=False)
    settings = Settings(ollama_base="http://127.0.0.1:9", compatible_base="")
    assert column_providers("ollama", settings) == ["ollama"]
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    assert column_providers("anthropic", settings) == ["ollama", "anthropic", "groq"]

    sidebar = Target("anthropic", "claude-sonnet-4-5", None, "sk-typed")
    assert column_target("anthropic", "claude-haiku-4-5", sidebar, settings).api_key == "sk-typed"
    local = column_target("ollama", "qwen3:8b", sidebar, settings)
    assert (local.api_base, local.api_key) == ("http://127.0.0.1:9", None)


def test_blind_labels_votes_and_reveal() -> None:
    target = Target("ollama", "gpt-oss:20b", None, "sk-secret-key")
    requests = requests_for(thinking_levels_preset(target, "ollama-effort"))
    comparison = Comparison.start(PROMPT, requests, blind=True, rng=random.Random(3))

    assert sorted(comparison.order) == [0, 1, 2]
    assert sorted(comparison.label(i) for i in range(3)) == ["A", "B", "C"]
    assert comparison.hidden and not comparison.can_reveal
    best = comparison.order[1]  # the column shown as B
    comparison.vote(best)
    comparison.vote(best)
    assert comparison.can_reveal
    comparison.reveal()
    level = comparison.settings(best)["thinking"]
    assert comparison.label(best) == f"B · gpt-oss:20b · {level}"

    exported = json.loads(to_json(comparison))
    shown_b = exported["columns"][1]
    assert (shown_b["label"], shown_b["votes"], shown_b["thinking"]) == ("B", 2, level)
    assert exported["blind"] == {"revealed": True}
    assert f"B · gpt-oss:20b · {level}: 2" in to_markdown(comparison)


def test_exports_carry_prompt_settings_thinking_answers_and_figures(ollama: FakeOllama) -> None:
    target = Target("ollama", "qwen3:8b", ollama.url, "sk-secret-key")
    columns = thinking_levels_preset(target, "ollama-toggle")
    requests = [
        ChatRequest(
            c.target,
            [{"role": "user", "content": PROMPT}],
            c.style,
            c.level,
            system="Be brief.",
            temperature=0.3,
        )
        for c in columns
    ]
    comparison = Comparison.start(PROMPT, requests)
    run_once(comparison)

    data = json.loads(to_json(comparison))
    assert data["prompt"] == PROMPT
    assert data["settings"]["system"] == "Be brief." and data["settings"]["temperature"] == 0.3
    off, on = data["columns"]
    assert (off["model"], off["thinking"], on["thinking"]) == ("qwen3:8b", "Off", "On")
    assert "thinking" not in off["runs"][0] and on["runs"][0]["thinking"].startswith("Let me think")
    assert on["runs"][0]["content"] == f"You said: {PROMPT}"
    assert on["runs"][0]["figures"]["completion_tokens"] > 0
    # Ollama counts thinking and answer together: the thinking's share, marked as an estimate
    assert on["summary"]["thinking_tokens"]["estimated"] is True
    assert 0 < on["summary"]["thinking_tokens"]["median"] < on["runs"][0]["figures"]["completion_tokens"]

    markdown = to_markdown(comparison)
    assert f"> {PROMPT}" in markdown and "> Be brief." in markdown
    assert "## B · qwen3:8b · On" in markdown and "> **Thinking** (thought for" in markdown
    assert "| Figure | A · qwen3:8b · Off | B · qwen3:8b · On |" in markdown
    assert markdown.count(f"You said: {PROMPT}") == 2
    for text in (markdown, to_json(comparison)):
        assert "sk-secret-key" not in text
