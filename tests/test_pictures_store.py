"""Pictures in the history store, on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from llm.conversation import Turn, to_json
from llm.db import attachments, metadata
from llm.images import Image
from llm.store import Store

ME = "local"
PNG = (Path(__file__).parent / "data" / "red.png").read_bytes()
RED = Image("red.png", "image/png", PNG)
GIF = Image("dot.gif", "image/gif", b"GIF89a" + bytes(range(256)))


def test_pictures_round_trip_in_order_with_their_message(store: Store) -> None:
    question = Turn("user", "Which is red?", images=[RED, GIF])
    store.save_turn(ME, "c1", question)
    store.save_turn(ME, "c1", question)  # saved again (a rename, a retry): still two pictures
    store.save_turn(ME, "c1", Turn("assistant", "The first."))
    saved = store.chat(ME, "c1")
    assert saved is not None
    assert [t.images for t in saved.turns] == [[RED, GIF], []]
    assert saved.turns[0].images[1].data == GIF.data  # every byte value survives


def test_an_imported_export_keeps_its_pictures(store: Store) -> None:
    chat_id = store.import_chat(ME, to_json([Turn("user", "", images=[RED]), Turn("assistant", "Red.")], {}))
    saved = store.chat(ME, chat_id)
    assert saved is not None and saved.turns[0].images == [RED] and saved.turns[0].content == ""


def test_forgetting_a_turn_or_purging_a_chat_removes_its_pictures(url: str, store: Store) -> None:
    question = Turn("user", "Which is red?", images=[RED])
    store.save_turn(ME, "c1", question)
    store.delete_turn(ME, "c1", question.id)
    store.save_turn(ME, "c2", Turn("user", "again", images=[RED, GIF]))
    store.delete(ME, "c2")
    assert store.purge_deleted(ME, older_than=float("inf")) == 1
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(attachments.select()).all() == []
    engine.dispose()


def test_a_database_made_before_pictures_opens_and_gains_them(url: str) -> None:
    engine = create_engine(url)
    metadata.create_all(engine, tables=[t for t in metadata.sorted_tables if t is not attachments])
    assert "attachments" not in inspect(engine).get_table_names()
    engine.dispose()
    old = Store(url)
    old.migrate()
    old.save_turn(ME, "c1", Turn("user", "Which is red?", images=[RED]))
    saved = old.chat(ME, "c1")
    assert saved is not None and saved.turns[0].images == [RED]
    old.close()
