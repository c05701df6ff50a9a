"""Turns folded from events, batching for st.write_stream, and the exports."""

from __future__ import annotations

import json
import re
import time

import pytest

from llm.conversation import Turn, answer_chunks, history, to_json, to_markdown, update_interval
from llm.errors import StreamBroken
from llm.events import Event, Stats


def reply_events(tokens: int = 50) -> list[Event]:
    stats = Stats(completion_tokens=tokens)
    return [
        Event("waiting", "Loading model… 1 s"),
        Event("thinking", "Hmm. "),
        Event("thinking", "Yes."),
        *[Event("answer", f"t{i} ") for i in range(tokens)],
        Event("usage", stats=stats),
        Event("done", stats=stats),
    ]


def test_turn_keeps_everything_that_arrived() -> None:
    turn = Turn("assistant", status="streaming")
    for event in reply_events(3):
        turn.apply(event)
    assert (turn.thinking, turn.content, turn.status) == ("Hmm. Yes.", "t0 t1 t2 ", "complete")
    assert turn.stats is not None and turn.notice == ""


def test_error_keeps_partial_answer() -> None:
    turn = Turn("assistant", status="streaming")
    err = StreamBroken("cut off")
    for event in [
        Event("answer", "partial"),
        Event("error", str(err), error=err),
        Event("done", stats=Stats()),
    ]:
        turn.apply(event)
    assert (turn.content, turn.status, turn.error) == ("partial", "error", "cut off")


def test_stop_marks_a_streaming_turn_only() -> None:
    streaming, done = Turn("assistant", "half", status="streaming", stats=Stats()), Turn("assistant", "all")
    streaming.stop()
    done.stop()
    assert streaming.stats is not None and streaming.stats.ended is not None
    assert streaming.status == "stopped" and done.status == "complete"


def test_answer_chunks_yields_each_batch_and_loses_nothing() -> None:
    events = reply_events(500)
    batches = [events[:1], events[1:3], events[3:253], events[253:]]
    turn, redraws = Turn("assistant", status="streaming"), []
    chunks = list(answer_chunks(batches, turn, lambda t: redraws.append((t.content, t.thinking, t.status))))
    assert "".join(chunks) == turn.content == "".join(f"t{i} " for i in range(500))
    assert len(chunks) == 2  # one page update per batch that carried answer text
    assert redraws[0] == ("", "", "streaming")  # the waiting notice, before anything else
    assert redraws[1] == ("", "Hmm. Yes.", "streaming")  # the thinking, once for its batch
    assert redraws[2][0].startswith("t0 ")  # as the answer starts: the thinking block collapses
    assert redraws[-1][2] == "complete"


def test_answer_chunks_skips_redraws_that_change_nothing() -> None:
    turn, redraws = Turn("assistant", status="streaming"), list[Turn]()
    batches = [[Event("answer", "a")], [Event("answer", "b")], [Event("usage", stats=Stats())]]
    assert list(answer_chunks(batches, turn, redraws.append)) == ["a", "b"]
    assert len(redraws) == 1  # only as the answer started


def test_update_interval_grows_with_the_text_and_stops_growing() -> None:
    short, longer, huge = (Turn("assistant", "x" * n) for n in (10, 20_000, 10_000_000))
    thinking = Turn("assistant", thinking="x" * 20_000)
    assert update_interval(short) < update_interval(longer) < update_interval(huge)
    assert update_interval(thinking) == update_interval(longer)
    assert update_interval(huge) == update_interval(Turn("assistant", "x" * 20_000_000))


def test_replies_streaming_at_once_share_the_process_updates() -> None:
    turn = Turn("assistant", "x" * 10)
    alone = update_interval(turn)
    assert update_interval(turn, 5) == alone  # up to five: each as often as alone
    assert update_interval(turn, 10) == pytest.approx(2 * alone, rel=0.01)  # ten: half as often each
    assert update_interval(turn, 10_000) == update_interval(Turn("assistant", "x" * 20_000_000))  # the cap


