"""Hostile input: a street with tickets in every state, over one SQLite file per test function.

Hypothesis runs many examples against the same database (a fresh file per example would make
the suite slow), so each property compares the database after an example with the database
just before it. Example counts stay modest: the suite runs in every `make test`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import select, update

from handlers.app import Handled, Services, handle
from handlers.events import Incoming, Person
from intents import Classifier
from storage.db import Database
from storage.models import (
    Base,
    GroupChat,
    JoinRequest,
    OutboxRow,
    PointsEntry,
    Redemption,
    Ticket,
    TicketEvent,
    TicketReporter,
    Wish,
)
from tests.handlers.chat import Conversation
from tests.handlers.conftest import CHEN, WANG, ZHANG
from tests.storage.builders import LONGQUAN_GROUP, T0, seed_street

HOSTILE = settings(
    max_examples=60, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Ticket numbers of the street, by the state they are left in.
NEW, CLAIMED, RESOLVED, CLOSED = 1, 2, 3, 4
REPORTS = ["龙泉小区3号楼楼道灯坏了", "龙泉小区5号楼垃圾三天没人收了",
           "龙泉花园2栋电梯坏了", "龙泉小区8号楼下水道堵了"]


@dataclass
class Street:
    database: Database
    services: Services
    ids: itertools.count[int]

    def event(self, chat_id: int, sender: Person, **fields: Any) -> Incoming:
        fields.setdefault("message_id", next(self.ids))
        return Incoming(
            update_id=next(self.ids), chat_id=chat_id,
            chat_type="private" if chat_id > 0 else "supergroup", sender=sender,
            at=T0, **fields)

    async def send(self, event: Incoming) -> Handled:
        return await handle(event, self.services)

    async def snapshot(self) -> dict[str, Any]:
        """Everything a forged press must leave as it was."""
        async with self.database.sessionmaker() as session:
            tickets = [tuple(getattr(t, c.key) for c in Ticket.__table__.columns)
                       for t in (await session.scalars(select(Ticket).order_by(Ticket.id)))]
            result: dict[str, Any] = {"tickets": tickets}
            for model in (TicketEvent, TicketReporter, PointsEntry, Wish, Redemption,
                          JoinRequest, GroupChat):
                result[model.__tablename__] = len((await session.scalars(select(model))).all())
            return result

    async def outbox_after(self, row_id: int) -> list[OutboxRow]:
        async with self.database.sessionmaker() as session:
            return list((await session.scalars(
                select(OutboxRow).where(OutboxRow.id > row_id).order_by(OutboxRow.id))).all())

    async def last_outbox_id(self) -> int:
        rows = await self.outbox_after(0)
        return rows[-1].id if rows else 0


@pytest.fixture
async def street(tmp_path, classifier: Classifier) -> AsyncIterator[Street]:
    """龙泉网格 with four tickets: #1 new, #2 claimed, #3 resolved, #4 closed."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/hostile.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.sessionmaker() as session, session.begin():
        await seed_street(session)
    chat = Conversation(database, classifier, now=T0)
    for who, text in zip([ZHANG, CHEN, ZHANG, CHEN], REPORTS, strict=True):
        await chat.says(who, text)
    statuses = {CLAIMED: "claimed", RESOLVED: "resolved", CLOSED: "closed"}
    async with database.sessionmaker() as session, session.begin():
        numbers = sorted((await session.scalars(select(Ticket.id))).all())
        assert numbers == [NEW, CLAIMED, RESOLVED, CLOSED], "the street's reports merged"
        for number, status in statuses.items():
            await session.execute(update(Ticket).where(Ticket.id == number).values(
                status=status, assignee_id=None))
    await chat.deliver()
    try:
        yield Street(database, chat.services, itertools.count(700_000))
    finally:
        await database.dispose()


@pytest.fixture
def errors(caplog):
    """ERROR records logged while handling (a handler that failed and apologised)."""
    caplog.set_level(logging.ERROR)
    return lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


__all__ = ["CHEN", "HOSTILE", "LONGQUAN_GROUP", "WANG", "ZHANG"]
