"""Deadlines (issue 6): reminders, whistles (吹哨), closing unrated tickets, the daily digest.

`tick(services)` is called every half minute by the composition root (`bot.app`), in every bot
process. Nothing here is held in memory: each follow-up is claimed in the database by a
conditional UPDATE (`… WHERE reminded_at IS NULL`, `… WHERE status = 'resolved'`) in its own
short transaction together with the messages it causes, so of several processes exactly one
sends each reminder, whistle or digest, and a process killed mid-tick loses nothing.

- Response deadline passed and nobody claimed the ticket: a reminder in the grid's group, under
  the card, with 接单 (once per ticket).
- Resolution deadline passed: a whistle card in the street's escalation group with the ticket,
  its grid, how long it is overdue, and buttons to transfer it to another grid (once). Urgent
  tickets are whistled at once: `tickets.open_ticket` already sends their card to the street's
  group, so then the whistle is only recorded, never sent a second time.
- Resolved and not rated for `RATING_WINDOW`: closed without a rating (`tickets.close`).
- The daily digest, see `handlers.digest`.
- New problems held past a resident's hourly limit are opened when the hour allows, see
  `handlers.resident.submit_held` (each held row is claimed by deleting it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import digest, resident, tickets
from handlers.keyboards import inline
from handlers.notify import category_label, format_duration, local_time, quoted
from handlers.texts import escape as _e
from storage import outbox
from storage.db import READ_ONLY
from storage.models import (
    OPEN_STATUSES,
    STATUS_LABELS,
    Grid,
    GroupChat,
    Person,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from handlers.app import Services

log = logging.getLogger(__name__)

BATCH = 200  # tickets of one kind per tick; the rest wait for the next tick
RATING_WINDOW = timedelta(days=3)
TRANSFER_CHOICES = 12  # grids offered on a whistle card


async def tick(services: Services) -> None:
    """One round of follow-ups; safe to run in several processes at once."""
    now = services.clock()
    for step in (remind_unclaimed, whistle_overdue, close_unrated, digest.send_due,
                 resident.submit_held):
        try:
            await step(services, now)
        except Exception:  # one failing step must not starve the others
            log.exception("scheduler: %s failed", step.__name__)


async def _due_ids(services: Services, stmt: Select[Any]) -> list[int]:
    async with services.sessionmaker() as session:
        await session.connection(execution_options=READ_ONLY)
        return list((await session.scalars(stmt.limit(BATCH))).all())


async def _each(
    services: Services, ids: list[int],
    step: Callable[[AsyncSession, int], Any],
) -> int:
    """Run `step` for each ticket in a transaction of its own; wake the dispatcher after
    each commit that queued messages. Returns how many steps queued something."""
    done = 0
    for ticket_id in ids:
        async with services.sessionmaker() as session, session.begin():
            wrote = await step(session, ticket_id)
        if wrote:
            done += 1
            services.wake_outbox()
    return done


# ---------------------------------------------------------------------------------------------
# Reminders


async def remind_unclaimed(services: Services, now: datetime) -> int:
    ids = await _due_ids(services, select(Ticket.id).where(
        Ticket.status == "new", Ticket.respond_by <= now, Ticket.reminded_at.is_(None),
    ).order_by(Ticket.respond_by, Ticket.id))

    async def remind(session: AsyncSession, ticket_id: int) -> bool:
        claimed: Any = await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == "new", Ticket.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        if claimed.rowcount != 1:
            return False  # claimed meanwhile, or another process reminded
        ticket = await tickets.require_ticket(session, ticket_id)
        late = format_duration(now - ticket.respond_by)
        session.add(TicketEvent(ticket_id=ticket.id, kind="reminded", at=now,
                                data={"late_seconds": int((now - ticket.respond_by)
                                                          .total_seconds())}))
        text = (f"⏰ 工单 #{ticket.number}（{category_label(ticket.category)}）已超过响应时限 "
                f"{late}，仍未接单，请尽快处理。")
        chats = await tickets.grid_groups(session, ticket.grid_id)
        for chat_id in chats:
            await outbox.enqueue(
                session, chat_id=chat_id, method="sendMessage",
                payload={"text": text, "parse_mode": "HTML",
                         "reply_markup": inline([("接单", f"t:{ticket.number}:claim")])},
                ticket_id=ticket.id, purpose="reminder", reply_to_purpose="card", now=now)
        return bool(chats)

    return await _each(services, ids, remind)


# ---------------------------------------------------------------------------------------------
# Whistles


def street_groups(grid: Grid | None) -> Select[Any]:
    """The escalation groups of a grid's street (a street group bound to no street serves all;
    the rule `tickets.open_ticket` follows for urgent cards)."""
    street_id = grid.street_id if grid is not None else None
    return select(GroupChat.chat_id).where(
        GroupChat.role == "street",
        or_(GroupChat.street_id.is_(None), GroupChat.street_id == street_id),
    ).order_by(GroupChat.chat_id)


async def whistle_overdue(services: Services, now: datetime) -> int:
    if not await _any_street_group(services):
        return 0  # nowhere to whistle; tickets stay unmarked until a street group is bound
    ids = await _due_ids(services, select(Ticket.id).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.escalated_at.is_(None),
        or_(Ticket.urgent, Ticket.resolve_by <= now),
    ).order_by(Ticket.resolve_by, Ticket.id))
    tz = services.config.rules.timezone

    async def whistle(session: AsyncSession, ticket_id: int) -> bool:
        ticket = await tickets.require_ticket(session, ticket_id)
        grid = await session.get(Grid, ticket.grid_id) if ticket.grid_id else None
        chats = list((await session.scalars(street_groups(grid))).all())
        if not chats:
            return False
        claimed: Any = await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status.in_(OPEN_STATUSES),
                   Ticket.escalated_at.is_(None))
            .values(escalated_at=now)
        )
        if claimed.rowcount != 1:
            return False
        overdue = now >= ticket.resolve_by
        if ticket.urgent and not overdue:
            shown = set(await tickets.card_chats(session, ticket))
            if shown & set(chats):
                return False  # its card went to the street's group when it was opened
        session.add(TicketEvent(ticket_id=ticket.id, kind="escalated", at=now,
                                data={"overdue_seconds": max(0, int(
                                    (now - ticket.resolve_by).total_seconds()))}))
        payload = {"text": await _whistle_text(session, ticket, grid, now, tz),
                   "parse_mode": "HTML"}
        keyboard = await _transfer_keyboard(session, ticket)
        if keyboard is not None:
            payload["reply_markup"] = keyboard
        for chat_id in chats:
            await outbox.enqueue(session, chat_id=chat_id, method="sendMessage",
                                 payload=payload, ticket_id=ticket.id, purpose="whistle",
                                 now=now)
        return True

    return await _each(services, ids, whistle)


async def _any_street_group(services: Services) -> bool:
    async with services.sessionmaker() as session:
        await session.connection(execution_options=READ_ONLY)
        return bool(await session.scalar(select(exists().where(GroupChat.role == "street"))))


async def _whistle_text(
    session: AsyncSession, ticket: Ticket, grid: Grid | None, now: datetime, tz: str
) -> str:
    head = "🔴 紧急 · " if ticket.urgent else ""
    lines = [f"📣 <b>街道吹哨</b> · {head}<b>工单 #{ticket.number}</b> · "
             f"{_e(category_label(ticket.category))}"]
    if now >= ticket.resolve_by:
        lines.append(f"已超过办结时限 <b>{format_duration(now - ticket.resolve_by)}</b>"
                     f"（时限 {local_time(ticket.resolve_by, tz)}）")
    else:
        lines.append(f"紧急工单，办结时限 {local_time(ticket.resolve_by, tz)}")
    status = STATUS_LABELS.get(ticket.status, ticket.status)
    if ticket.assignee_id:
        assignee = await session.get(Person, ticket.assignee_id)
        if assignee is not None and assignee.display_name:
            status += f"（承办：{_e(assignee.display_name)}）"
    lines.append(f"网格：{_e(grid.name) if grid else '未分配网格'} · 状态：{status}")
    lines.append(f"位置：{_e(ticket.location_text) or '位置待确认'}")
    lines.append(f"内容：{quoted(ticket.text, 200)}")
    lines.append(f"受理：{local_time(ticket.created_at, tz)}")
    return "\n".join(lines)


async def _transfer_keyboard(session: AsyncSession, ticket: Ticket) -> dict[str, Any] | None:
    """转派 to another grid: the `tr:<number>:<grid>` buttons `handlers.staff` answers."""
    stmt = select(Grid).order_by(Grid.id).limit(TRANSFER_CHOICES)
    if ticket.grid_id is not None:
        stmt = stmt.where(Grid.id != ticket.grid_id)
    grids = (await session.scalars(stmt)).all()
    buttons = [(f"转派 {g.name}", f"tr:{ticket.number}:{g.id}") for g in grids]
    if not buttons:
        return None
    return inline(*[buttons[i:i + 2] for i in range(0, len(buttons), 2)])


# ---------------------------------------------------------------------------------------------
# Closing


async def close_unrated(services: Services, now: datetime) -> int:
    ids = await _due_ids(services, select(Ticket.id).where(
        Ticket.status == "resolved", Ticket.rating.is_(None),
        Ticket.resolved_at <= now - RATING_WINDOW,
    ).order_by(Ticket.resolved_at, Ticket.id))
    rules = services.config.rules

    async def close(session: AsyncSession, ticket_id: int) -> bool:
        try:
            await tickets.close(session, ticket_id, now=now, rules=rules)
        except tickets.TicketError:
            return False  # rated, reopened or closed by another process meanwhile
        return True

    return await _each(services, ids, close)