def test_history_sends_answers_but_not_thinking_or_failed_turns() -> None:
    turns = [
        Turn("user", "q1"),
        Turn("assistant", "a1", thinking="secret"),
        Turn("user", "q2"),
        Turn("assistant", "", status="error", error="boom"),
    ]
    assert history(turns) == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
    ]


def test_exports_mark_thinking_and_carry_settings() -> None:
    stats = Stats(
        started=0.0,
        first_token=0.5,
        thinking_started=0.5,
        thinking_ended=2.0,
        ended=3.0,
        completion_tokens=40,
    )
    settings = {"provider": "Ollama", "model": "gpt-oss:20b", "thinking": "High"}
    turns = [
        Turn("user", "Why is the sky blue?"),
        Turn("assistant", "Rayleigh scattering.", thinking="Light scatters.", stats=stats, settings=settings),
        Turn("user", "More?"),
        Turn("assistant", "Sun", status="stopped", settings=settings),
    ]
    md = to_markdown(turns, settings)
    assert "> **Thinking** (thought for 1.5 s)" in md and "> Light scatters." in md
    assert "gpt-oss:20b" in md and "thinking: High" in md and "_[stopped]_" in md and "16.0 tok/s" in md
    data = json.loads(to_json(turns, settings))
    assert data["settings"] == settings
    assert data["messages"][1]["thinking"] == "Light scatters."
    assert data["messages"][1]["figures"]["completion_tokens"] == 40
    assert data["messages"][3]["status"] == "stopped"


def test_caption_has_the_figures() -> None:
    now = time.monotonic()
    stats = Stats(
        started=now,
        first_token=now + 0.25,
        thinking_started=now + 0.25,
        thinking_ended=now + 4.45,
        ended=now + 6.25,
        completion_tokens=120,
    )
    caption = stats.caption()
    assert "first token 0.25 s" in caption and "thinking 4.2 s" in caption and "total 6.2 s" in caption
    assert "120 tokens" in caption and "20.0 tok/s" in caption


def test_events_after_stop_are_ignored() -> None:
    turn = Turn("assistant", status="streaming", stats=Stats())
    turn.apply(Event("answer", "partial"))
    turn.stop()
    turn.apply(Event("answer", " late"))
    turn.apply(Event("done", stats=Stats()))
    assert (turn.content, turn.status) == ("partial", "stopped")


def test_a_stop_mid_draw_keeps_what_was_shown_and_says_when_thinking_stopped() -> None:
    stats = Stats()
    stats.thinking_started = stats.started
    turn = Turn("assistant", thinking="Let me see. Maybe", status="streaming", stats=stats)
    turn.keep_shown(0, len("Let me see."))
    turn.stop()
    assert turn.thinking == "Let me see." and turn.status == "stopped"
    assert re.fullmatch(r"Stopped after \d+\.\d s", turn.thought_label)
    answered = Turn("assistant", "w0 w1", thinking="Done.", status="stopped", stats=stats)
    assert answered.thought_label.startswith("Thought for ")


def test_markdown_export_is_faithful_but_carries_no_live_html_or_images() -> None:
    answer = "So \\( x^2 \\), $5.\n\n<img src=x onerror=alert(1)>\n\n![chart](http://h/c.png)\n\n```\n<b>kept</b>\n```"
    turns = [
        Turn("user", "<script>x()</script> ![me](http://h/me.png)"),
        Turn("assistant", answer, thinking="<i>hm</i> ![t](http://h/t.png)", settings={"model": "<b>m</b>"}),
    ]
    text = to_markdown(turns, {"model": "<b>m</b>"})
    assert "So \\( x^2 \\), $5." in text and "```\n<b>kept</b>\n```" in text
    assert "&lt;img src=x" in text and "&lt;script>" in text and "> &lt;i>hm&lt;/i>" in text
    assert (
        "[chart](http://h/c.png)" in text
        and "[me](http://h/me.png)" in text
        and "[t](http://h/t.png)" in text
    )
    assert "![" not in text and "<b>m</b>" not in text
