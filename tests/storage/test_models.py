"""Times are UTC and aware on every backend; the schema keeps its promises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from storage import outbox
from storage.db import Database
from storage.models import GroupChat, OutboxRow, Person, Ticket
from tests.storage.builders import T0, make_person

SHANGHAI = timezone(timedelta(hours=8))


async def test_times_come_back_aware_utc(database: Database) -> None:
    local = datetime(2024, 5, 1, 16, 0, tzinfo=SHANGHAI)
    async with database.sessionmaker() as session, session.begin():
        session.add(make_person(created_at=local))
    async with database.sessionmaker() as session:
        person = (await session.scalars(select(Person))).one()
        assert person.created_at == T0 and person.created_at.utcoffset() == timedelta(0)
        # comparisons in SQL agree with Python's, whatever zone the parameter is in
        found = await session.scalar(select(Person.id).where(Person.created_at >= local))
        assert found == person.id


async def test_naive_times_are_refused(database: Database) -> None:
    async with database.sessionmaker() as session:
        session.add(make_person(created_at=datetime(2024, 5, 1, 8, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.flush()


async def test_a_rating_outside_1_to_3_is_refused(database: Database) -> None:
    async with database.sessionmaker() as session:
        session.add(Ticket(category="road", respond_by=T0, resolve_by=T0, created_at=T0,
                           updated_at=T0, rating=5))
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_number_is_the_id(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        ticket = Ticket(category="road", respond_by=T0, resolve_by=T0, created_at=T0,
                        updated_at=T0)
        session.add(ticket)
        await session.flush()
        assert ticket.number == ticket.id
        assert await session.scalar(select(Ticket.id).where(Ticket.number == ticket.id))


async def test_one_message_to_every_chat_a_query_finds(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        session.add_all([GroupChat(chat_id=c, role="grid", bound_at=T0) for c in (-1, -2)])
    async with database.sessionmaker() as session, session.begin():
        added = await outbox.enqueue_to_chats(
            session, select(GroupChat.chat_id), method="sendMessage",
            payload={"text": "通知"}, purpose="notice", now=T0)
        assert added == 2
        with pytest.raises(ValueError):
            await outbox.enqueue_to_chats(session, select(GroupChat.chat_id),
                                          method="editMessageText", payload={}, now=T0)
    async with database.sessionmaker() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    assert [(r.chat_id, r.payload, r.status, r.next_attempt_at) for r in rows] == [
        (-2, {"text": "通知"}, "pending", T0), (-1, {"text": "通知"}, "pending", T0)]


def test_sqlite_needs_a_file() -> None:
    with pytest.raises(ValueError, match="SQLite needs a file"):
        Database("sqlite+aiosqlite:///:memory:")
