"""A conversation as data: turns that streamed events fill in, and its Markdown and JSON exports."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from llm.context import limit_note, window_line
from llm.errors import ImportFailed
from llm.events import Event, Stats
from llm.images import Image
from llm.markdown import for_export

Role = Literal["user", "assistant"]
# interrupted: the server stopped writing the reply (it was killed mid-reply); read back from the history
Status = Literal["complete", "streaming", "stopped", "error", "interrupted"]


@dataclass
class Turn:
    role: Role
    content: str = ""
    thinking: str = ""
    status: Status = "complete"
    error: str = ""
    notice: str = ""  # "Loading model… 3 s", "retrying in 1.2 s" while waiting
    stats: Stats | None = None
    settings: dict[str, str] = field(default_factory=dict)  # provider, model, thinking: never a key
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    images: list[Image] = field(default_factory=list)  # pictures a person sent with the message

    def apply(self, event: Event) -> None:
        """Fold one event into the turn, so a stopped or failed reply keeps what arrived.

        Once the turn is marked stopped, late events from the interrupted run are ignored, so what the
        page drew as stopped is what stays.
        """
        if self.status == "stopped":
            return
        self.stats = event.stats or self.stats
        match event.kind:
            case "thinking":
                self.thinking += event.text
                self.notice = ""
            case "answer":
                self.content += event.text
                self.notice = ""
            case "waiting" | "retry":
                self.notice = event.text
            case "error":
                self.status, self.error, self.notice = "error", event.text, ""
            case "done" if self.status == "streaming":
                self.status = "complete"

    def stop(self) -> None:
        """Mark a reply whose stream was cut short by the user."""
        if self.status == "streaming":
            self.status, self.notice = "stopped", ""
            if self.stats:
                self.stats.end()

    def keep_shown(self, content: int, thinking: int) -> None:
        """Cut a reply whose run ended mid-draw back to what the page showed (`content`, `thinking` chars).

        The page folds a batch of events in, then draws it: a Stop that ends the run during the draw
        would otherwise keep text nobody saw.
        """
        self.content, self.thinking = self.content[:content], self.thinking[:thinking]

    @property
    def thought_label(self) -> str:
        secs = self.stats.thinking_seconds if self.stats else None
        if self.status == "stopped" and not self.content:
            return f"Stopped after {secs:.1f} s" if secs is not None else "Stopped"
        return f"Thought for {secs:.1f} s" if secs is not None else "Thinking"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "role": self.role, "content": self.content}
        if self.thinking:
            out["thinking"] = self.thinking
        if self.images:
            out["images"] = [i.as_dict() for i in self.images]
        if self.role == "assistant":
            out["status"] = self.status
            if self.error:
                out["error"] = self.error
            if self.settings:
                out["settings"] = dict(self.settings)
            if self.stats:
                out["figures"] = self.stats.as_dict()
            if note := limit_note(self.stats):
                out["cut"] = note
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        """The turn `as_dict` exported. Raises ValueError saying what is wrong ("has no role")."""
        role = data.get("role")
        if role is None:
            raise ValueError("has no role")
        if role not in get_args(Role):
            raise ValueError(f"has an unknown role {str(role)[:40]!r}")
        for key in ("id", "content", "thinking", "error"):
            if key in data and not isinstance(data[key], str):
                raise ValueError(f"has a {key} that is not text")
        if "content" not in data:
            raise ValueError("has no content")
        status = data.get("status", "complete")
        if status not in get_args(Status):
            raise ValueError(f"has an unknown status {str(status)[:40]!r}")
        figures = data.get("figures")
        if figures is not None and not isinstance(figures, dict):
            raise ValueError("has figures that are not an object")
        pictures = data.get("images", [])
        if not isinstance(pictures, list):
            raise ValueError("has images that are not a list")
        turn = cls(
            role,
            data["content"],
            data.get("thinking", ""),
            status,
            data.get("error", ""),
            stats=Stats.from_dict(figures) if figures is not None else None,
            settings=text_map(data.get("settings", {}), "settings"),
            images=[Image.from_dict(p) for p in pictures],
        )
        if data.get("id"):
            turn.id = data["id"]
        return turn


def text_map(value: object, name: str) -> dict[str, str]:
    """`value` as a dict of text to text, or ValueError naming it."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"has {name} that are not text")
    return dict(value)


def history(turns: Iterable[Turn], vision: bool = True) -> list[dict[str, Any]]:
    """The message list sent to a model: user turns (with their pictures, for a model that can see) and the
    answers (thinking and errors left out). Without pictures, the window is not sized for them."""
    return [
        {"role": t.role, "content": t.content, **({"images": t.images} if t.images and vision else {})}
        for t in turns
        if t.role == "user" or t.content
    ]


