"""The history database's plumbing: where it is, its tables, its engine, and its failures in plain words.

One SQLAlchemy Core code path serves SQLite (the default file beside the app) and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError

from llm.errors import StoreError
from llm.leaderboard import ballots

REPO = Path(__file__).resolve().parents[1]
SCHEMA_VERSION = 2  # 2: blind_votes
SQLITE_BUSY_MS = 5000
_MIGRATION_LOCK = 7_311_999  # any constant: a PostgreSQL advisory lock that serializes two starting apps

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

chats = Table(
    "chats",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("title", Text, nullable=False),
    Column("settings", Text, nullable=False),  # JSON
    Column("created", Double, nullable=False),  # epoch seconds
    Column("updated", Double, nullable=False),
    Column("deleted", Double),
    Index("chats_by_owner", "owner", "deleted", "updated"),
)

messages = Table(
    "messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the order turns were first saved in
    Column("chat_id", String(64), ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("turn_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("thinking", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=False),
    Column("settings", Text, nullable=False),  # JSON
    Column("figures", Text),  # JSON of Stats.as_dict()
    Column("updated", Double, nullable=False),
    # per chat, so that importing the same export twice keeps its turn ids (and the export round-trips)
    UniqueConstraint("chat_id", "turn_id", name="messages_turn"),
    Index("messages_by_chat", "chat_id", "seq"),
)

# The pictures a person sent with a message, apart from `messages`: listing and searching chats never reads
# them. A table of its own, not a column, so a database made before pictures gains it with the other
# missing tables (`migrate`) and an older app reading a newer database simply does not show them.
attachments = Table(
    "attachments",
    metadata,
    Column("chat_id", String(64), ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("turn_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),  # the order the pictures were sent in
    Column("name", Text, nullable=False),
    Column("mime", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("chat_id", "turn_id", "position", name="attachments_key"),
)

comparisons = Table(
    "comparisons",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("prompt", Text, nullable=False),
    Column("record", Text, nullable=False),  # JSON of Comparison.to_record()
    Column("created", Double, nullable=False),
    Column("updated", Double, nullable=False),
    Column("deleted", Double),
    Index("comparisons_by_owner", "owner", "deleted", "updated"),
)

# The leaderboard's ballots: one row per column of a revealed blind comparison. A reset marks them
# `cleared` (Undo clears the mark) and leaves the comparisons in the history.
blind_votes = Table(
    "blind_votes",
    metadata,
    Column("comparison_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("owner", String(255), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("model", Text, nullable=False),
    Column("thinking", String(16), nullable=False),  # the level sent, "" for a model that cannot think
    Column("votes", Integer, nullable=False),
    Column("counted", Double, nullable=False),  # epoch seconds
    Column("cleared", Double),
    Index("blind_votes_by_owner", "owner", "cleared"),
)


def database_url(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, else a SQLite file in the data folder beside app.py."""
    env = os.environ if env is None else env
    return env.get("DATABASE_URL") or f"sqlite:///{REPO / 'data' / 'history.db'}"


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created, and SQLite waits for locks (WAL mode)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect)
    path = _sqlite_path(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, pool_pre_ping=True)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_path(url: URL) -> Path | None:
    database = url.database or ""
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    return Path(database)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin, not by sqlite3
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write takes the write lock at BEGIN: a deferred transaction that reads and then writes fails at
    # once with "database is locked" when another writer went first, whatever the busy timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writes") else "BEGIN")


def migrate(engine: Engine) -> None:
    """Create the tables missing and record the schema version; one starting app at a time."""
    with engine.connect() as conn:
        conn.execution_options(writes=True)  # SQLite: BEGIN IMMEDIATE, which serializes this too
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            metadata.create_all(conn, checkfirst=True)
            found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
            if found is None:
                try:
                    with conn.begin_nested():
                        conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                except IntegrityError:
                    pass  # another process wrote it first
            elif int(found) > SCHEMA_VERSION:
                raise StoreError(
                    "History is not being saved: the database was made by a newer version of this app "
                    f"(schema {found}, this app knows {SCHEMA_VERSION}). Update the app."
                )
            elif int(found) < SCHEMA_VERSION:
                for version in range(int(found) + 1, SCHEMA_VERSION + 1):
                    UPGRADES[version](conn)
                conn.execute(
                    meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
                )


def vote_rows(owner: str, comparison_id: str, record: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """The `blind_votes` rows of a saved comparison: none unless it is a revealed blind run with a vote."""
    return [
        {
            "comparison_id": comparison_id,
            "position": ballot.position,
            "owner": owner,
            "provider": ballot.setting.provider,
            "model": ballot.setting.model,
            "thinking": ballot.setting.thinking,
            "votes": ballot.votes,
            "counted": now,
        }
        for ballot in ballots(comparison_id, record)
    ]


def _count_saved_votes(conn: Connection) -> None:
    """Schema 2: the blind votes already saved with comparisons start the leaderboard."""
    saved = select(comparisons.c.id, comparisons.c.owner, comparisons.c.record, comparisons.c.updated)
    for row in conn.execute(saved.where(comparisons.c.deleted.is_(None))):
        try:
            record = json.loads(row.record)
            rows = vote_rows(row.owner, row.id, record, row.updated)
        except (ValueError, KeyError, TypeError):
            continue  # a record this app cannot read has no votes to count
        if rows:
            conn.execute(blind_votes.insert(), rows)


UPGRADES: dict[int, Callable[[Connection], None]] = {2: _count_saved_votes}


def insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say what to do on a conflict: both dialects spell it the same way."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def upsert(
    conn: Connection, table: Table, row: dict[str, Any], keys: list[str], keep: frozenset[str] = frozenset()
) -> None:
    """Insert `row`, or update it where `keys` match (leaving the columns in `keep` as they were)."""
    stmt = insert(conn, table).values(**row)
    changed = {k: stmt.excluded[k] for k in row if k not in keys and k not in keep}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed))


def _cause(exc: BaseException) -> str:
    """The driver's own words, one line, without psycopg's 'connection to server at … failed:' prefix."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    text = re.sub(r'^(connection failed: )?(connection to server at "[^"]*"[^:]*failed: )?', "", text)
    text = text.strip().rstrip(".")[:200] or type(orig).__name__
    return text[0].lower() + text[1:]


def store_error(exc: BaseException, url: str) -> StoreError:
    """One plain sentence saying why history is not being saved; never a traceback or a password."""
    cause = _cause(exc)
    try:
        parsed = make_url(url)
    except Exception:
        return StoreError(f"History is not being saved: DATABASE_URL is not a database URL ({cause}).")
    if parsed.get_backend_name() == "sqlite":
        path = (parsed.database or "(in memory)").removeprefix("file:")
        where = f"the database file {path}"
        if isinstance(exc, OSError):
            where, problem = f"the database folder {Path(path).parent}", "cannot be created"
        elif "readonly" in cause or "unable to open" in cause or "read-only" in cause:
            problem = "cannot be written"
        elif "locked" in cause:
            problem = "is locked by another program"
        else:
            problem = "failed"
    else:
        name = "PostgreSQL" if parsed.get_backend_name() == "postgresql" else parsed.get_backend_name()
        where = f"{name} at {parsed.host or 'localhost'}:{parsed.port or 5432}"
        unreachable = ("refused", "timeout", "timed out", "could not", "no route", "closed", "terminat")
        problem = "is not reachable" if any(w in cause.lower() for w in unreachable) else "failed"
    return StoreError(f"History is not being saved: {where} {problem} ({cause}).")
