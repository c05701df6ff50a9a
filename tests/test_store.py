"""The history store and its saver, the same tests on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from llm.compare import Comparison
from llm.conversation import Turn, to_json
from llm.db import REPO, SCHEMA_VERSION, chats, comparisons, database_url, messages, meta, metadata
from llm.errors import ImportFailed, StoreError
from llm.events import Stats
from llm.leaderboard import Ballot, Setting
from llm.request import ChatRequest, Target
from llm.saver import Saver
from llm.store import TITLE_CHARS, SavedChat, Store
from tests.postgres import cluster, free_port

ME, OTHER = "local", "someone@example.com"


def opened(store: Store, chat_id: str, owner: str = ME, stale: float = 15.0) -> SavedChat:
    saved = store.chat(owner, chat_id, stale)
    assert saved is not None, f"chat {chat_id} not found"
    return saved


def ask(store: Store, chat_id: str, question: str, answer: str = "ok", owner: str = ME) -> None:
    store.save_turn(owner, chat_id, Turn("user", question))
    store.save_turn(owner, chat_id, Turn("assistant", answer))


def reply(content: str = "Blue light scatters more.", status: str = "complete") -> Turn:
    stats = Stats(started=100.0, first_byte=100.25, first_token=100.5, thinking_started=100.5)
    stats.thinking_ended, stats.ended = 101.7, 103.0
    stats.prompt_tokens, stats.completion_tokens, stats.finish_reason = 12, 40, "stop"
    settings = {"provider": "Ollama", "model": "gpt-oss:20b", "thinking": "High"}
    return Turn("assistant", content, "Rayleigh…", status, stats=stats, settings=settings)  # type: ignore[arg-type]


def test_database_url_default_and_from_the_environment() -> None:
    assert database_url({}) == f"sqlite:///{REPO / 'data' / 'history.db'}"
    assert (REPO / "app.py").exists()
    assert database_url({"DATABASE_URL": "postgresql+psycopg://u@h/db"}) == "postgresql+psycopg://u@h/db"


def test_migrate_is_idempotent_and_keeps_a_version(url: str) -> None:
    stores = [Store(url) for _ in range(3)]
    assert all(s._engine is None for s in stores), "no I/O before first use"
    threads = [threading.Thread(target=s.migrate) for s in stores]  # apps starting at once
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stores[0].migrate()
    assert [s.schema_version() for s in stores] == [SCHEMA_VERSION] * 3
    ask(stores[1], "c1", "still works")
    assert len(opened(stores[2], "c1").turns) == 2


def test_chats_are_listed_newest_first_and_titled_by_the_first_message(store: Store) -> None:
    long = "Explain " + "very " * 30 + "slowly\nsecond line"
    ask(store, "a", "  \nWhy is the sky blue?\nAnd why red at dusk?")
    ask(store, "b", long)
    ask(store, "c", "Third")
    listed = store.chats(ME)
    assert [c.id for c in listed] == ["c", "b", "a"]
    assert listed[2].title == "Why is the sky blue?"
    assert listed[1].title.endswith("…") and len(listed[1].title) == TITLE_CHARS
    assert listed[1].title.startswith("Explain very")
    ask(store, "a", "a follow-up")  # the title stays, the chat moves to the top
    assert next((c.id, c.title) for c in store.chats(ME)) == ("a", "Why is the sky blue?")
    store.rename(ME, "b", "Slow explanation")
    assert opened(store, "b").title == "Slow explanation"
    assert store.count_chats(ME) == 3 and [c.id for c in store.chats(ME, limit=2, offset=1)] == ["c", "b"]


def test_search_matches_titles_and_messages_and_takes_wildcards_literally(store: Store) -> None:
    ask(store, "pct", "Is 50% off a good deal?", "Depends.")
    ask(store, "und", "snake_case or camelCase?", "snake_case for Python.")
    ask(store, "plain", "Hello", "The SKY is BLUE today")
    assert [c.id for c in store.chats(ME, search="sky is blue")] == ["plain"]  # in an answer, any case
    assert [c.id for c in store.chats(ME, search="0% O")] == ["pct"]
    assert store.chats(ME, search="%") and [c.id for c in store.chats(ME, search="%")] == ["pct"]
    assert [c.id for c in store.chats(ME, search="_")] == ["und"]
    assert store.chats(ME, search="He_lo") == [] and store.chats(ME, search="50_") == []
    assert store.count_chats(ME, search="hello") == 1 and store.count_chats(ME, search="nowhere") == 0


def test_delete_hides_a_chat_and_restore_brings_it_back(store: Store) -> None:
    ask(store, "keep", "one")
    ask(store, "drop", "two")
    store.delete(ME, "drop")
    assert [c.id for c in store.chats(ME)] == ["keep"] and store.chat(ME, "drop") is None
    store.restore(ME, "drop")
    assert {c.id for c in store.chats(ME)} == {"keep", "drop"} and len(opened(store, "drop").turns) == 2
    store.delete(ME, "drop")
    assert store.purge_deleted(ME, older_than=time.time() + 1) == 1
    store.restore(ME, "drop")
    assert store.chat(ME, "drop") is None, "purged for good"


def test_owners_see_only_their_own_history(store: Store) -> None:
    ask(store, "mine", "my secret")
    ask(store, "theirs", "their secret", owner=OTHER)
    assert [c.id for c in store.chats(ME)] == ["mine"] and [c.id for c in store.chats(OTHER)] == ["theirs"]
    assert store.chat(ME, "theirs") is None and store.chats(ME, search="their") == []
    store.rename(ME, "theirs", "hijacked")
    store.delete(ME, "theirs")
    store.delete_turn(ME, "theirs", opened(store, "theirs", owner=OTHER).turns[0].id)
    with pytest.raises(StoreError, match="belongs to someone else") as raised:
        store.save_turn(ME, "theirs", Turn("user", "sneaked in"))
    assert not raised.value.retryable
    theirs = opened(store, "theirs", owner=OTHER)
    assert theirs.title == "their secret" and [t.content for t in theirs.turns] == ["their secret", "ok"]


def test_a_streaming_reply_is_updated_in_place_then_completed(store: Store) -> None:
    question = Turn("user", "Count to 50")
    store.save_turn(ME, "s", question, settings={"provider": "Ollama", "model": "qwen3:8b", "thinking": "On"})
    stats = Stats()
    answer = Turn("assistant", status="streaming", settings={"model": "qwen3:8b"}, stats=stats)
    for i in range(50):
        answer.content += f"{i} "
        store.save_turn(ME, "s", answer)
        assert opened(store, "s").turns[-1].content == answer.content
    answer.status = "complete"
    stats.completion_tokens = 50
    stats.end()
    store.save_turn(ME, "s", answer)
    saved = opened(store, "s")
    assert saved.settings == {"provider": "Ollama", "model": "qwen3:8b", "thinking": "On"}
    assert [(t.id, t.role, t.status) for t in saved.turns] == [
        (question.id, "user", "complete"),
        (answer.id, "assistant", "complete"),
    ]
    assert saved.turns[1].content == answer.content and saved.turns[1].settings == {"model": "qwen3:8b"}
    assert saved.turns[1].stats is not None and saved.turns[1].stats.as_dict() == stats.as_dict()
    store.delete_turn(ME, "s", answer.id)  # Regenerate drops the last answer
    assert [t.id for t in opened(store, "s").turns] == [question.id]
    store.set_settings(ME, "s", {"model": "gpt-oss:20b"})
    assert opened(store, "s").settings == {"model": "gpt-oss:20b"}


def test_two_writers_on_one_chat_keep_every_turn(url: str, store: Store) -> None:
    """Two tabs (or two app processes) appending to the same conversation at once."""
    writers = [Store(url), Store(url)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def append(writer: Store, name: str) -> None:
        barrier.wait()
        try:
            for i in range(25):
                writer.save_turn(ME, "shared", Turn("user", f"{name}{i}"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=append, args=(w, n)) for w, n in zip(writers, "ab", strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    contents = [t.content for t in opened(store, "shared").turns]
    assert sorted(contents) == sorted(f"{n}{i}" for n in "ab" for i in range(25))
    for name in "ab":  # each writer's turns in the order it wrote them
        assert [c for c in contents if c[0] == name] == [f"{name}{i}" for i in range(25)]
    for writer in writers:
        writer.close()


def test_a_reply_left_streaming_comes_back_interrupted(store: Store) -> None:
    store.save_turn(ME, "k", Turn("user", "Tell me a story"))
    thinking = Stats(started=time.monotonic() - 2, first_token=time.monotonic() - 1)
    thinking.thinking_started = thinking.first_token
    store.save_turn(ME, "k", Turn("assistant", "Once upon", "plot…", "streaming", stats=thinking))
    assert opened(store, "k").turns[1].status == "streaming", "still being written: not stale yet"
    time.sleep(0.05)
    cut = opened(store, "k", stale=0.01).turns[1]
    assert (cut.status, cut.content, cut.thinking) == ("interrupted", "Once upon", "plot…")
    assert cut.stats is not None
    seconds = cut.stats.thinking_seconds
    time.sleep(0.05)
    assert seconds is not None and 0.9 < seconds < 5 and cut.stats.thinking_seconds == seconds, "frozen"


def test_import_round_trips_exactly(store: Store) -> None:
    settings = {"provider": "Ollama", "model": "gpt-oss:20b", "thinking": "High"}
    turns = [
        Turn("user", "Why is the sky blue?\n\nShort, please: 🌍"),
        reply(),
        Turn("user", "And sunsets?"),
        reply("Red light", "stopped"),
        Turn("user", "Again"),
        Turn("assistant", "", status="error", error="Ollama is not reachable.", settings=settings),
    ]
    exported = to_json(turns, settings)
    chat_id = store.import_chat(ME, exported)
    saved = opened(store, chat_id)
    assert saved.title == "Why is the sky blue?" and saved.settings == settings
    assert to_json(saved.turns, saved.settings) == exported
    again = store.import_chat(ME, exported)  # the same file twice: two chats
    assert again != chat_id and store.count_chats(ME) == 2
    assert to_json(opened(store, again).turns, settings) == exported


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a", "list"]', "no list of messages"),
        ('{"model": "x", "choices": []}', "no list of messages"),
        ('{"messages": [{"role": "user", "content": "ok"}, 7]}', r"messages\[1\] is not an object"),
        ('{"messages": [{"role": "user", "content": "a"}, {"content": "b"}]}', r"messages\[1\] has no role"),
        ('{"messages": [{"role": "system", "content": "be nice"}]}', r"messages\[0\] has an unknown role"),
        (
            '{"messages": [{"role": "user", "content": ["parts"]}]}',
            r"messages\[0\] has a content that is not",
        ),
        ('{"messages": [{"role": "user"}]}', r"messages\[0\] has no content"),
        ('{"messages": [{"role": "assistant", "content": "", "status": "odd"}]}', "unknown status"),
        ('{"settings": {"temperature": 0.2}, "messages": []}', "settings are not text"),
    ],
)
def test_a_bad_import_says_why_and_leaves_nothing(store: Store, text: str, message: str) -> None:
    ask(store, "before", "already here")
    with pytest.raises(ImportFailed, match=message) as raised:
        store.import_chat(ME, text)
    assert str(raised.value).startswith("This file is not a conversation exported by this app")
    assert [c.id for c in store.chats(ME)] == ["before"]


def test_a_too_large_import_is_refused(store: Store) -> None:
    huge = to_json([Turn("user", "x" * 101_000_000)], {})
    with pytest.raises(ImportFailed, match="too large"):
        store.import_chat(ME, huge)
    assert store.count_chats(ME) == 0


def test_a_comparison_is_saved_and_read_back(store: Store) -> None:
    requests = [
        ChatRequest(Target("ollama", "gpt-oss:20b", "http://127.0.0.1:11434"), [], "ollama-effort", level)
        for level in ("low", "high")
    ]
    secret = ChatRequest(Target("openai", "gpt-5", None, "sk-SECRET"), [], system="Be brief", temperature=0.3)
    comparison = Comparison.start("Why is the sky blue?", [*requests, secret], blind=True)
    comparison.runs.append([reply(f"answer {i}") for i in range(3)])
    comparison.vote(1)
    store.save_comparison(ME, "cmp1", comparison.to_record())
    comparison.reveal()
    store.save_comparison(ME, "cmp1", comparison.to_record())  # saved again: updated in place
    store.save_comparison(OTHER, "cmp2", comparison.to_record())
    listed = store.comparisons(ME)
    assert [(c.id, c.prompt) for c in listed] == [("cmp1", "Why is the sky blue?")]
    record = store.comparison(ME, "cmp1")
    assert record == comparison.to_record() and "sk-SECRET" not in json.dumps(record)
    restored = Comparison.from_record(record)
    assert restored.stopped and restored.new_run() is None and restored.revealed and restored.votes[1] == 1
    assert restored.to_record() == comparison.to_record()
    assert store.comparison(OTHER, "cmp1") is None
    with pytest.raises(StoreError, match="belongs to someone else"):
        store.save_comparison(OTHER, "cmp1", {"prompt": "overwrite"})
    store.delete_comparison(ME, "cmp1")
    assert store.comparisons(ME) == [] and store.comparison(ME, "cmp1") is None


def blind_run(*votes: int, revealed: bool = True) -> Comparison:
    """gpt-oss at Low and High, blind, with `votes` cast for each column."""
    requests = [
        ChatRequest(Target("ollama", "gpt-oss:20b", None), [], "ollama-effort", level)
        for level in ("low", "high")
    ]
    comparison = Comparison.start("Which is larger, 9.11 or 9.9?", requests, blind=True)
    comparison.runs.append([reply(f"answer {i}") for i in range(2)])
    for column, count in enumerate(votes):
        for _ in range(count):
            comparison.vote(column)
    if revealed:
        comparison.reveal()
    return comparison


LOW, HIGH = Setting("ollama", "gpt-oss:20b", "low"), Setting("ollama", "gpt-oss:20b", "high")


def test_blind_votes_count_per_owner_once_revealed(store: Store) -> None:
    hidden = blind_run(0, 2, revealed=False)
    store.save_comparison(ME, "cmp1", hidden.to_record())
    assert store.votes(ME) == [], "a run still blind is not on the board"
    written = store.votes_written
    hidden.reveal()
    store.save_comparison(ME, "cmp1", hidden.to_record())
    store.save_comparison(ME, "cmp1", hidden.to_record())  # saved again: counted once
    assert store.votes_written > written, "sessions' cached boards are stale"
    assert store.votes(ME) == [Ballot("cmp1", 0, LOW, 0), Ballot("cmp1", 1, HIGH, 2)]
    store.save_comparison(OTHER, "cmp2", blind_run(1, 0).to_record())
    assert store.votes(OTHER) == [Ballot("cmp2", 0, LOW, 1), Ballot("cmp2", 1, HIGH, 0)]
    assert [b.run for b in store.votes(ME)] == ["cmp1", "cmp1"]
    with pytest.raises(StoreError, match="belongs to someone else"):
        store.save_comparison(OTHER, "cmp1", blind_run(5, 0).to_record())
    assert store.votes(ME)[0].votes == 0


def test_a_reset_clears_the_board_keeps_the_history_and_undo_brings_it_back(store: Store) -> None:
    first = blind_run(1, 2)
    store.save_comparison(ME, "cmp1", first.to_record())
    store.save_comparison(OTHER, "cmp2", blind_run(3, 0).to_record())
    written = store.votes_written
    assert store.clear_votes(ME, 1000.0) == 2
    assert store.votes(ME) == [] and store.votes_written > written
    assert len(store.votes(OTHER)) == 2, "only the owner's board is reset"
    assert store.comparison(ME, "cmp1") == first.to_record(), "the comparison stays in the history"
    store.save_comparison(ME, "cmp1", first.to_record())  # saved again after the reset: stays off the board
    assert store.votes(ME) == []
    store.save_comparison(ME, "cmp3", blind_run(0, 1).to_record())
    assert [b.run for b in store.votes(ME)] == ["cmp3", "cmp3"]
    store.restore_votes(ME, 1000.0)
    assert sorted((b.run, b.votes) for b in store.votes(ME)) == [
        ("cmp1", 1),
        ("cmp1", 2),
        ("cmp3", 0),
        ("cmp3", 1),
    ]
    store.clear_votes(ME, 2000.0)
    store.purge_deleted(ME, older_than=3000.0)  # a reset long past: its ballots are gone for good
    store.restore_votes(ME, 2000.0)
    assert store.votes(ME) == [] and len(store.votes(OTHER)) == 2
    assert [c.id for c in store.comparisons(ME)] == ["cmp3", "cmp1"]


def test_an_old_database_opens_and_its_saved_votes_start_the_board(url: str) -> None:
    engine = create_engine(url)  # the schema 1 tables, as the app before the leaderboard made them
    metadata.create_all(engine, tables=[meta, chats, messages, comparisons])
    records = {
        "revealed": blind_run(2, 1).to_record(),
        "hidden": blind_run(1, 0, revealed=False).to_record(),
        "deleted": blind_run(0, 4).to_record(),
        "unreadable": {"blind": True, "revealed": True, "votes": [1]},
    }
    with engine.begin() as conn:
        conn.execute(insert(meta).values(key="schema_version", value="1"))
        for name, record in records.items():
            row = {"id": name, "owner": ME, "prompt": "q", "record": json.dumps(record)}
            times = {"created": 1.0, "updated": 2.0, "deleted": 3.0 if name == "deleted" else None}
            conn.execute(insert(comparisons).values(**row, **times))
    engine.dispose()
    old = Store(url)
    old.migrate()
    assert old.schema_version() == SCHEMA_VERSION == 2
    assert old.votes(ME) == [Ballot("revealed", 0, LOW, 2), Ballot("revealed", 1, HIGH, 1)]
    assert len(old.comparisons(ME)) == 3
    again = Store(url)
    again.migrate()  # once upgraded, not counted twice
    assert len(again.votes(ME)) == 2
    old.close()
    again.close()


def test_ten_thousand_chats_list_the_newest_page(url: str, store: Store) -> None:
    rows = [
        {"id": f"c{i:05d}", "owner": ME if i % 2 else OTHER, "title": f"chat {i}", "settings": "{}"}
        | {"created": 1000.0 + i, "updated": 1000.0 + i, "deleted": None if i % 7 else 5.0}
        for i in range(24_000)
    ]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(chats), rows)
    engine.dispose()
    mine = [str(r["id"]) for r in reversed(rows) if r["owner"] == ME and r["deleted"] is None]
    assert len(mine) > 10_000
    assert [c.id for c in store.chats(ME)] == mine[:50]
    assert [c.id for c in store.chats(ME, offset=50)] == mine[50:100]
    assert store.count_chats(ME) == len(mine)
    titles = {str(r["id"]): str(r["title"]) for r in rows}
    found = [i for i in mine if "chat 1999" in titles[i]]
    assert [c.id for c in store.chats(ME, search="chat 1999")] == found and len(found) == 5


def test_an_unwritable_sqlite_file_is_a_clear_store_error(tmp_path: Path) -> None:
    folder_is_a_file = tmp_path / "file"
    folder_is_a_file.write_text("not a folder")
    with pytest.raises(StoreError) as raised:
        Store(f"sqlite:///{folder_is_a_file / 'history.db'}").save_turn(ME, "c", Turn("user", "hi"))
    assert str(raised.value) == (
        f"History is not being saved: the database folder {folder_is_a_file} cannot be created (file exists)."
    )
    existing = tmp_path / "history.db"
    Store(f"sqlite:///{existing}").migrate()
    with pytest.raises(StoreError) as raised:
        Store(f"sqlite:///file:{existing}?mode=ro&uri=true").save_turn(ME, "c", Turn("user", "hi"))
    assert str(raised.value) == (
        f"History is not being saved: the database file {existing} cannot be written "
        "(attempt to write a readonly database)."
    )
    with pytest.raises(StoreError, match=r"^History is not being saved: the database .*nonexistent"):
        Store("sqlite:////proc/nonexistent/x.db").chats(ME)


def test_an_unreachable_postgresql_is_a_clear_store_error() -> None:
    port = free_port()
    store = Store(f"postgresql+psycopg://app:hunter2@127.0.0.1:{port}/history")
    with pytest.raises(StoreError) as raised:
        store.migrate()
    assert str(raised.value) == (
        f"History is not being saved: PostgreSQL at 127.0.0.1:{port} is not reachable (connection refused)."
    )
    assert raised.value.title == "History not saved" and raised.value.retryable
    with pytest.raises(StoreError) as again:
        store.chats(ME)
    assert "hunter2" not in str(again.value) and "Traceback" not in str(again.value)


class CountingStore(Store):
    """A real store that also records each turn written, to see the saver's order and coalescing."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.written: list[tuple[str, str]] = []

    def save_turn(self, owner: str, chat_id: str, turn: Turn, settings: dict[str, str] | None = None) -> None:
        super().save_turn(owner, chat_id, turn, settings)
        self.written.append((turn.role, turn.content))


