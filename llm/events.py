"""The streamed event type shared by the chat page, the compare page, exports and tests."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llm.errors import LLMError

EventKind = Literal["waiting", "retry", "thinking", "answer", "usage", "finished", "error", "done"]


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
        return self._since_start(self.first_token)

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
        if self.ttft is not None:
            parts.append(f"first token {self.ttft:.2f} s")
        if self.thinking_seconds is not None:
            parts.append(f"thinking {self.thinking_seconds:.1f} s")
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

    def as_dict(self) -> dict[str, float | int | str | None]:
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
