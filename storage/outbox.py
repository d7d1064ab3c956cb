"""The outbox: every Bot API call the system makes, written in the transaction that caused it.

A use case calls `enqueue` in its own session and commits once: the change and the messages it
causes are stored together or not at all. The dispatcher (bot/) then loops:

    rows = await claim_due(sessionmaker, now=now)        # marks them 'sending' with a lease
    for row in rows:                                      # at most one row per chat
        call the Bot API: row.method with {"chat_id": row.chat_id, **row.payload}
        ok                -> await mark_sent(sessionmaker, row.id, telegram_message_ids=[…], now=…)
        429 / 5xx / I/O   -> await mark_retry(sessionmaker, row.id, error=…, next_attempt_at=…)
        403, other 400    -> await mark_failed(sessionmaker, row.id, error=…, now=…)
    sleep until `next_due_at(sessionmaker)` or until woken after a commit

Row life: pending -> sending -> sent | failed, or back to pending for a retry. A 'sending' row
whose lease ran out (the process died mid-call) is claimed again, so a message whose outcome was
unknown can be sent twice; nothing is ever lost.

Order: rows of one chat are sent in `id` order. A row is never claimed while an older row of the
same chat is still pending or sending, so at most one row per chat is in flight (also across
processes), and a retry holds back the rows behind it.

Edits: an edit row (editMessageText, editMessageReplyMarkup, editMessageCaption) names no message;
it names `edit_purpose` (for example 'card'), and `claim_due` fills in `message_id` from the latest
`message_links` row for (chat_id, ticket_id, edit_purpose). Because the card is an older row of
the same chat, it has been sent (and linked) before its edits are claimed. When there is no such
message (the card failed), the edit row is marked failed with 'nothing to edit'.

Replies: a row may name `reply_to_purpose`; `claim_due` then adds `reply_parameters` pointing at
the latest linked message of that purpose for the ticket in that chat (sent without the reply
when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Insert,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import core
from storage.db import READ_ONLY
from storage.models import JsonType, MessageLink, OutboxRow, TicketEvent, UTCDateTime

METHODS = (
    "sendMessage",
    "sendPhoto",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
)
EDIT_METHODS = frozenset(m for m in METHODS if m.startswith("edit"))
UNFINISHED = ("pending", "sending")
NOTHING_TO_EDIT = "nothing to edit"

_outbox = cast(Table, OutboxRow.__table__)
_links = cast(Table, MessageLink.__table__)
_events = cast(Table, TicketEvent.__table__)
_INSERT = insert(_outbox)  # the id: lastrowid on SQLite, RETURNING on PostgreSQL


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed row, ready to send: `method` with `{"chat_id": chat_id, **payload}`.

    For edit rows `payload["message_id"]` is already filled in. `attempts` counts the claims of
    this row including this one (1 on the first try).
    """

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    ticket_id: int | None
    purpose: str
    attempts: int


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    ticket_id: int | None = None,
    purpose: str = "notice",
    edit_purpose: str | None = None,
    reply_to_purpose: str | None = None,
    now: datetime,
) -> int:
    """Add a row to the caller's session and return its id; the caller commits.

    `payload` holds the Bot API parameters except `chat_id` (and, for edits, `message_id`).
    """
    if method not in METHODS:
        raise ValueError(f"unknown outbox method {method!r}; expected one of {METHODS}")
    if (method in EDIT_METHODS) != (edit_purpose is not None):
        raise ValueError("edit methods need an edit_purpose (and only they take one)")
    if "chat_id" in payload or "message_id" in payload:
        raise ValueError("payload must not carry chat_id or message_id; they are filled in")
    values = {
        "chat_id": chat_id, "method": method, "payload": payload, "ticket_id": ticket_id,
        "purpose": purpose, "edit_purpose": edit_purpose, "reply_to_purpose": reply_to_purpose,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
    }
    result = await core.execute(session, _INSERT, values)
    return int(result.inserted_primary_key[0])


