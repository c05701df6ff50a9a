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

# The heuristic, without the model's tokenizer: English runs about 4 characters a token in the tokenizers
# of Llama, Qwen, Gemma and gpt-oss, code and numbers fewer, so 3.5 errs on the large side; a character
# outside ASCII (Chinese, Japanese, emoji, most accented words) is counted as a whole token. Each message
# adds its role markers and template tokens.
CHARS_PER_TOKEN = 3.5
MESSAGE_OVERHEAD = 8
SIZES = (4096, 8192, 16384, 32768, 65536, 131072)
DEFAULT_CEILING = 32768  # Auto's cap unless raised: a window's memory (KV cache) grows with its size
REPLY_ROOM = 2048  # tokens kept free for a reply when Max tokens is not set
THINKING_ROOM = 4096  # for a model that thinks first: its thinking fills the window too


def estimate_tokens(text: str) -> int:
    """Tokens `text` is likely to take (see the heuristic above)."""
    ascii_chars = sum(1 for c in text if c.isascii())
    return math.ceil(ascii_chars / CHARS_PER_TOKEN) + (len(text) - ascii_chars)


def conversation_tokens(messages: Iterable[Mapping[str, str]], system: str = "") -> int:
    """The estimate for a message list as sent, a system prompt included."""
    parts = [system] if system.strip() else []
    parts += [m.get("content") or "" for m in messages]
    return sum(estimate_tokens(p) + MESSAGE_OVERHEAD for p in parts)


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
        return self.needed <= self.size

    def warning(self) -> str | None:
        """What to tell the person before sending a message that would not fit, or None if it fits."""
        if self.fits:
            return None
        need = f"This conversation needs about {short(self.needed)} tokens with room for the reply"
        if self.maximum is not None and self.needed > self.maximum:
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
