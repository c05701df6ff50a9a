"""Turns, figures and comparisons read back from what they exported: the same bytes again."""

from __future__ import annotations

import json
import time

import pytest

from llm.compare import Comparison
from llm.conversation import Turn, from_json, to_json
from llm.errors import ImportFailed
from llm.events import Stats
from llm.request import ChatRequest, Target

SETTINGS = {"provider": "Ollama", "model": "qwen3:8b", "thinking": "On"}


def measured(thinking: bool = True) -> Stats:
    """A reply timed on the monotonic clock, with offsets that are not whole milliseconds."""
    now = time.monotonic()
    stats = Stats(started=now, first_byte=now + 0.123456, first_token=now + 0.5004999)
    if thinking:
        stats.thinking_started, stats.thinking_ended = now + 0.5004999, now + 2.71828
    stats.ended, stats.prompt_tokens, stats.completion_tokens = now + 3.14159, 9, 77
    stats.thinking_chars, stats.answer_chars, stats.retries, stats.finish_reason = 321, 123, 1, "length"
    return stats


def conversation() -> list[Turn]:
    return [
        Turn("user", "First question\nwith two lines 🌍"),
        Turn("assistant", "Answer", "Thoughts", stats=measured(), settings=SETTINGS),
        Turn("user", "Second"),
        Turn("assistant", "Half", status="stopped", stats=measured(thinking=False), settings=SETTINGS),
        Turn("user", "Third"),
        Turn("assistant", "", status="error", error="Run `ollama pull qwen3:8b`.", settings=SETTINGS),
        Turn("user", "Fourth"),
        Turn("assistant", "Cut", status="interrupted", stats=Stats(started=0.0, first_byte=0.2)),
    ]


def test_an_export_read_back_exports_the_same_bytes() -> None:
    exported = to_json(conversation(), SETTINGS)
    settings, turns = from_json(exported)
    assert settings == SETTINGS and [t.id for t in turns] == [
        t["id"] for t in json.loads(exported)["messages"]
    ]
    assert to_json(turns, settings) == exported


def test_figures_are_computed_from_the_exported_milliseconds() -> None:
    figures = measured().as_dict()
    assert figures["wait_s"] == 0.123 and figures["first_token_s"] == 0.5 and figures["total_s"] == 3.142
    assert figures["thinking_started_s"] == 0.5 and figures["thinking_ended_s"] == 2.718
    assert figures["thinking_s"] == 2.218 and figures["generation_s"] == 2.642
    assert figures["tokens_per_s"] == 77 / 2.642
    rebuilt = Stats.from_dict(figures)
    assert rebuilt.as_dict() == figures and rebuilt.started == 0.0
    assert (
        rebuilt.caption()
        == "first token 0.50 s · thinking 2.2 s (≈56 tokens) · total 3.1 s · 77 tokens · 29.1 tok/s · 1 retry"
    )


def test_thinking_still_open_when_saved_stays_at_its_length() -> None:
    stats = Stats(started=time.monotonic() - 3.0)
    stats.first_token = stats.thinking_started = stats.started + 1.0
    saved = stats.as_dict()
    assert saved["thinking_ended_s"] is None and saved["total_s"] is None
    assert isinstance(saved["thinking_s"], float) and 1.9 < saved["thinking_s"] < 3
    rebuilt = Stats.from_dict(saved)
    time.sleep(0.02)
    assert rebuilt.as_dict()["thinking_s"] == saved["thinking_s"] == rebuilt.as_dict()["thinking_s"]
    assert Stats.from_dict(rebuilt.as_dict()).as_dict() == rebuilt.as_dict()


def test_an_export_from_before_the_offsets_still_reads() -> None:
    old = {"first_token_s": 0.4, "thinking_s": 1.5, "total_s": 3.0, "completion_tokens": 10, "retries": 0}
    stats = Stats.from_dict(old)
    assert (
        stats.thinking_seconds == pytest.approx(1.5) and stats.total == 3.0 and stats.completion_tokens == 10
    )


def test_a_turn_without_an_id_gets_one() -> None:
    turn = Turn.from_dict({"role": "user", "content": "hi"})
    assert len(turn.id) == 32 and turn.id != Turn.from_dict({"role": "user", "content": "hi"}).id


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ImportFailed, match="two messages have the same id"):
        from_json(json.dumps({"messages": [{"id": "a", "role": "user", "content": c} for c in "xy"]}))


def test_a_comparison_record_round_trips_without_the_key() -> None:
    requests = [
        ChatRequest(
            Target("ollama", "gpt-oss:20b", "http://h:11434"),
            [{"role": "user", "content": "q"}],
            "ollama-effort",
            "low",
        ),
        ChatRequest(
            Target("openai", "gpt-5", None, "sk-SECRET"),
            [],
            "openai-effort",
            "high",
            "Be brief",
            0.2,
            500,
            False,
        ),
    ]
    comparison = Comparison.start("q", requests, blind=True)
    comparison.runs.append(
        [Turn("assistant", f"a{i}", stats=measured(), settings=comparison.settings(i)) for i in range(2)]
    )
    comparison.vote(0)
    record = comparison.to_record()
    assert "sk-SECRET" not in json.dumps(record)
    restored = Comparison.from_record(json.loads(json.dumps(record)))
    assert restored.to_record() == record and restored.stopped and not comparison.stopped
    assert restored.requests[1].target.api_key is None and restored.requests[1] == ChatRequest(
        Target("openai", "gpt-5"), [], "openai-effort", "high", "Be brief", 0.2, 500, False
    )
    assert restored.order == comparison.order and restored.votes == [1, 0] and restored.hidden
    assert restored.table() == comparison.table()