def to_chats(chats: Select[Any] | CompoundSelect[Any]) -> Insert:
    """An `INSERT … SELECT` that enqueues a message to every chat `chats` finds (bind
    parameters allowed): a one-column SELECT of chat ids sends them all the same payload; a
    three-column one (chat_id, payload, purpose) gives each row its own. Run it with
    `enqueue_to_chats`; build it once at import when it runs on a hot path, so SQLAlchemy
    compiles it once."""
    found = chats.subquery()
    if len(found.c) == 3:
        payload, purpose = found.c[1], found.c[2]
    else:
        payload = bindparam("outbox_payload", type_=JsonType)
        purpose = bindparam("outbox_purpose", type_=String())
    now = bindparam("outbox_now", type_=UTCDateTime())
    rows = select(
        found.c[0],
        bindparam("outbox_method", type_=String()),
        payload,
        bindparam("outbox_ticket_id", type_=Integer()),
        purpose,
        bindparam("outbox_reply_to_purpose", type_=String()),
        literal_column("'pending'"),
        literal_column("0"),
        now,
        now,
    ).order_by(found.c[0])
    columns = ["chat_id", "method", "payload", "ticket_id", "purpose", "reply_to_purpose",
               "status", "attempts", "next_attempt_at", "created_at"]
    return insert(_outbox).from_select(columns, rows)


async def enqueue_to_chats(
    session: AsyncSession,
    chats: Select[Any] | Insert,
    *,
    method: str,
    payload: dict[str, Any] | None = None,
    ticket_id: int | None = None,
    purpose: str = "notice",
    reply_to_purpose: str | None = None,
    now: datetime,
    params: dict[str, Any] | None = None,
) -> int:
    """`enqueue` a message to every chat that `chats` finds (a SELECT as `to_chats` takes, or a
    statement from `to_chats`, with its bind `params`), in one statement; returns how many rows
    were added. `payload` and `purpose` are for every row unless the SELECT gives them. Not for
    edits."""
    if method not in METHODS or method in EDIT_METHODS:
        raise ValueError(f"enqueue_to_chats sends new messages; {method!r} is not one")
    stmt = chats if isinstance(chats, Insert) else to_chats(chats)
    values = {
        **(params or {}),
        "outbox_method": method,
        "outbox_payload": payload,
        "outbox_ticket_id": ticket_id,
        "outbox_purpose": purpose,
        "outbox_reply_to_purpose": reply_to_purpose,
        "outbox_now": now,
    }
    if stmt is chats:  # built once: storage.core runs it without SQLAlchemy's machinery
        return int((await core.execute(session, stmt, values)).rowcount)
    result: Any = await session.execute(stmt, values)  # built now: SQLAlchemy's cache keeps it
    return int(result.rowcount)


async def claim_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    limit: int = 50,
    lease: timedelta = timedelta(seconds=60),
) -> list[OutboxMessage]:
    """Claim up to `limit` rows that are due, at most one per chat, oldest first.

    Due: pending with `next_attempt_at <= now`, or sending with an expired lease. Claimed rows
    become 'sending' until `now + lease`. Safe with several processes: PostgreSQL locks the
    candidates with `FOR UPDATE SKIP LOCKED`; SQLite takes the write lock at BEGIN (storage.db).
    """
    claimed: list[OutboxMessage] = []
    async with sessionmaker() as session, session.begin():
        postgres = session.get_bind().dialect.name == "postgresql"
        while len(claimed) < limit:
            rows = await _candidates(session, now, limit - len(claimed), postgres)
            if not rows:
                break
            unblocked_any = False
            ready: list[OutboxMessage] = []
            for row in rows:
                payload = dict(row.payload)
                if row.edit_purpose is not None:
                    message_id = await _linked_message(
                        session, row.chat_id, row.ticket_id, row.edit_purpose
                    )
                    if message_id is None:
                        await core.execute(session, _NOTHING_TO_EDIT,
                                           {"row_id": row.id, "now": now})
                        unblocked_any = True
                        continue
                    payload["message_id"] = message_id
                if row.reply_to_purpose is not None:
                    reply_to = await _linked_message(
                        session, row.chat_id, row.ticket_id, row.reply_to_purpose
                    )
                    if reply_to is not None:
                        payload["reply_parameters"] = {
                            "message_id": reply_to,
                            "allow_sending_without_reply": True,
                        }
                ready.append(
                    OutboxMessage(
                        id=row.id,
                        chat_id=row.chat_id,
                        method=row.method,
                        payload=payload,
                        ticket_id=row.ticket_id,
                        purpose=row.purpose,
                        attempts=row.attempts + 1,
                    )
                )
            if ready:
                await core.execute(session, _CLAIM, {"ids": [m.id for m in ready],
                                                     "lease_until": now + lease})
                claimed.extend(ready)
            if not unblocked_any:
                break  # a failed edit may have unblocked its chat's next row: look again
    return claimed


