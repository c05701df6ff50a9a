"""llm.context: the token estimate, the window Auto asks for, its warnings, and the notes under a reply."""

from __future__ import annotations

import pytest

from llm.config import load_settings
from llm.context import (
    DEFAULT_CEILING,
    MESSAGE_OVERHEAD,
    REPLY_ROOM,
    THINKING_ROOM,
    choose,
    conversation_tokens,
    estimate_tokens,
    fullness,
    limit_advice,
    limit_note,
    reply_room,
    short,
    used,
    window_line,
)
from llm.errors import ConfigError
from llm.events import Stats
from llm.ollama import show
from testkit.fake_ollama import FakeOllama


def test_estimate_counts_ascii_at_three_and_a_half_characters_and_the_rest_as_whole_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a" * 35) == 10
    assert estimate_tokens("a" * 36) == 11  # rounded up: the estimate errs on the large side
    assert estimate_tokens("日本語") == 3
    assert estimate_tokens("abcdefg 😀") == 3 + 1


def test_conversation_adds_the_system_prompt_and_each_message_overhead() -> None:
    messages = [{"role": "user", "content": "a" * 35}, {"role": "assistant", "content": "b" * 70}]
    assert conversation_tokens(messages) == 10 + 20 + 2 * MESSAGE_OVERHEAD
    assert conversation_tokens(messages, "c" * 7) == 10 + 20 + 2 + 3 * MESSAGE_OVERHEAD
    assert conversation_tokens(messages, "   ") == conversation_tokens(messages)  # blank: not sent


def test_reply_room_is_max_tokens_or_room_for_an_answer_and_its_thinking() -> None:
    assert reply_room(1000, thinks=True) == 1000
    assert reply_room(None, thinks=False) == REPLY_ROOM
    assert reply_room(None, thinks=True) == THINKING_ROOM


@pytest.mark.parametrize(
    ("prompt", "room", "maximum", "size"),
    [
        (100, 2048, 131072, 4096),  # a short chat: the smallest size
        (2048, 2048, 131072, 4096),  # exactly full still fits
        (2049, 2048, 131072, 8192),  # one more: the next size, not 4097 (no reload on every message)
        (10_000, 4096, 131072, 16384),
        (30_000, 4096, 131072, DEFAULT_CEILING),  # past the ceiling: capped (and a warning, below)
        (10_000, 4096, 8192, 8192),  # capped by the model's maximum
        (100, 2048, 2048, 2048),  # a model smaller than the smallest size
        (100, 2048, None, 4096),  # maximum unknown: the ceiling alone caps
    ],
)
def test_auto_rounds_up_to_a_few_sizes_and_is_capped(
    prompt: int, room: int, maximum: int | None, size: int
) -> None:
    window = choose(prompt, room, maximum)
    assert (window.size, window.needed, window.fixed) == (size, prompt + room, False)


def test_the_ceiling_can_be_raised() -> None:
    assert choose(30_000, 4096, 131072, ceiling=65536).size == 65536
    assert choose(200_000, 4096, None, ceiling=1_000_000).size == 131072  # the largest size


def test_a_fixed_size_is_sent_as_chosen_up_to_the_models_maximum() -> None:
    assert choose(100, 2048, 131072, fixed=65536).size == 65536  # above the ceiling: the person chose it
    assert choose(100, 2048, 32768, fixed=65536).size == 32768
    assert choose(100, 2048, None, fixed=12000).fixed


def test_warnings_say_what_would_happen_and_what_to_do() -> None:
    assert choose(1000, 2048, 131072).warning() is None
    # room to begin the reply is enough: the rest of the room is what Auto aims for
    assert choose(3500, 4096, 131072, fixed=4096).fits and not choose(3700, 4096, 131072, fixed=4096).fits
    over_max = choose(40_000, 2048, 32768).warning()
    assert over_max and "maximum context of 32k" in over_max and "new chat" in over_max
    over_ceiling = choose(40_000, 2048, 131072).warning()
    assert over_ceiling and "32k context window in use" in over_ceiling and "OLLAMA_MAX_CTX" in over_ceiling
    assert "up to 128k" in over_ceiling and "drop the oldest messages" in over_ceiling
    fixed = choose(5000, 2048, 131072, fixed=4096).warning()
    assert fixed and "about 4.9k tokens with your message" in fixed
    assert fixed and "bigger Context" in fixed


@pytest.mark.parametrize(
    ("tokens", "text"), [(850, "850"), (1024, "1k"), (5222, "5.1k"), (16384, "16k"), (131072, "128k")]
)
def test_short(tokens: int, text: str) -> None:
    assert short(tokens) == text


def test_fullness_uses_the_servers_counts_else_marks_an_estimate() -> None:
    assert fullness(5222, 16384) == "5.1k of 16k context"
    assert fullness(900, 4096, estimated=True) == "~900 of 4k context"
    assert fullness(None, 4096) is None and fullness(10, None) is None
    reported = Stats(prompt_tokens=5000, completion_tokens=222, context_size=16384, prompt_estimate=1)
    assert used(reported) == (5222, False) and window_line(reported) == "5.1k of 16k context"
    broken = Stats(context_size=4096, prompt_estimate=100, answer_chars=35, thinking_chars=35)
    assert used(broken) == (120, True) and window_line(broken) == "~120 of 4k context"
    assert window_line(Stats(prompt_tokens=1, completion_tokens=1)) is None  # no window sent: no line


def test_a_reply_cut_by_a_limit_names_the_limit() -> None:
    assert limit_note(Stats(finish_reason="stop", max_tokens=2048)) is None
    assert limit_note(None) is None
    by_max = Stats(finish_reason="length", max_tokens=2048, context_size=8192)
    assert limit_note(by_max) == "Cut at the 2,048-token limit" and "Max tokens" in limit_advice(by_max)
    by_window = Stats(finish_reason="length", context_size=8192)
    assert limit_note(by_window) == "Cut at the 8k context window" and "Context" in limit_advice(by_window)
    assert limit_note(Stats(finish_reason="length")) == "Cut at the model's length limit"


def test_show_reads_the_models_maximum_context(ollama: FakeOllama) -> None:
    assert show(ollama.url, "qwen3:8b").context_length == 32768  # model_info["qwen3.context_length"]
    assert show(ollama.url, "gpt-oss:20b").context_length == 32768


def test_env_sets_the_window_and_the_ceiling() -> None:
    assert load_settings({}).num_ctx is None and load_settings({}).max_ctx == DEFAULT_CEILING
    assert load_settings({"OLLAMA_NUM_CTX": "auto"}).num_ctx is None
    assert load_settings({"OLLAMA_NUM_CTX": "16384", "OLLAMA_MAX_CTX": "65536"}).num_ctx == 16384
    assert load_settings({"OLLAMA_MAX_CTX": "65536"}).max_ctx == 65536
    for env, says in [
        ({"OLLAMA_NUM_CTX": "big"}, "auto or a size in tokens"),
        ({"OLLAMA_NUM_CTX": "16k"}, "auto or a size in tokens"),
        ({"OLLAMA_NUM_CTX": "100"}, "out of range"),
        ({"OLLAMA_MAX_CTX": "auto"}, "a size in tokens"),
    ]:
        with pytest.raises(ConfigError, match=says):
            load_settings(env)
