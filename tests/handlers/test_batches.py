"""Group commit: updates of different chats handled in one transaction (`handle_many`) leave
exactly what handling them one by one leaves; a batch with a refusal writes nothing."""

from __future__ import annotations

from itertools import count
from pathlib import Path

from sqlalchemy import select

from handlers.app import Config, Handled, Services, handle, handle_many
from handlers.events import Incoming, Person
from intents import Classifier
from storage.db import Database
from storage.models import Base, OutboxRow, ProcessedUpdate, Ticket, TicketReporter
from tests.handlers.conftest import ADMIN, CHEN, LI, WANG, ZHANG
from tests.storage.builders import LONGQUAN_GROUP, T0, seed_street


async def street_at(path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.sessionmaker() as session, session.begin():
        await seed_street(session)
    return database


def services_of(database: Database, classifier: Classifier) -> Services:
    return Services.build(database.sessionmaker, classifier,
                          Config(admin_ids=frozenset({ADMIN.id})), clock=lambda: T0)


def updates() -> list[Incoming]:
    ids = count(5000)

    def said(who: Person, text: str, chat_id: int | None = None) -> Incoming:
        number = next(ids)
        return Incoming(update_id=number, chat_id=chat_id or who.id,
                        chat_type="private" if chat_id is None else "supergroup", sender=who,
                        kind="text", text=text, at=T0, message_id=number)

    return [
        said(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了，臭得不行"),
        said(CHEN, "龍泉花園5號樓電梯壞了，老人下不了樓"),
        said(LI, "楼道里的灯坏了好几天了"),  # no place: asked where
        said(Person(44, "周五"), "龙泉小区3号楼门口垃圾没人收，好臭"),  # the same problem
        said(WANG, "/list", chat_id=LONGQUAN_GROUP),
        said(Person(55, "吴六"), "你好"),
    ]


async def outcome(database: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    async with database.sessionmaker() as session:
        tickets = [(t.id, t.category, t.grid_id, t.text, t.location_text, t.status)
                   for t in (await session.scalars(select(Ticket).order_by(Ticket.id))).all()]
        rows = [(r.chat_id, r.method, r.payload, r.ticket_id, r.purpose)
                for r in (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()]
    return tickets, rows


async def test_one_transaction_leaves_what_one_by_one_leaves(
        tmp_path: Path, classifier: Classifier) -> None:
    alone, together = (await street_at(tmp_path / "alone.db"),
                       await street_at(tmp_path / "together.db"))
    try:
        one_by_one = [await handle(event, services_of(alone, classifier)) for event in updates()]
        batched = await handle_many(updates(), services_of(together, classifier))
        assert batched == one_by_one
        tickets, rows = await outcome(together)
        assert (tickets, rows) == await outcome(alone)
        async with together.sessionmaker() as session:
            reporters = (await session.scalars(select(TicketReporter))).all()
        assert len(tickets) == 1 and len(reporters) == 2  # the fourth report followed the first
        assert {r[0] for r in rows} >= {ZHANG.id, CHEN.id, LI.id, 44, 55, LONGQUAN_GROUP}
    finally:
        await alone.dispose()
        await together.dispose()


async def test_a_refusal_in_a_batch_writes_nothing_and_asks_for_one_by_one(
        tmp_path: Path, classifier: Classifier) -> None:
    database = await street_at(tmp_path / "refused.db")
    services = services_of(database, classifier)
    events = updates()[:2] + [
        Incoming(update_id=6001, chat_id=LONGQUAN_GROUP, chat_type="supergroup", sender=WANG,
                 kind="text", text="/merge 1 1", at=T0, message_id=6001)]
    try:
        assert await handle_many(events, services) is None
        async with database.sessionmaker() as session:
            assert (await session.scalars(select(ProcessedUpdate))).all() == []
            assert (await session.scalars(select(OutboxRow))).all() == []
        handled = [await handle(event, services) for event in events]  # as Intake then does
        assert handled == [Handled()] * 3
        _, rows = await outcome(database)
        assert any("不能与自己合并" in str(r[2]) for r in rows if r[0] == LONGQUAN_GROUP)
    finally:
        await database.dispose()