async def _candidates(
    session: AsyncSession, now: datetime, limit: int, postgres: bool
) -> list[Any]:
    return (await core.execute(session, _DUE[postgres], {"now": now, "limit": limit})).all()


async def _linked_message(
    session: AsyncSession, chat_id: int, ticket_id: int | None, purpose: str
) -> int | None:
    if ticket_id is None:
        return None
    params = {"chat_id": chat_id, "ticket_id": ticket_id, "purpose": purpose}
    return (await core.execute(session, _LINKED, params)).scalar()  # type: ignore[no-any-return]


# Built once (storage.core): the dispatcher claims rows many times a second.
_older = _outbox.alias("older")
_DUE_ROWS = select(_outbox).where(
    or_(and_(_outbox.c.status == "pending", _outbox.c.next_attempt_at <= bindparam("now")),
        and_(_outbox.c.status == "sending", _outbox.c.lease_until <= bindparam("now"))),
    ~exists().where(_older.c.chat_id == _outbox.c.chat_id, _older.c.id < _outbox.c.id,
                    _older.c.status.in_(UNFINISHED)),
).order_by(_outbox.c.id).limit(bindparam("limit"))
_DUE = {False: _DUE_ROWS, True: _DUE_ROWS.with_for_update(skip_locked=True, of=_outbox)}
_CLAIM = (update(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
          .values(status="sending", lease_until=bindparam("lease_until"),
                  attempts=_outbox.c.attempts + 1))
_NOTHING_TO_EDIT = (update(_outbox).where(_outbox.c.id == bindparam("row_id"))
                    .values(status="failed", last_error=NOTHING_TO_EDIT,
                            failed_at=bindparam("now"), lease_until=None))
_LINKED = (select(_links.c.message_id)
           .where(_links.c.chat_id == bindparam("chat_id"),
                  _links.c.ticket_id == bindparam("ticket_id"),
                  _links.c.purpose == bindparam("purpose"))
           .order_by(_links.c.id.desc()).limit(1))


async def mark_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
    row_id: int,
    *,
    telegram_message_ids: list[int],
    now: datetime,
) -> None:
    """The call succeeded. For a row with a ticket, link each message Telegram created to the
    ticket under the row's purpose (edits create no message), so replies find their ticket."""
    if await mark_sent_many(sessionmaker, {row_id: telegram_message_ids}, now=now):
        raise LookupError(f"no outbox row {row_id}")


async def mark_sent_many(
    sessionmaker: async_sessionmaker[AsyncSession],
    sent: dict[int, list[int]],
    *,
    now: datetime,
) -> set[int]:
    """`mark_sent` for several rows (row id -> the message ids Telegram created) in one
    transaction: the dispatcher finishes many rows a second, and each transaction is a write
    that handlers wait for. Returns the ids of rows that do not exist (nothing done for them)."""
    if not sent:
        return set()
    async with sessionmaker() as session, session.begin():
        rows = await core.execute(session, _SENT_ROWS, {"ids": list(sent)})
        found = {row.id: row for row in rows}
        await core.execute_many(session, _MARK_SENT, [
            {"row_id": row_id, "now": now, "message_ids": list(sent[row_id])}
            for row_id in found])
        links = [
            {"chat_id": row.chat_id, "message_id": message_id, "ticket_id": row.ticket_id,
             "purpose": row.purpose, "created_at": now}
            for row in found.values()
            if row.ticket_id is not None and row.method not in EDIT_METHODS
            for message_id in sent[row.id]
        ]
        await core.execute_many(session, _NEW_LINK[session.get_bind().dialect.name], links)
    return set(sent) - set(found)