def test_the_saver_writes_in_order_and_coalesces_a_streaming_reply(url: str) -> None:
    store = CountingStore(url)
    saver = Saver(store, interval=0.1)
    question, answer = Turn("user", "Count"), Turn("assistant", status="streaming")
    saver.put_turn(ME, "z", question, {"model": "qwen3:8b"})
    started = time.monotonic()
    for i in range(200):
        answer.content += f"{i} "
        saver.put_turn(ME, "z", answer)  # never waits on the database
        time.sleep(0.002)
    queued_in = time.monotonic() - started
    answer.status = "complete"
    saver.put_turn(ME, "z", answer)
    saver.put(lambda s: s.rename(ME, "z", "Counting"))
    assert saver.flush(10) and saver.problem is None
    assert store.written[0] == ("user", "Count"), "the question is written before the reply"
    assert store.written[-1] == ("assistant", answer.content)
    assert 2 <= len(store.written) <= 2 + queued_in / 0.1 + 2, "updates of one turn are coalesced"
    saved = opened(store, "z")
    assert saved.title == "Counting" and saved.settings == {"model": "qwen3:8b"}
    assert [(t.role, t.status, t.content) for t in saved.turns] == [
        ("user", "complete", "Count"),
        ("assistant", "complete", answer.content),
    ]
    assert saver.close()


