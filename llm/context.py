"""The context window: a token estimate of a conversation, the window Auto asks Ollama for, how full it is.

Ollama's default window is 4,096 tokens, and a longer conversation silently loses its oldest messages
(server/prompt.go). The app sends `options.num_ctx` itself: big enough for the conversation and the
reply, rounded up to one of a few SIZES (Ollama reloads a model when its window changes, so it must not
change with every message), capped by the model's maximum and by a memory ceiling the person can raise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llm.events import CHARS_PER_TOKEN, Stats

# The heuristic, without the model's tokenizer: CHARS_PER_TOKEN ASCII characters a token (kept beside
# `Stats`, whose thinking estimate uses it too); a character outside ASCII (Chinese, Japanese, emoji, most
# accented words) is counted as a whole token. Each message adds its role markers and template tokens.
MESSAGE_OVERHEAD = 8
IMAGE_TOKENS = (
    768  # what Ollama counts a picture as when it fits a conversation to the window (server/prompt.go)
)
SIZES = (4096, 8192, 16384, 32768, 65536, 131072)
DEFAULT_CEILING = 32768  # Auto's cap unless raised: a window's memory (KV cache) grows with its size
REPLY_ROOM = 2048  # tokens kept free for a reply when Max tokens is not set
THINKING_ROOM = 4096  # for a model that thinks first: its thinking fills the window too
# A message is held back only when the conversation leaves less than this free: Ollama drops messages when
# the prompt alone is too long (server/prompt.go), and a reply that fills the window loses the start of
# the context as it goes. The rest of the reply room is what Auto aims for, not a reason to refuse.
MIN_ROOM = 512


def estimate_tokens(text: str) -> int:
    """Tokens `text` is likely to take (see the heuristic above)."""
    ascii_chars = sum(1 for c in text if c.isascii())
    return math.ceil(ascii_chars / CHARS_PER_TOKEN) + (len(text) - ascii_chars)


def conversation_tokens(messages: Iterable[Mapping[str, Any]], system: str = "") -> int:
    """The estimate for a message list as sent, a system prompt included."""
    parts = [system] if system.strip() else []
    parts += [m.get("content") or "" for m in messages]
    pictures = sum(len(m.get("images") or ()) for m in messages)
    return sum(estimate_tokens(p) + MESSAGE_OVERHEAD for p in parts) + IMAGE_TOKENS * pictures


def reply_room(max_tokens: int | None, thinks: bool) -> int:
    """Tokens to keep free for the reply: Max tokens when set, else room for an answer (and thinking)."""
    return max_tokens or (THINKING_ROOM if thinks else REPLY_ROOM)


@dataclass(frozen=True)
class Window:
    """The window to ask for, what the conversation and its reply need, and the limits that apply."""

    size: int  # num_ctx to send
    needed: int  # estimated prompt tokens plus room for the reply
    prompt: int  # estimated prompt tokens
    maximum: int | None  # the model's own maximum (`/api/show`), when known
    fixed: bool  # a size the person chose, not Auto

    @property
    def fits(self) -> bool:
        """Whether the conversation fits, with room at least to begin the reply."""
        return self.prompt + min(MIN_ROOM, self.needed - self.prompt) <= self.size

    def warning(self) -> str | None:
        """What to tell the person before sending a message that would not fit, or None if it fits."""
        if self.fits:
            return None
        need = f"This conversation is about {short(self.prompt)} tokens with your message"
        if self.maximum is not None and self.prompt + MIN_ROOM > self.maximum:
            return (
                f"{need}, more than this model's maximum context of {short(self.maximum)}. Ollama would "
                "silently drop the oldest messages. Start a new chat (it can begin with this message), "
                "or lower Max tokens."
            )
        raise_it = (
            "choose a bigger Context in the sidebar's Generation settings"
            if self.fixed
            else "raise the ceiling with a fixed Context in the sidebar (or OLLAMA_MAX_CTX)"
        )
        return (
            f"{need}, more than the {short(self.size)} context window in use. Ollama would silently "
            f"drop the oldest messages. Start a new chat, or {raise_it}"
            + (f" (this model takes up to {short(self.maximum)})." if self.maximum else ".")
        )


def choose(
    prompt: int, room: int, maximum: int | None, fixed: int | None = None, ceiling: int = DEFAULT_CEILING
) -> Window:
    """The window for a prompt of `prompt` tokens and `room` for the reply.

    `fixed` is a size the person chose (capped only by the model's maximum); otherwise Auto takes the
    smallest of SIZES that holds both, capped by the model's maximum and by `ceiling`.
    """
    needed = prompt + room
    if fixed:
        size = min(fixed, maximum) if maximum else fixed
        return Window(size, needed, prompt, maximum, True)
    cap = min(ceiling, maximum) if maximum else ceiling
    size = next((s for s in SIZES if s >= needed), SIZES[-1])
    return Window(min(size, cap), needed, prompt, maximum, False)


def short(tokens: int) -> str:
    """'850', '5.1k', '16k': token counts as people say them (k = 1,024, as window sizes go)."""
    if tokens < 1000:
        return str(tokens)
    return f"{tokens / 1024:.1f}".removesuffix(".0") + "k"


def fullness(used: int | None, size: int | None, estimated: bool = False) -> str | None:
    """'5.1k of 16k context' under a reply; `estimated` marks a count the server did not report."""
    if used is None or not size:
        return None
    return f"{'~' if estimated else ''}{short(used)} of {short(size)} context"


def used(stats: Stats) -> tuple[int, bool] | None:
    """Tokens of the window a reply left filled, and whether that is an estimate.

    The server's counts when it sent them (prompt_eval_count + eval_count), else the prompt's estimate
    plus the reply's text at the same rate (a reply that broke off reports nothing).
    """
    if stats.prompt_tokens is not None and stats.completion_tokens is not None:
        return stats.prompt_tokens + stats.completion_tokens, False
    if stats.prompt_estimate is None:
        return None
    reply = math.ceil((stats.thinking_chars + stats.answer_chars) / CHARS_PER_TOKEN)
    return stats.prompt_estimate + reply, True


def window_line(stats: Stats | None) -> str | None:
    """'5.1k of 16k context' for a reply sent with a known window."""
    if stats is None or not stats.context_size:
        return None
    filled = used(stats)
    return fullness(filled[0], stats.context_size, filled[1]) if filled else None


def limit_note(stats: Stats | None) -> str | None:
    """'Cut at the 2,048-token limit' under a reply a limit cut (finish reason "length"), or None."""
    if stats is None or stats.finish_reason != "length":
        return None
    if stats.max_tokens:
        return f"Cut at the {stats.max_tokens:,}-token limit"
    if stats.context_size:
        return f"Cut at the {short(stats.context_size)} context window"
    return "Cut at the model's length limit"


def limit_advice(stats: Stats) -> str:
    """Which setting lets the next reply run longer."""
    if stats.max_tokens:
        return "raise Max tokens in the sidebar's Generation settings"
    if stats.context_size:
        return "choose a bigger Context in the sidebar's Generation settings"
    return "raise the model's limit"
