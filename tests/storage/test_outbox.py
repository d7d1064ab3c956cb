"""The outbox contract the dispatcher relies on: order per chat, leases, retries, edits, links."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from storage import outbox
from storage.db import Database
from storage.models import MessageLink, OutboxRow, Ticket, TicketEvent

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
GROUP, ALICE, BOB = -1001, 11, 22


async def add_ticket(db: Database) -> int:
    async with db.sessionmaker() as session, session.begin():
        ticket = Ticket(category="road", text="路灯坏了", respond_by=T0, resolve_by=T0,
                        created_at=T0, updated_at=T0)
        session.add(ticket)
        await session.flush()
        return ticket.id


async def put(db: Database, chat_id: int, text: str = "hi", **kwargs: Any) -> int:
    kwargs.setdefault("method", "sendMessage")
    async with db.sessionmaker() as session, session.begin():
        return await outbox.enqueue(session, chat_id=chat_id, payload={"text": text}, now=T0,
                                    **kwargs)


async def status_of(db: Database, row_id: int) -> OutboxRow:
    async with db.sessionmaker() as session:
        return (await session.get(OutboxRow, row_id))  # type: ignore[return-value]


async def test_enqueue_only_adds_to_the_callers_transaction(database: Database) -> None:
    async with database.sessionmaker() as session:
        await outbox.enqueue(session, chat_id=ALICE, method="sendMessage",
                             payload={"text": "x"}, now=T0)
        await session.rollback()
    assert await outbox.pending_count(database.sessionmaker) == 0


async def test_enqueue_refuses_what_the_dispatcher_could_not_send(database: Database) -> None:
    async with database.sessionmaker() as session:
        with pytest.raises(ValueError):
            await outbox.enqueue(session, chat_id=1, method="sendSticker", payload={}, now=T0)
        with pytest.raises(ValueError):
            await outbox.enqueue(session, chat_id=1, method="editMessageText", payload={},
                                 now=T0)
        with pytest.raises(ValueError):
            await outbox.enqueue(session, chat_id=1, method="sendMessage",
                                 payload={"chat_id": 1}, now=T0)


async def test_one_row_per_chat_in_flight_in_order(database: Database) -> None:
    a1 = await put(database, ALICE, "a1")
    a2 = await put(database, ALICE, "a2")
    b1 = await put(database, BOB, "b1")
    first = await outbox.claim_due(database.sessionmaker, now=T0)
    assert [m.id for m in first] == [a1, b1]
    assert first[0].payload == {"text": "a1"} and first[0].attempts == 1
    assert await outbox.claim_due(database.sessionmaker, now=T0) == []  # a2 waits for a1
    await outbox.mark_sent(database.sessionmaker, a1, telegram_message_ids=[500], now=T0)
    second = await outbox.claim_due(database.sessionmaker, now=T0)
    assert [m.id for m in second] == [a2]
    assert (await status_of(database, a1)).status == "sent"
    assert (await status_of(database, a1)).sent_message_ids == [500]


async def test_limit_and_not_due_rows(database: Database) -> None:
    for chat in range(5):
        await put(database, chat)
    assert len(await outbox.claim_due(database.sessionmaker, now=T0, limit=3)) == 3
    assert len(await outbox.claim_due(database.sessionmaker, now=T0, limit=3)) == 2
    later = await put(database, 99)
    async with database.sessionmaker() as session, session.begin():
        row = await session.get(OutboxRow, later)
        assert row is not None
        row.next_attempt_at = T0 + timedelta(minutes=5)
    assert await outbox.claim_due(database.sessionmaker, now=T0) == []


async def test_an_expired_lease_is_claimed_again(database: Database) -> None:
    row = await put(database, ALICE)
    lease = timedelta(seconds=60)
    assert len(await outbox.claim_due(database.sessionmaker, now=T0, lease=lease)) == 1
    assert await outbox.claim_due(database.sessionmaker, now=T0 + timedelta(seconds=59)) == []
    again = await outbox.claim_due(database.sessionmaker, now=T0 + timedelta(seconds=61))
    assert [(m.id, m.attempts) for m in again] == [(row, 2)]


async def test_retry_waits_and_holds_back_the_chat(database: Database) -> None:
    first = await put(database, ALICE, "1")
    await put(database, ALICE, "2")
    await outbox.claim_due(database.sessionmaker, now=T0)
    retry_at = T0 + timedelta(seconds=30)
    await outbox.mark_retry(database.sessionmaker, first, error="429 retry after 30",
                            next_attempt_at=retry_at)
    row = await status_of(database, first)
    assert (row.status, row.last_error, row.next_attempt_at) == (
        "pending", "429 retry after 30", retry_at)
    assert await outbox.claim_due(database.sessionmaker, now=T0 + timedelta(seconds=10)) == []
    assert await outbox.next_due_at(database.sessionmaker) == retry_at
    again = await outbox.claim_due(database.sessionmaker, now=retry_at)
    assert [(m.id, m.attempts) for m in again] == [(first, 2)]


async def test_failure_is_final_recorded_on_the_ticket_and_unblocks(database: Database) -> None:
    ticket_id = await add_ticket(database)
    notice = await put(database, ALICE, "您的工单", ticket_id=ticket_id)
    after = await put(database, ALICE, "next")
    await outbox.claim_due(database.sessionmaker, now=T0)
    await outbox.mark_failed(database.sessionmaker, notice,
                             error="403 Forbidden: bot was blocked by the user", now=T0)
    row = await status_of(database, notice)
    assert (row.status, row.failed_at) == ("failed", T0)
    async with database.sessionmaker() as session:
        events = (await session.scalars(select(TicketEvent))).all()
    assert [(e.ticket_id, e.kind, e.note) for e in events] == [
        (ticket_id, "notify_failed", "403 Forbidden: bot was blocked by the user")]
    assert events[0].data is not None and events[0].data["chat_id"] == ALICE
    assert [m.id for m in await outbox.claim_due(database.sessionmaker, now=T0)] == [after]


async def test_edit_rows_get_the_latest_linked_card(database: Database) -> None:
    ticket_id = await add_ticket(database)
    card = await put(database, GROUP, "card", ticket_id=ticket_id, purpose="card")
    edit = await put(database, GROUP, "card v2", ticket_id=ticket_id, purpose="card",
                     method="editMessageText", edit_purpose="card")
    [claimed] = await outbox.claim_due(database.sessionmaker, now=T0)
    assert claimed.id == card
    await outbox.mark_sent(database.sessionmaker, card, telegram_message_ids=[70], now=T0)
    async with database.sessionmaker() as session, session.begin():
        session.add(MessageLink(chat_id=GROUP, message_id=90, ticket_id=ticket_id,
                                purpose="card", created_at=T0))  # the card sent again later
    [claimed] = await outbox.claim_due(database.sessionmaker, now=T0)
    assert (claimed.id, claimed.method) == (edit, "editMessageText")
    assert claimed.payload == {"text": "card v2", "message_id": 90}
    await outbox.mark_sent(database.sessionmaker, edit, telegram_message_ids=[90], now=T0)
    async with database.sessionmaker() as session:
        links = (await session.scalars(select(MessageLink).order_by(MessageLink.id))).all()
    assert [(link.chat_id, link.message_id, link.purpose) for link in links] == [
        (GROUP, 70, "card"), (GROUP, 90, "card")]


async def test_an_edit_with_nothing_to_edit_fails_and_the_chat_moves_on(
    database: Database,
) -> None:
    ticket_id = await add_ticket(database)
    edit = await put(database, GROUP, "v2", ticket_id=ticket_id, purpose="card",
                     method="editMessageText", edit_purpose="card")
    notice = await put(database, GROUP, "next")
    claimed = await outbox.claim_due(database.sessionmaker, now=T0)
    assert [m.id for m in claimed] == [notice]
    row = await status_of(database, edit)
    assert (row.status, row.last_error) == ("failed", "nothing to edit")


async def test_reply_to_a_linked_message(database: Database) -> None:
    ticket_id = await add_ticket(database)
    async with database.sessionmaker() as session, session.begin():
        session.add(MessageLink(chat_id=GROUP, message_id=70, ticket_id=ticket_id,
                                purpose="card", created_at=T0))
    await put(database, GROUP, "居民补充：", ticket_id=ticket_id, reply_to_purpose="card")
    await put(database, BOB, "no card here", ticket_id=ticket_id, reply_to_purpose="card")
    replies = await outbox.claim_due(database.sessionmaker, now=T0)
    assert replies[0].payload["reply_parameters"] == {
        "message_id": 70, "allow_sending_without_reply": True}
    assert "reply_parameters" not in replies[1].payload


async def test_mark_sent_links_every_message_of_an_album(database: Database) -> None:
    ticket_id = await add_ticket(database)
    album = await put(database, GROUP, ticket_id=ticket_id, purpose="photos",
                      method="sendMediaGroup")
    await outbox.claim_due(database.sessionmaker, now=T0)
    await outbox.mark_sent(database.sessionmaker, album, telegram_message_ids=[5, 6, 7], now=T0)
    await outbox.mark_sent(database.sessionmaker, album, telegram_message_ids=[5, 6, 7], now=T0)
    async with database.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(MessageLink))
    assert count == 3


async def test_counts_and_next_due(database: Database) -> None:
    assert await outbox.pending_count(database.sessionmaker) == 0
    assert await outbox.next_due_at(database.sessionmaker) is None
    await put(database, ALICE)
    await put(database, ALICE)
    assert await outbox.pending_count(database.sessionmaker) == 2
    assert await outbox.next_due_at(database.sessionmaker) == T0
    await outbox.claim_due(database.sessionmaker, now=T0, lease=timedelta(seconds=60))
    # the head is in flight: nothing is due before its lease ends
    assert await outbox.next_due_at(database.sessionmaker) == T0 + timedelta(seconds=60)


async def test_concurrent_claimers_never_share_a_row(database: Database) -> None:
    for chat in range(40):
        await put(database, chat)
        await put(database, chat)
    results = await asyncio.gather(
        *(outbox.claim_due(database.sessionmaker, now=T0, limit=15) for _ in range(4))
    )
    ids = [m.id for batch in results for m in batch]
    chats = [m.chat_id for batch in results for m in batch]
    assert len(ids) == len(set(ids)) == 40
    assert len(set(chats)) == 40  # one per chat, the older one