def test_a_flush_does_not_wait_for_the_savers_pause(tmp_path: Path) -> None:
    """Writes are spaced `interval` apart, but one that a page waits for (`flush`) goes at once."""
    store = CountingStore(f"sqlite:///{tmp_path / 'h.db'}")
    saver = Saver(store, interval=600)
    answer = Turn("assistant", "Half", status="streaming")
    saver.put_turn(ME, "f", answer)
    assert saver.flush(30)  # the first write: no pause before it
    answer.content, answer.status = "Half and the rest.", "complete"
    saver.put_turn(ME, "f", answer)  # queued during the 600-s pause after the first write
    assert saver.flush(30), "the flush cut the pause short"
    assert store.written == [("assistant", "Half"), ("assistant", "Half and the rest.")]
    assert saver.close()


def test_the_saver_reports_a_database_down_and_writes_everything_once_it_is_up() -> None:
    with cluster(started=False) as down:
        store = Store(down.url())
        saver = Saver(store, interval=0.05)
        question, answer = Turn("user", "Are you saving this?"), Turn("assistant", status="streaming")
        saver.put_turn(ME, "d", question)
        for word in ("Not ", "yet, ", "but ", "soon."):
            answer.content += word
            saver.put_turn(ME, "d", answer)
        deadline = time.monotonic() + 10
        while saver.problem is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert saver.problem == (
            f"History is not being saved: PostgreSQL at 127.0.0.1:{down.port} is not reachable "
            "(connection refused). Retrying."
        )
        assert not saver.flush(0.2), "nothing can be written yet"
        answer.status = "complete"
        saver.put_turn(ME, "d", answer)
        down.start()
        assert saver.flush(30), "written once the database is back (retries back off to 15 s at most)"
        assert saver.problem is None
        saved = opened(store, "d")
        assert [(t.content, t.status) for t in saved.turns] == [
            ("Are you saving this?", "complete"),
            ("Not yet, but soon.", "complete"),
        ]
        saver.close()
        store.close()


