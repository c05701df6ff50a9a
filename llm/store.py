"""Conversations and compare runs saved per owner ("local" without a login), on SQLite or PostgreSQL.

With the compare runs, the leaderboard's blind votes. Every method runs in one transaction and raises only
`StoreError` (or `ImportFailed` for a bad file).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from llm.conversation import Turn, from_json
from llm.db import (
    attachments,
    blind_votes,
    chats,
    comparisons,
    insert,
    make_engine,
    messages,
    meta,
    migrate,
    store_error,
    upsert,
    vote_rows,
)
from llm.errors import ImportFailed, StoreError
from llm.images import Image
from llm.leaderboard import Ballot, Setting

UNTITLED = "New chat"
TITLE_CHARS = 60
MAX_IMPORT_CHARS = 100_000_000  # an export carries its pictures: a dozen at the 5 MB limit fit
KEEP_COUNTED = frozenset({"counted", "owner"})


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    updated: float


@dataclass(frozen=True)
class ComparisonSummary:
    id: str
    prompt: str
    updated: float


@dataclass
class SavedChat:
    id: str
    title: str
    settings: dict[str, str]
    turns: list[Turn]


def title_of(text: str) -> str:
    """The first non-empty line, trimmed to TITLE_CHARS with an ellipsis."""
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def _like(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._migrated = False
        self._lock = threading.Lock()
        self.votes_written = 0  # leaderboard changes by this process: a session's cached board older is stale

    def _ready(self) -> Engine:
        with self._lock:
            self._engine = self._engine or make_engine(self.url)
        if not self._migrated:
            migrate(self._engine)
            self._migrated = True
        return self._engine

    @contextmanager
    def _tx(self, writes: bool = True) -> Iterator[Connection]:
        """One transaction; any database failure becomes a StoreError."""
        try:
            engine = self._ready()
            with engine.connect() as conn:
                conn.execution_options(writes=writes)
                with conn.begin():
                    yield conn
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(exc, self.url) from None

    def migrate(self) -> None:
        """Create or upgrade the schema (idempotent; two processes may start at once)."""
        self._migrated = False
        with self._tx(writes=False):
            pass  # _ready migrated, inside _tx's translation of failures

    def schema_version(self) -> int | None:
        with self._tx(writes=False) as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
            return None if found is None else int(found)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # Chats

    def chats(self, owner: str, search: str = "", limit: int = 50, offset: int = 0) -> list[ChatSummary]:
        """The owner's chats, newest first, optionally those whose title or messages contain `search`."""
        query = (
            select(chats.c.id, chats.c.title, chats.c.updated)
            .where(self._listed(owner, search))
            .order_by(chats.c.updated.desc(), chats.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self._tx(writes=False) as conn:
            return [ChatSummary(r.id, r.title or UNTITLED, r.updated) for r in conn.execute(query)]

    def count_chats(self, owner: str, search: str = "") -> int:
        with self._tx(writes=False) as conn:
            return conn.execute(select(func.count()).where(self._listed(owner, search))).scalar() or 0

    def _listed(self, owner: str, search: str) -> ColumnElement[bool]:
        mine = and_(chats.c.owner == owner, chats.c.deleted.is_(None))
        if not search:
            return mine
        pattern = _like(search)
        in_messages = exists().where(
            messages.c.chat_id == chats.c.id, messages.c.content.ilike(pattern, "\\")
        )
        return and_(mine, or_(chats.c.title.ilike(pattern, "\\"), in_messages))

    def chat(self, owner: str, chat_id: str, stale: float = 15.0) -> SavedChat | None:
        """A chat and its turns in order; a reply left 'streaming' for `stale` s comes back interrupted."""
        with self._tx(writes=False) as conn:
            row = conn.execute(select(chats).where(self._mine(owner, chat_id))).first()
            if row is None:
                return None
            rows = conn.execute(
                select(messages).where(messages.c.chat_id == chat_id).order_by(messages.c.seq)
            )
            old = time.time() - stale
            turns = [_turn(r, interrupted=r.status == "streaming" and r.updated < old) for r in rows]
            pictures = conn.execute(
                select(attachments)
                .where(attachments.c.chat_id == chat_id)
                .order_by(attachments.c.turn_id, attachments.c.position)
            )
            by_turn: dict[str, list[Image]] = {}
            for p in pictures:
                by_turn.setdefault(p.turn_id, []).append(Image(p.name, p.mime, p.data))
        for turn in turns:
            turn.images = by_turn.get(turn.id, [])
        return SavedChat(row.id, row.title or UNTITLED, json.loads(row.settings), turns)

    def _mine(self, owner: str, chat_id: str) -> ColumnElement[bool]:
        return and_(chats.c.id == chat_id, chats.c.owner == owner, chats.c.deleted.is_(None))

    def save_turn(self, owner: str, chat_id: str, turn: Turn, settings: dict[str, str] | None = None) -> None:
        """Insert or update one turn by its id, creating the chat (titled by its first message) if new."""
        with self._tx() as conn:
            self._save_turns(conn, owner, chat_id, [turn], settings)

    def _save_turns(
        self, conn: Connection, owner: str, chat_id: str, turns: list[Turn], settings: dict[str, str] | None
    ) -> None:
        now = time.time()
        row = {"id": chat_id, "owner": owner, "title": "", "settings": json.dumps(settings or {})}
        new_chat = insert(conn, chats).values(**row, created=now, updated=now, deleted=None)
        conn.execute(new_chat.on_conflict_do_nothing(index_elements=["id"]))
        chat = conn.execute(select(chats.c.owner, chats.c.title).where(chats.c.id == chat_id)).one()
        if chat.owner != owner:
            err = StoreError(f"History is not being saved: the chat {chat_id} belongs to someone else.")
            err.retryable = False
            raise err
        first_user = next((t for t in turns if t.role == "user" and t.content.strip()), None)
        changes: dict[str, Any] = {"updated": now}
        if not chat.title and first_user is not None:
            changes["title"] = title_of(first_user.content)
        if settings is not None:
            changes["settings"] = json.dumps(settings)
        conn.execute(update(chats).where(chats.c.id == chat_id).values(**changes))
        for turn in turns:
            upsert(conn, messages, _row(chat_id, turn, now), ["chat_id", "turn_id"])
            # Written once: a message's pictures never change, and a reply saved as it streams has none.
            for position, picture in enumerate(turn.images):
                key: dict[str, Any] = {"chat_id": chat_id, "turn_id": turn.id, "position": position}
                new = insert(conn, attachments).values(
                    **key, name=picture.name, mime=picture.mime, data=picture.data
                )
                conn.execute(new.on_conflict_do_nothing(index_elements=list(key)))

    def delete_turn(self, owner: str, chat_id: str, turn_id: str) -> None:
        with self._tx() as conn:
            mine = select(chats.c.id).where(self._mine(owner, chat_id))
            for table in (attachments, messages):
                conn.execute(table.delete().where(table.c.chat_id.in_(mine), table.c.turn_id == turn_id))

    def set_settings(self, owner: str, chat_id: str, settings: dict[str, str]) -> None:
        self._update_chat(owner, chat_id, settings=json.dumps(settings))

    def rename(self, owner: str, chat_id: str, title: str) -> None:
        self._update_chat(owner, chat_id, title=title_of(title))

    def delete(self, owner: str, chat_id: str) -> None:
        """Hide a chat from the list; `restore` brings it back."""
        self._update_chat(owner, chat_id, deleted=time.time())

    def restore(self, owner: str, chat_id: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(chats).where(chats.c.id == chat_id, chats.c.owner == owner).values(deleted=None)
            )

    def _update_chat(self, owner: str, chat_id: str, **values: Any) -> None:
        with self._tx() as conn:
            conn.execute(update(chats).where(self._mine(owner, chat_id)).values(**values))

    def purge_deleted(self, owner: str, older_than: float) -> int:
        """Remove for good the chats and comparisons deleted before `older_than` (epoch seconds)."""
        with self._tx() as conn:
            removed = 0
            for table in (chats, comparisons):
                gone = (
                    table.c.deleted.is_not(None) & (table.c.deleted < older_than) & (table.c.owner == owner)
                )
                if table is chats:  # no reliance on ON DELETE CASCADE being enabled
                    doomed = select(chats.c.id).where(gone)
                    conn.execute(attachments.delete().where(attachments.c.chat_id.in_(doomed)))
                    conn.execute(messages.delete().where(messages.c.chat_id.in_(doomed)))
                removed += conn.execute(table.delete().where(gone)).rowcount
            reset = (blind_votes.c.owner == owner) & (blind_votes.c.cleared < older_than)
            conn.execute(blind_votes.delete().where(reset))  # a reset past its Undo
            return removed

    def import_chat(self, owner: str, text: str) -> str:
        """Save a `to_json` export as a new chat, all or nothing; its id. ImportFailed for a bad file."""
        if len(text) > MAX_IMPORT_CHARS:
            raise ImportFailed(
                f"This file is too large to import ({len(text) / 1e6:.1f} million characters; "
                f"the limit is {MAX_IMPORT_CHARS / 1e6:.0f} million)."
            )
        settings, turns = from_json(text)
        chat_id = uuid.uuid4().hex
        with self._tx() as conn:
            self._save_turns(conn, owner, chat_id, turns, settings)
        return chat_id

    # Compare runs

    def save_comparison(self, owner: str, comparison_id: str, record: dict[str, Any]) -> None:
        now = time.time()
        row = {
            "id": comparison_id,
            "owner": owner,
            "prompt": str(record.get("prompt", "")),
            "record": json.dumps(record, ensure_ascii=False),
            "created": now,
            "updated": now,
            "deleted": None,
        }
        with self._tx() as conn:
            mine = conn.execute(select(comparisons.c.owner).where(comparisons.c.id == comparison_id)).scalar()
            if mine not in (None, owner):
                err = StoreError("History is not being saved: that comparison belongs to someone else.")
                err.retryable = False
                raise err
            upsert(conn, comparisons, row, ["id"], frozenset({"created", "owner"}))
            votes = vote_rows(owner, comparison_id, record, now)
            for vote in votes:  # not `cleared`: a reset's mark stays when the comparison is saved again
                upsert(conn, blind_votes, vote, ["comparison_id", "position"], KEEP_COUNTED)
        if votes:
            self._votes_changed()

    def comparisons(self, owner: str, limit: int = 20) -> list[ComparisonSummary]:
        mine = and_(comparisons.c.owner == owner, comparisons.c.deleted.is_(None))
        query = select(comparisons.c.id, comparisons.c.prompt, comparisons.c.updated).where(mine)
        with self._tx(writes=False) as conn:
            rows = conn.execute(query.order_by(comparisons.c.updated.desc()).limit(limit))
            return [ComparisonSummary(r.id, r.prompt, r.updated) for r in rows]

    def comparison(self, owner: str, comparison_id: str) -> dict[str, Any] | None:
        mine = and_(
            comparisons.c.id == comparison_id, comparisons.c.owner == owner, comparisons.c.deleted.is_(None)
        )
        with self._tx(writes=False) as conn:
            record = conn.execute(select(comparisons.c.record).where(mine)).scalar()
        return None if record is None else json.loads(record)

    def delete_comparison(self, owner: str, comparison_id: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(comparisons)
                .where(comparisons.c.id == comparison_id, comparisons.c.owner == owner)
                .values(deleted=time.time())
            )

    # The leaderboard

    def votes(self, owner: str) -> list[Ballot]:
        """The owner's ballots on the leaderboard: revealed blind runs since the last reset."""
        query = select(blind_votes).where(blind_votes.c.owner == owner, blind_votes.c.cleared.is_(None))
        with self._tx(writes=False) as conn:
            rows = conn.execute(query.order_by(blind_votes.c.counted, blind_votes.c.position))
            return [
                Ballot(r.comparison_id, r.position, Setting(r.provider, r.model, r.thinking), r.votes)
                for r in rows
            ]

    def clear_votes(self, owner: str, stamp: float) -> int:
        """Reset: take the owner's ballots off the board, marked `stamp` for `restore_votes`; how many."""
        mine = (blind_votes.c.owner == owner) & blind_votes.c.cleared.is_(None)
        with self._tx() as conn:
            cleared = conn.execute(update(blind_votes).where(mine).values(cleared=stamp)).rowcount
        self._votes_changed()
        return cleared

    def restore_votes(self, owner: str, stamp: float) -> None:
        """Undo the reset marked `stamp`."""
        mine = (blind_votes.c.owner == owner) & (blind_votes.c.cleared == stamp)
        with self._tx() as conn:
            conn.execute(update(blind_votes).where(mine).values(cleared=None))
        self._votes_changed()

    def _votes_changed(self) -> None:
        with self._lock:
            self.votes_written += 1


def _row(chat_id: str, turn: Turn, now: float) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "turn_id": turn.id,
        "role": turn.role,
        "content": turn.content,
        "thinking": turn.thinking,
        "status": turn.status,
        "error": turn.error,
        "settings": json.dumps(turn.settings),
        "figures": json.dumps(turn.stats.as_dict()) if turn.stats else None,
        "updated": now,
    }


def _turn(row: Any, interrupted: bool) -> Turn:
    data = {
        "id": row.turn_id,
        "role": row.role,
        "content": row.content,
        "thinking": row.thinking,
        "status": "interrupted" if interrupted else row.status,
        "error": row.error,
        "settings": json.loads(row.settings),
    }
    if row.figures is not None:
        data["figures"] = json.loads(row.figures)
    return Turn.from_dict(data)
