"""One step of a streamed reply as the stream engine reads it, whatever the route it came by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chunk:
    """New text, and at the end what the server said about it (never figures it did not send)."""

    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None  # only when the server itself said the reply ended
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None  # of completion_tokens, the thinking (usage details, when reported)
    reasoning_derived: bool = False  # litellm put `text_tokens` beside it: see `Provider.thinking_count`
    load_seconds: float | None = None  # the model's load before the reply (Ollama's load_duration)


def from_litellm(chunk: Any, stream: Any) -> Chunk:
    """A litellm stream chunk, without what litellm made up.

    When a stream closes without the server's finish (Ollama's /v1 writes an error after the first token
    as an empty chunk, then closes cleanly without `[DONE]`: middleware/openai.go), litellm still hands
    out a finish chunk with `finish_reason="stop"` and usage it estimated itself. Its stream wrapper
    keeps the finish reason the server sent in `received_finish_reason`: a finish without one is dropped
    here, and so is usage that follows it.
    """
    choices = getattr(chunk, "choices", None) or []
    delta = choices[0].delta if choices else None
    finish = choices[0].finish_reason if choices else None
    told = getattr(stream, "received_finish_reason", None) or getattr(
        stream, "intermittent_finish_reason", None
    )
    reported = told is not None
    usage = getattr(chunk, "usage", None) if reported else None
    details = getattr(usage, "completion_tokens_details", None) if usage else None
    return Chunk(
        content=(getattr(delta, "content", None) or "") if delta else "",
        reasoning=(getattr(delta, "reasoning_content", None) or "") if delta else "",
        finish_reason=finish if finish and reported else None,
        prompt_tokens=getattr(usage, "prompt_tokens", None) if usage else None,
        completion_tokens=getattr(usage, "completion_tokens", None) if usage else None,
        reasoning_tokens=_reasoning_tokens(details),
        reasoning_derived=getattr(details, "text_tokens", None) is not None,
    )


def _reasoning_tokens(details: Any) -> int | None:
    """`usage.completion_tokens_details.reasoning_tokens`: OpenAI's field, where litellm also puts Gemini's
    `thoughtsTokenCount` and Anthropic's thinking count."""
    count = getattr(details, "reasoning_tokens", None) if details else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