# Each page update re-sends the whole text so far and the browser renders it all again as Markdown, a
# cost that grows with the text, so a long reply is updated less often: 10 times a second at first,
# 5 at 10,000 characters, twice a second past 40,000 (an 8,000-token answer). Replies streaming at once
# share the process's updates: up to five get 10 a second each, ten get 5 each, so a new message is not
# kept waiting behind other people's updates. `python -m bench.stream` measures how far the page falls
# behind, and `python -m bench.sessions` what ten tabs' updates cost while another tab waits for its first
# word; they tuned these.
FIRST_INTERVAL = 0.1
LAST_INTERVAL = 0.5
CHARS_PER_SECOND = 100_000
UPDATES_PER_SECOND = 50  # the process's, shared by the replies streaming at once


def update_interval(turn: Turn, streaming: int = 1) -> float:
    """Seconds between two page updates of `turn` while it streams (the answer, or the thinking before it),
    with `streaming` replies streaming in this process (`llm.runtime.streams`)."""
    shown = len(turn.content) or len(turn.thinking)
    first = max(FIRST_INTERVAL, streaming / UPDATES_PER_SECOND)
    return min(LAST_INTERVAL, first + shown / CHARS_PER_SECOND)


def ends_text(event: Event) -> bool:
    """An event after which no more text comes: the page draws it without waiting for `update_interval`."""
    return event.kind in ("finished", "error", "done")


def answer_chunks(
    batches: Iterable[list[Event]], turn: Turn, redraw: Callable[[Turn], None]
) -> Iterator[str]:
    """Fold each batch of events into `turn` and yield the answer text it added (the page then redraws it).

    `redraw` is called once for a batch that changed what the answer text does not show (thinking, the
    notice, the status) and as the answer starts, to collapse the thinking block.
    """
    for batch in batches:
        answered, before = len(turn.content), (len(turn.thinking), turn.notice, turn.status)
        for event in batch:
            turn.apply(event)
        if (len(turn.thinking), turn.notice, turn.status) != before or (turn.content and not answered):
            redraw(turn)
        if len(turn.content) > answered:
            yield turn.content[answered:]


def _settings_line(settings: dict[str, str]) -> str:
    return for_export(" · ".join(f"{k}: {v}" for k, v in settings.items() if v))


def quote(text: str) -> list[str]:
    """Markdown blockquote lines."""
    return [f"> {line}" for line in text.splitlines()]


def reply_markdown(turn: Turn, error: str | None = None) -> list[str]:
    """A reply as Markdown lines: its thinking quoted and marked as such, the answer, and how it ended.

    The model's text goes through `for_export`: its Markdown as written, with no live HTML or images.
    """
    lines: list[str] = []
    if turn.thinking:
        lines += [
            f"> **Thinking** ({turn.thought_label.lower()})",
            ">",
            *quote(for_export(turn.thinking)),
            "",
        ]
    lines += [for_export(turn.content), ""]
    if turn.status != "complete":
        said = turn.error if error is None else error
        lines += [f"_[{turn.status}{': ' + for_export(said) if said else ''}]_", ""]
    if note := limit_note(turn.stats):
        lines += [f"_[{note}]_", ""]
    return lines


def to_markdown(turns: list[Turn], settings: dict[str, str]) -> str:
    lines = ["# Conversation", "", f"_{_settings_line(settings)}_", ""]
    for turn in turns:
        if turn.role == "user":
            lines += ["## You", "", for_export(turn.content), ""]
            # A note, not the picture: viewers drop `data:` images, and the JSON export keeps the bytes.
            lines += [f"- _Picture: {for_export(i.label)} (in the JSON export)_" for i in turn.images]
            lines += [""] if turn.images else []
            continue
        lines += [f"## Assistant ({_settings_line(turn.settings)})" if turn.settings else "## Assistant", ""]
        lines += reply_markdown(turn)
        if turn.stats:
            caption = " · ".join(p for p in (turn.stats.caption(), window_line(turn.stats)) if p)
            lines += [f"_{caption}_", ""]
    return "\n".join(lines)


def to_json(turns: list[Turn], settings: dict[str, str]) -> str:
    return json.dumps(
        {"settings": settings, "messages": [t.as_dict() for t in turns]}, indent=2, ensure_ascii=False
    )


NOT_OURS = "This file is not a conversation exported by this app"


def from_json(text: str) -> tuple[dict[str, str], list[Turn]]:
    """The settings and turns of a `to_json` export, checked whole; ImportFailed says what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportFailed(f"{NOT_OURS}: it is not valid JSON ({exc}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ImportFailed(f"{NOT_OURS}: it has no list of messages.")
    try:
        settings = text_map(data.get("settings", {}), "settings")
    except ValueError:
        raise ImportFailed(f"{NOT_OURS}: its settings are not text.") from None
    turns: list[Turn] = []
    for i, message in enumerate(data["messages"]):
        try:
            if not isinstance(message, dict):
                raise ValueError("is not an object")
            turns.append(Turn.from_dict(message))
        except ValueError as exc:
            raise ImportFailed(f"{NOT_OURS}: messages[{i}] {exc}.") from None
    if len({t.id for t in turns}) < len(turns):
        raise ImportFailed(f"{NOT_OURS}: two messages have the same id.")
    return settings, turns
