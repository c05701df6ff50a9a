"""Thinking written inline in the answer text (`<think>…</think>`, as DeepSeek-R1 and Qwen3 templates do),
split from the answer as chunks arrive."""

from __future__ import annotations


class ThinkSplitter:
    """Splits `<think>…</think>` written inline in answer text into thinking and answer parts.

    Tags may arrive cut across chunks; a possible partial tag is held back until the next chunk.
    """

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self._buf = ""
        self._inside = False
        self._seen_text = False
        self._after_close = False  # newlines right after </think> belong to neither part

    def feed(self, text: str) -> list[tuple[str, str]]:
        """Return (kind, text) pieces, kind being "thinking" or "answer"."""
        self._buf += text
        out: list[tuple[str, str]] = []
        while self._buf:
            tag = self.CLOSE if self._inside else self.OPEN
            kind = "thinking" if self._inside else "answer"
            at = self._buf.find(tag)
            if at >= 0 and (self._inside or not (self._seen_text or self._buf[:at].strip())):
                self._emit(out, kind, self._buf[:at])
                self._buf = self._buf[at + len(tag) :]
                self._inside = not self._inside
                self._after_close = not self._inside
                continue
            keep = _partial_suffix(self._buf, tag)
            self._emit(out, kind, self._buf[: len(self._buf) - keep])
            self._buf = self._buf[len(self._buf) - keep :]
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        self._emit(out, "thinking" if self._inside else "answer", self._buf)
        self._buf = ""
        return out

    def _emit(self, out: list[tuple[str, str]], kind: str, text: str) -> None:
        if self._after_close and kind == "answer":
            text = text.lstrip("\n")
            self._after_close = not text
        if text:
            out.append((kind, text))
            self._seen_text = self._seen_text or bool(text.strip())


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that could start `tag`."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-n:]):
            return n
    return 0
