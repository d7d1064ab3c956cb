"""`storage.core.execute` gives what `session.execute` gives, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, update

from storage import core
from storage.db import Database
from storage.models import ConversationState, OutboxRow, Person, Street

T0 = datetime(2024, 5, 1, 8, 0, 30, 123456, tzinfo=UTC)
_outbox = cast(Table, OutboxRow.__table__)
_states = cast(Table, ConversationState.__table__)
_people = cast(Table, Person.__table__)

_INSERT_ROW = insert(_outbox)
_ROWS = (select(_outbox.c.id, _outbox.c.payload, _outbox.c.created_at, _outbox.c.status)
         .where(_outbox.c.chat_id == bindparam("chat_id")).order_by(_outbox.c.id))
_SOME = select(_outbox.c.id).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
_PENDING = select(_outbox.c.id).where(_outbox.c.status.in_(("pending", "sending")))
_STATE = select(_states.c.data, _states.c.updated_at).where(_states.c.user_id == bindparam("u"))
_PERSON_NAMES = select(_people.c.display_name).where(_people.c.telegram_id == bindparam("t"))


def row_values(chat_id: int, text: str, at: datetime) -> dict[str, object]:
    return {"chat_id": chat_id, "method": "sendMessage", "payload": {"text": text, "n": [1, 2]},
            "ticket_id": None, "purpose": "notice", "edit_purpose": None,
            "reply_to_purpose": None, "status": "pending", "attempts": 0,
            "next_attempt_at": at, "created_at": at}


async def test_rows_and_types_as_sqlalchemy_gives_them(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        first = await core.execute(session, _INSERT_ROW, row_values(5, "您好", T0))
        second = await core.execute(session, _INSERT_ROW,
                                    row_values(5, "<b>#42</b>", T0 + timedelta(hours=1)))
        assert second.inserted_primary_key[0] == first.inserted_primary_key[0] + 1
        ours = (await core.execute(session, _ROWS, {"chat_id": 5})).all()
        theirs = (await session.execute(_ROWS, {"chat_id": 5})).all()
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert [r.payload for r in ours] == [r.payload for r in theirs]  # named, as SQLAlchemy's
    assert ours[0][1] == {"text": "您好", "n": [1, 2]}
    assert ours[1][2] == T0 + timedelta(hours=1) and ours[1][2].tzinfo is not None


async def test_in_lists_given_or_carried(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        ids = [(await core.execute(session, _INSERT_ROW, row_values(6, str(i), T0)))
               .inserted_primary_key[0] for i in range(4)]
        picked = await core.execute(session, _SOME, {"ids": [ids[0], ids[2]]})
        assert sorted(picked.scalars()) == [ids[0], ids[2]]
        assert (await core.execute(session, _SOME, {"ids": [ids[3]]})).scalars() == [ids[3]]
        assert (await core.execute(session, _SOME, {"ids": []})).scalars() == []
        assert sorted((await core.execute(session, _PENDING)).scalars()) == ids


async def test_rowcount_and_an_upsert(database: Database) -> None:
    upsert = core_upsert(database)
    async with database.sessionmaker() as session, session.begin():
        for data in ({"step": 1}, {"step": 2, "rate": {"count": 3}}):
            await core.execute(session, upsert, {"chat_id": 1, "user_id": 2, "state": "draft",
                                                 "data": data, "updated_at": T0})
        found = (await core.execute(session, _STATE, {"u": 2})).first()
        assert tuple(found) == ({"step": 2, "rate": {"count": 3}}, T0)
        for i in range(3):
            await core.execute(session, _INSERT_ROW, row_values(7, str(i), T0))
        changed = await core.execute(
            session, update(_outbox).where(_outbox.c.chat_id == bindparam("c"))
            .values(status="sent"), {"c": 7})
        assert changed.rowcount == 3
        await core.execute_many(session, _RETRY, [
            {"c": 7, "at": T0 + timedelta(minutes=i)} for i in range(2)] + [{"c": 70, "at": T0}])
        assert [(row.status, row.next_attempt_at) for row in (
            await core.execute(session, select(_outbox.c.status, _outbox.c.next_attempt_at)
                               .where(_outbox.c.chat_id == 7)))] == [
            ("pending", T0 + timedelta(minutes=1))] * 3  # in order: the last one stays
        await core.execute_many(session, _RETRY, [])


_RETRY = (update(_outbox).where(_outbox.c.chat_id == bindparam("c"))
          .values(status="pending", next_attempt_at=bindparam("at")))


async def test_pending_orm_changes_are_flushed_first(database: Database) -> None:
    """As session.execute autoflushes: a Core read sees what the unit of work holds."""
    async with database.sessionmaker() as session, session.begin():
        session.add(Person(telegram_id=11, display_name="王", role="resident",
                           script="simplified", volunteer=False, created_at=T0))
        assert (await core.execute(session, _PERSON_NAMES, {"t": 11})).scalar() == "王"
        person = (await session.scalars(select(Person))).one()
        person.display_name = "王阿姨"
        assert (await core.execute(session, _PERSON_NAMES, {"t": 11})).scalar() == "王阿姨"


async def test_loaded_rows_are_the_sessions_objects(database: Database) -> None:
    columns = _people.columns.keys()
    everything = select(*_people.columns).where(_people.c.telegram_id == bindparam("t"))
    async with database.sessionmaker() as session, session.begin():
        session.add(Person(telegram_id=12, display_name="李", role="resident",
                           script="simplified", volunteer=False, created_at=T0))
        await session.flush()
        held = (await session.scalars(select(Person))).one()
        row = (await core.execute(session, everything, {"t": 12})).first()
        assert core.loaded(session, Person, columns, row) is held
    async with database.sessionmaker() as session, session.begin():
        row = (await core.execute(session, everything, {"t": 12})).first()
        person = core.loaded(session, Person, columns, row)
        assert person.created_at == T0 and person.default_address is None
        person.default_address = "3号楼"  # attached: the change is flushed with the commit
    async with database.sessionmaker() as session, session.begin():
        stored = (await session.scalars(select(Person))).one()
        assert stored.default_address == "3号楼"


async def test_a_rollback_undoes_core_statements(database: Database) -> None:
    async with database.sessionmaker() as session:
        await core.execute(session, _INSERT_ROW, row_values(8, "x", T0))
        await session.rollback()
    async with database.sessionmaker() as session, session.begin():
        assert (await core.execute(session, _ROWS, {"chat_id": 8})).all() == []
        await core.execute(session, _INSERT_ROW, row_values(8, "y", T0))
    async with database.sessionmaker() as session, session.begin():
        assert len((await core.execute(session, _ROWS, {"chat_id": 8})).all()) == 1


async def test_statements_that_need_sqlalchemy_are_refused(database: Database) -> None:
    if database.dialect != "sqlite":
        pytest.skip("only SQLite runs statements itself; elsewhere it is session.execute")
    street = insert(cast(Table, Street.__table__))  # created_at has no default: fine
    people = insert(_people)  # display_name, role... have Python-side defaults
    async with database.sessionmaker() as session, session.begin():
        await core.execute(session, street, {"name": "东湖街道", "created_at": T0})
        with pytest.raises(ValueError, match="session.execute"):
            await core.execute(session, people, {"telegram_id": 1, "created_at": T0})


def core_upsert(database: Database):  # type: ignore[no-untyped-def]
    from handlers.conversation import _SAVE

    return _SAVE[database.dialect]
