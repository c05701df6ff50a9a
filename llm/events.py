"""The streamed event type shared by the chat page, the compare page, exports and tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

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
    finish_reason: str | None = None

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

    def as_dict(self) -> dict[str, float | int | str | None]:
        """Figures (seconds relative to the start) for tables and exports."""
        return {
            "wait_s": self.wait,
            "first_token_s": self.ttft,
            "thinking_s": self.thinking_seconds,
            "total_s": self.total,
            "generation_s": self.generation_seconds,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "thinking_chars": self.thinking_chars,
            "answer_chars": self.answer_chars,
            "tokens_per_s": self.tokens_per_second,
            "retries": self.retries,
            "finish_reason": self.finish_reason,
        }


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