# Built once (storage.core): the dispatcher runs them for every message it sends.
_SENT_ROWS = (select(_outbox.c.id, _outbox.c.chat_id, _outbox.c.ticket_id, _outbox.c.purpose,
                     _outbox.c.method)
              .where(_outbox.c.id.in_(bindparam("ids", expanding=True))))
_NEW_LINK = {name: module.insert(_links).on_conflict_do_nothing(
    index_elements=["chat_id", "message_id"]) for name, module in
    (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))}
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("row_id"))
    .values(status="sent", sent_at=bindparam("now"), lease_until=None,
            sent_message_ids=bindparam("message_ids"))
)


async def mark_retry(
    sessionmaker: async_sessionmaker[AsyncSession],
    row_id: int,
    *,
    error: str,
    next_attempt_at: datetime,
) -> None:
    """A temporary failure (429, 5xx, timeout): back to pending until `next_attempt_at`.
    The rows behind it in the same chat wait too, so order is kept."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(_outbox)
            .where(_outbox.c.id == row_id, _outbox.c.status != "sent")
            .values(status="pending", next_attempt_at=next_attempt_at, lease_until=None,
                    last_error=error[:2000])
        )


async def mark_failed(
    sessionmaker: async_sessionmaker[AsyncSession],
    row_id: int,
    *,
    error: str,
    now: datetime,
) -> None:
    """A permanent failure (403 bot blocked, 400 chat not found): never retried. For a ticket's
    message the ticket's history gets a 'notify_failed' event: someone could not be told."""
    async with sessionmaker() as session, session.begin():
        row = (
            await session.execute(
                update(_outbox)
                .where(_outbox.c.id == row_id, _outbox.c.status != "sent")
                .values(status="failed", failed_at=now, lease_until=None, last_error=error[:2000])
                .returning(_outbox.c.ticket_id, _outbox.c.chat_id, _outbox.c.purpose,
                           _outbox.c.method)
            )
        ).one_or_none()
        if row is not None and row.ticket_id is not None:
            await session.execute(
                insert(_events).values(
                    ticket_id=row.ticket_id,
                    actor_id=None,
                    kind="notify_failed",
                    note=error[:2000],
                    data={"chat_id": row.chat_id, "outbox_id": row_id,
                          "purpose": row.purpose, "method": row.method},
                    at=now,
                )
            )


async def pending_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Rows not yet sent or failed (pending or sending)."""
    async with sessionmaker() as session:
        await session.connection(execution_options=READ_ONLY)
        stmt = select(func.count()).select_from(_outbox).where(_outbox.c.status.in_(UNFINISHED))
        return int((await session.execute(stmt)).scalar_one())


async def next_due_at(sessionmaker: async_sessionmaker[AsyncSession]) -> datetime | None:
    """When `claim_due` will next find something, for the dispatcher's sleep; None if never.

    Only the head row of each chat counts (the rows behind it cannot be claimed before it):
    its `next_attempt_at` when pending, its lease's end when sending. The result may be in the
    past: something is due now.
    """
    older = _outbox.alias("older")
    blocked = exists().where(
        older.c.chat_id == _outbox.c.chat_id,
        older.c.id < _outbox.c.id,
        older.c.status.in_(UNFINISHED),
    )
    pending = select(func.min(_outbox.c.next_attempt_at)).where(
        _outbox.c.status == "pending", ~blocked
    )
    sending = select(func.min(_outbox.c.lease_until)).where(_outbox.c.status == "sending")
    async with sessionmaker() as session:
        await session.connection(execution_options=READ_ONLY)
        times = [
            (await session.execute(pending)).scalar_one_or_none(),
            (await session.execute(sending)).scalar_one_or_none(),
        ]
    known = [t for t in times if t is not None]
    return min(known) if known else None
