"""The streamed event type shared by the chat page, the compare page, exports and tests."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llm.errors import LLMError

EventKind = Literal["waiting", "retry", "thinking", "answer", "usage", "finished", "error", "done"]
# A load shorter than this is a model already in memory: Ollama's load_duration then covers only finding the
# runner (milliseconds). Longer, the model was read from disk first: a cold load, named as such.
COLD_LOAD = 0.5
# Characters a token, without the model's tokenizer: English runs about 4 in the tokenizers of Llama, Qwen,
# Gemma and gpt-oss, code and numbers fewer, so 3.5 errs on the large side. The thinking estimate when no
# token count came at all, and llm.context's estimate of a conversation.
CHARS_PER_TOKEN = 3.5


@dataclass
class Stats:
    """Wall-clock timings (time.monotonic) and token counts of one reply."""

    started: float = field(default_factory=time.monotonic)
    first_byte: float | None = None  # the server answered (after any queueing and model load)
    first_token: float | None = None  # first thinking or answer text
    thinking_started: float | None = None
    thinking_ended: float | None = None
    ended: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    thinking_chars: int = 0
    answer_chars: int = 0
    retries: int = 0
    finish_reason: str | None = None  # as the server sent it: "stop", "length" (a limit cut the reply)
    max_tokens: int | None = None  # the reply's token limit sent, if any
    context_size: int | None = None  # the context window sent (Ollama's num_ctx)
    prompt_estimate: int | None = None  # estimated prompt tokens (llm.context), when none are reported
    server: str | None = None  # the Ollama server that answered, when OLLAMA_API_BASE lists several
    load_seconds: float | None = None  # the model's load before this reply (Ollama's load_duration)
    reasoning_tokens: int | None = None  # thinking tokens in the provider's usage, when it reports them
    reasoning_exact: bool = False  # `reasoning_tokens` is the server's own count, not litellm's estimate

    def end(self) -> None:
        """Mark the reply ended now, unless it already is; thinking still open ends with it."""
        self.ended = self.ended or time.monotonic()
        if self.thinking_started is not None and self.thinking_ended is None:
            self.thinking_ended = self.ended

    def _since_start(self, t: float | None) -> float | None:
        return None if t is None else t - self.started

    @property
    def wait(self) -> float | None:
        """Seconds before the first byte: queueing, model load and prompt processing."""
        return self._since_start(self.first_byte)

    @property
    def ttft(self) -> float | None:
        """Seconds to the first token, as the person waited (a model load included)."""
        return self._since_start(self.first_token)

    @property
    def cold_load(self) -> float | None:
        """Seconds the model took to load before this reply, when it was not in memory yet."""
        return self.load_seconds if self.load_seconds is not None and self.load_seconds >= COLD_LOAD else None

    @property
    def first_token_after_load(self) -> float | None:
        """Seconds to the first token without the model's load: the model's own start, not the disk's."""
        ttft = self.ttft
        return None if ttft is None else max(0.0, ttft - (self.load_seconds or 0.0))

    @property
    def thinking_tokens(self) -> tuple[int, bool] | None:
        """Thinking tokens and whether the count is exact (reported) rather than estimated from the text.

        Reported where the provider counts them (OpenAI, Gemini). Otherwise the reply's output tokens are
        split by the characters of thinking and answer (Ollama counts both together in `eval_count`), or,
        with no count at all (a reply stopped early), the thinking's characters are divided by 3.5.
        """
        reported = self.reasoning_tokens
        if reported is not None and (reported > 0 or not self.thinking_chars):
            return (reported, self.reasoning_exact) if reported or self.thinking_chars else None
        if not self.thinking_chars:
            return None
        chars = self.thinking_chars + self.answer_chars
        if self.completion_tokens:
            return max(1, round(self.completion_tokens * self.thinking_chars / chars)), False
        return math.ceil(self.thinking_chars / CHARS_PER_TOKEN), False

    @property
    def thinking_seconds(self) -> float | None:
        if self.thinking_started is None:
            return None
        end = self.thinking_ended or self.ended or time.monotonic()
        return end - self.thinking_started

    @property
    def total(self) -> float | None:
        return self._since_start(self.ended)

    @property
    def generation_seconds(self) -> float | None:
        """From the first token to the end: the model's own pace, without the wait."""
        if self.first_token is None or self.ended is None:
            return None
        return self.ended - self.first_token

    @property
    def tokens_per_second(self) -> float | None:
        gen = self.generation_seconds
        if not self.completion_tokens or not gen or gen <= 0:
            return None
        return self.completion_tokens / gen

    def caption(self) -> str:
        """One line under a reply: first token, thinking, total, tokens and speed."""
        parts: list[str] = []
        if (cold := self.cold_load) is not None:
            parts.append(f"cold load {cold:.1f} s")
        if (first := self.first_token_after_load) is not None:
            parts.append(f"first token {first:.2f} s" + (" after load" if cold is not None else ""))
        thought = self.thinking_tokens
        counted = f"{'' if thought[1] else '≈'}{thought[0]:,} tokens" if thought else ""
        if self.thinking_seconds is not None:
            parts.append(f"thinking {self.thinking_seconds:.1f} s" + (f" ({counted})" if counted else ""))
        elif counted:
            parts.append(f"{counted} of thinking")  # thinking the provider counts but does not show
        if self.total is not None:
            parts.append(f"total {self.total:.1f} s")
        if self.completion_tokens is not None:
            parts.append(f"{self.completion_tokens} tokens")
        speed = self.tokens_per_second
        if speed is not None:
            parts.append(f"{speed:.1f} tok/s")
        if self.retries:
            parts.append(f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
        return " · ".join(parts)

    def _offset(self, t: float | None) -> float | None:
        """Seconds from the start, rounded to the millisecond: what exports hold, so they round-trip."""
        return None if t is None else round(t - self.started, 3)

    def as_dict(self) -> dict[str, float | int | str | bool | None]:
        """Figures (seconds relative to the start) for tables and exports.

        Every duration is computed from the millisecond offsets exported with it, so `from_dict` rebuilds
        a `Stats` that exports the same figures.
        """
        first_token, ended = self._offset(self.first_token), self._offset(self.ended)
        thinking_started = self._offset(self.thinking_started)
        thinking_ended = self._offset(self.thinking_ended)
        thinking = None
        if thinking_started is not None:
            end = next(
                t for t in (thinking_ended, ended, round(time.monotonic() - self.started, 3)) if t is not None
            )
            thinking = round(end - thinking_started, 3)
        generation = None if first_token is None or ended is None else round(ended - first_token, 3)
        speed = None
        if self.completion_tokens and generation and generation > 0:
            speed = self.completion_tokens / generation
        load = None if self.load_seconds is None else round(self.load_seconds, 3)
        after_load = None if first_token is None else round(max(0.0, first_token - (load or 0.0)), 3)
        thought = self.thinking_tokens
        return {
            "wait_s": self._offset(self.first_byte),
            "first_token_s": first_token,
            "thinking_s": thinking,
            "total_s": ended,
            "generation_s": generation,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "thinking_chars": self.thinking_chars,
            "answer_chars": self.answer_chars,
            "tokens_per_s": speed,
            "retries": self.retries,
            "finish_reason": self.finish_reason,
            "thinking_started_s": thinking_started,
            "thinking_ended_s": thinking_ended,
            "max_tokens": self.max_tokens,
            "context_size": self.context_size,
            "prompt_estimate": self.prompt_estimate,
            "load_s": load,
            "first_token_after_load_s": after_load,
            "thinking_tokens": thought[0] if thought else None,
            "thinking_tokens_exact": thought[1] if thought else None,
            "reasoning_tokens": self.reasoning_tokens,
            "reasoning_exact": self.reasoning_exact,
        }

    @classmethod
    def from_dict(cls, figures: Mapping[str, Any]) -> Stats:
        """The stats `as_dict` exported, timed from 0.0; thinking still open then ends where it was."""

        def number(key: str) -> float | None:
            value = figures.get(key)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

        def count(key: str) -> int | None:
            value = figures.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        thinking_started, thinking_ended = number("thinking_started_s"), number("thinking_ended_s")
        ended, thinking = number("total_s"), number("thinking_s")
        legacy = "thinking_started_s" not in figures  # exported before the offsets were kept
        if thinking is not None and legacy:
            thinking_started = number("first_token_s") or 0.0
        # thinking still open when exported stops where it was (else it would run on the clock of today)
        open_or_legacy = thinking_ended is None and (legacy or ended is None)
        if thinking is not None and thinking_started is not None and open_or_legacy:
            thinking_ended = thinking_started + thinking
        reason = figures.get("finish_reason")
        return cls(
            started=0.0,
            first_byte=number("wait_s"),
            first_token=number("first_token_s"),
            thinking_started=thinking_started,
            thinking_ended=thinking_ended,
            ended=ended,
            prompt_tokens=count("prompt_tokens"),
            completion_tokens=count("completion_tokens"),
            thinking_chars=count("thinking_chars") or 0,
            answer_chars=count("answer_chars") or 0,
            retries=count("retries") or 0,
            finish_reason=reason if isinstance(reason, str) else None,
            max_tokens=count("max_tokens"),
            context_size=count("context_size"),
            prompt_estimate=count("prompt_estimate"),
            load_seconds=number("load_s"),
            reasoning_tokens=count("reasoning_tokens"),
            reasoning_exact=figures.get("reasoning_exact") is True,
        )


@dataclass(frozen=True)
class Event:
    """One step of a streamed reply.

    waiting: still no first token (text says why: "Loading model…"); retry: a retry is scheduled;
    thinking / answer: new text; usage: token counts arrived; finished: the model sent its last text
    (`stats.ended` is set; token counts may still follow); error: `error` says what broke and what to
    do; done: the stream is closed (always last, `stats` final).
    """

    kind: EventKind
    text: str = ""
    stats: Stats | None = None
    error: LLMError | None = None