def test_an_unopened_store_opens_on_its_own_thread_and_keeps_what_was_queued_meanwhile(url: str) -> None:
    """A new server's first page is drawn before SQLAlchemy loads: the saver takes the store as a function
    that opens it, and nothing queued before it is open is lost."""
    opening = threading.Event()
    calls: list[str] = []

    def open_store() -> Store:
        calls.append(threading.current_thread().name)
        opening.wait(10)  # held until the test has queued a turn
        return Store(url)

    saver = Saver(open_store, interval=0.05)
    assert not saver.ready.is_set()
    saver.open_soon()
    saver.put_turn(ME, "early", Turn("user", "Sent before the history was open"))  # does not wait
    assert not saver.ready.is_set()
    opening.set()
    assert saver.ready.wait(10), "the store opened"
    assert saver.flush(10) and saver.problem is None
    assert len(calls) == 1, "opened once, by whichever thread came first"
    assert [t.content for t in opened(saver.store, "early").turns] == ["Sent before the history was open"]
    assert saver.store.schema_version() == SCHEMA_VERSION, "the opening made the schema"
    assert saver.close()
    saver.store.close()


def test_a_store_that_fails_to_open_is_ready_and_says_why_at_first_use(tmp_path: Path) -> None:
    folder_is_a_file = tmp_path / "file"
    folder_is_a_file.write_text("not a folder")
    saver = Saver(lambda: Store(f"sqlite:///{folder_is_a_file / 'history.db'}"))
    saver.open_soon()
    assert saver.ready.wait(10), "a failed opening still ends the wait: the page then shows why"
    with pytest.raises(StoreError, match="cannot be created"):
        saver.store.chats(ME)
