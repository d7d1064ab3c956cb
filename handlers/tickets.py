"""The ticket lifecycle (工单): opening, every transition, and the messages each one causes.

Framework-free. Every function takes the caller's `AsyncSession` and never commits: the use case
commits once, so a change, its history event and its outbox rows are stored together or not at
all. A refused request raises `TicketError` whose message is a reason people can read.

    new 待受理 → claimed 已接单 → in_progress 处理中 → resolved 已办结 → closed 已关闭
    plus rejected 已退回, duplicate 已合并, withdrawn 已撤回 (resident, while new),
    reopen (resolved → in_progress when the resident is not satisfied),
    transfer (→ new, in another grid)

Concurrency: a transition reads the ticket, then updates it with `WHERE status = <what it read>`;
when another transaction changed it in between, no row matches and the loser gets the same clear
refusal as if it had come second (two staff pressing 接单 at once: exactly one wins).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as cast_to
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers import notify
from handlers.routing import GridArea, grid_area
from handlers.texts import localize, localize_markup
from storage import core, outbox
from storage.models import (
    STATUS_LABELS,
    Attachment,
    Grid,
    GroupChat,
    JsonType,
    MessageLink,
    OutboxRow,
    Person,
    Ticket,
    TicketEvent,
    TicketReporter,
)


@dataclass(frozen=True)
class SLA:
    """Deadlines after the 12345 hotline practice; `by_category` overrides (respond, resolve)."""

    respond: timedelta = timedelta(hours=2)
    resolve: timedelta = timedelta(days=7)
    urgent_respond: timedelta = timedelta(minutes=15)
    urgent_resolve: timedelta = timedelta(hours=2)
    by_category: Mapping[str, tuple[timedelta, timedelta]] = field(
        default_factory=lambda: {"utilities": (timedelta(hours=2), timedelta(hours=24))}
    )

    def deadlines(self, category: str, urgent: bool, now: datetime) -> tuple[datetime, datetime]:
        """(respond_by, resolve_by) for a ticket opened `now`."""
        if urgent:
            return now + self.urgent_respond, now + self.urgent_resolve
        respond, resolve = self.by_category.get(category, (self.respond, self.resolve))
        return now + respond, now + resolve


@dataclass(frozen=True)
class TicketRules:
    """What the lifecycle needs from settings: deadlines and the zone times are shown in."""

    sla: SLA = field(default_factory=SLA)
    timezone: str = "Asia/Shanghai"


DEFAULT_RULES = TicketRules()


class TicketError(Exception):
    """A request about a ticket that cannot be done; `str(error)` is the reason, in Chinese."""


class TicketNotFound(TicketError):
    pass


class IllegalTransition(TicketError):
    """The ticket's state does not allow the action (e.g. 工单 #42 已办结，不能再接单)."""

    def __init__(self, number: int, status: str, verb: str, later: bool) -> None:
        self.number, self.status, self.verb = number, status, verb
        again = "再" if later else ""
        super().__init__(f"工单 #{number} {STATUS_LABELS[status]}，不能{again}{verb}")


class NotAllowed(TicketError):
    """The person may not do this to this ticket."""


# action -> (states it is allowed from, state it leads to, verb for refusals)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "claim": (("new",), "claimed", "接单"),
    "start": (("new", "claimed"), "in_progress", "开始处理"),
    "resolve": (("new", "claimed", "in_progress"), "resolved", "办结"),
    "close": (("resolved",), "closed", "关闭"),
    "rate": (("resolved",), "closed", "评价"),
    "reject": (("new", "claimed", "in_progress"), "rejected", "退回"),
    "mark_duplicate": (("new", "claimed", "in_progress"), "duplicate", "合并"),
    "withdraw": (("new",), "withdrawn", "撤回"),
    "reopen": (("resolved",), "in_progress", "重新处理"),
    "transfer": (("new", "claimed", "in_progress"), "new", "转派"),
}
_RANK = {"new": 0, "claimed": 1, "in_progress": 2, "resolved": 3, "closed": 4}
MERGE_TARGET_STATUSES = ("new", "claimed", "in_progress", "resolved")


# ---------------------------------------------------------------------------------------------
# Reading


async def get_ticket(session: AsyncSession, number: int) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.id == number).execution_options(
        populate_existing=True
    )
    return (await session.scalars(stmt)).one_or_none()


async def require_ticket(session: AsyncSession, number: int) -> Ticket:
    ticket = await get_ticket(session, number)
    if ticket is None:
        raise TicketNotFound(f"没有找到工单 #{number}")
    return ticket


async def ticket_for_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Ticket | None:
    """The ticket a bot message belongs to: a reply to a card or a notice finds it here."""
    stmt = (
        select(Ticket)
        .join(MessageLink, MessageLink.ticket_id == Ticket.id)
        .where(MessageLink.chat_id == chat_id, MessageLink.message_id == message_id)
    )
    return (await session.scalars(stmt)).one_or_none()


async def reporters(session: AsyncSession, ticket_id: int) -> list[Person]:
    """Everyone to keep informed, the first reporter first."""
    stmt = (
        select(Person)
        .join(TicketReporter, TicketReporter.person_id == Person.id)
        .where(TicketReporter.ticket_id == ticket_id)
        .order_by(TicketReporter.is_first.desc(), TicketReporter.joined_at, Person.id)
    )
    return list((await session.scalars(stmt)).all())


async def tickets_of(session: AsyncSession, person: Person, *, limit: int = 10) -> list[Ticket]:
    """A person's tickets (reported or followed), newest first: `/my`."""
    rows = await core.execute(session, _TICKETS_OF, {"person_id": person.id, "limit": limit})
    return [core.loaded(session, Ticket, _TICKET_COLUMNS, row) for row in rows]


# Core (storage.core): every status query runs it.
_TICKET_COLUMNS = cast(Table, Ticket.__table__).columns.keys()
_TICKETS_OF = (
    select(*cast(Table, Ticket.__table__).columns)
    .join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
    .where(TicketReporter.person_id == bindparam("person_id"))
    .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    .limit(bindparam("limit"))
)


async def history(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list((await session.scalars(stmt)).all())


async def default_grid(session: AsyncSession) -> Grid | None:
    """The street's catch-all grid: the one marked default, else the only one there is (not
    in the session, see `grids`)."""
    every, _ = await grids(session)
    marked = next((grid for grid in every if grid.is_default), None)
    if marked is not None:
        return marked
    return every[0] if len(every) == 1 else None


# The grids as Core reads them (storage.core): every report routes over them.
_grid_columns = cast(Table, Grid.__table__).columns
# The JSON columns as their text: the rows are compared with the last ones read as they are.
_GRIDS = select(*(cast_to(c, Text) if c.key in ("places", "polygon") else c
                  for c in _grid_columns)).order_by(Grid.id)
_last_grids: tuple[tuple[Any, ...], list[Grid], list[GridArea]] | None = None


async def grids(session: AsyncSession) -> tuple[list[Grid], list[GridArea]]:
    """The street's grids and their areas for routing. Read on every report (another process
    or an admin may have changed them); built again only when a row differs from the last
    read, which saves building objects and parsing every grid's places per report. The `Grid`s
    are not in the session: read them, do not change them."""
    global _last_grids
    rows = tuple(tuple(row) for row in await core.execute(session, _GRIDS))
    if _last_grids is not None and _last_grids[0] == rows:
        return _last_grids[1], _last_grids[2]
    built = []
    for row in rows:
        values = dict(zip(_grid_columns.keys(), row, strict=True))
        for key in ("places", "polygon"):
            values[key] = json.loads(values[key]) if values[key] is not None else None
        built.append(Grid(**values))
    _last_grids = (rows, built, [grid_area(g) for g in built])
    return _last_grids[1], _last_grids[2]


# ---------------------------------------------------------------------------------------------
# Opening


async def open_ticket(
    session: AsyncSession,
    *,
    reporter: Person,
    category: str,
    text: str,
    now: datetime,
    urgent: bool = False,
    confidence: float | None = None,
    location_text: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    grid: Grid | None = None,
    location_confirmed: bool | None = None,
    photos: Sequence[str] = (),
    source: str = "resident",
    script: str | None = None,
    confirm: bool = True,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """Open a ticket: the ticket, its first reporter, photos, the 'opened' event, the card for
    the grid's group(s) (and at once for the street's group when urgent), the photos under the
    card, and (when `confirm`) the confirmation to the reporter.

    Without a `grid` the default grid takes it, with the place marked 位置待确认 for staff.
    `location_confirmed` defaults to: a grid was given and there is a place or coordinates.
    """
    routed = grid is not None
    if grid is None:
        grid = await default_grid(session)
    if location_confirmed is None:
        location_confirmed = routed and (bool(location_text) or lat is not None)
    respond_by, resolve_by = rules.sla.deadlines(category, urgent, now)
    # Prebuilt Core statements run by storage.core, not the unit of work: opening a ticket is
    # the hot path (issue 9 asks for 500 a second on SQLite).
    values: dict[str, Any] = {
        "category": category, "urgent": urgent, "text": text, "location_text": location_text,
        "lat": lat, "lon": lon, "grid_id": grid.id if grid else None,
        "location_confirmed": location_confirmed, "status": "new", "confidence": confidence,
        "respond_by": respond_by, "resolve_by": resolve_by, "reopen_count": 0,
        "source": source, "script": script or reporter.script, "created_at": now,
        "updated_at": now,
    }
    inserted = await core.execute(session, _INSERT_TICKET, values)
    ticket_id = int(inserted.inserted_primary_key[0])
    ticket = core.attach(session, Ticket, {"id": ticket_id, **values})
    await core.execute(session, _INSERT_REPORTER, {
        "ticket_id": ticket_id, "person_id": reporter.id, "is_first": True, "joined_at": now})
    if photos:
        await session.execute(_INSERT_ATTACHMENT, [
            {"ticket_id": ticket_id, "file_id": file_id, "kind": "photo",
             "added_by": reporter.id, "purpose": "report", "created_at": now}
            for file_id in photos
        ])
    await core.execute(session, _INSERT_EVENT, {
        "ticket_id": ticket_id, "actor_id": reporter.id, "kind": "opened", "from_status": None,
        "to_status": "new", "note": None, "at": now,
        "data": {"category": category, "urgent": urgent, "source": source,
                 "confidence": confidence},
    })
    view = _view(ticket, grid=grid, first=reporter, reporters=1, photos=len(photos))
    confirmation = None
    if confirm:
        text_out = notify.opened_notice(ticket.number, category, grid.name if grid else None,
                                        respond_by - now, urgent=urgent, source=source)
        confirmation = (reporter, text_out)
    await _send_card(session, ticket, grid, notify.card_message(view, rules.timezone), photos,
                     now, urgent=urgent, confirm=confirmation)
    return ticket


_INSERT_TICKET = insert(cast(Table, Ticket.__table__))  # id: lastrowid on SQLite, else RETURNING
_INSERT_REPORTER = insert(cast(Table, TicketReporter.__table__))
_INSERT_ATTACHMENT = insert(cast(Table, Attachment.__table__))
_INSERT_EVENT = insert(cast(Table, TicketEvent.__table__))
# The groups that get a ticket's card: its grid's, and at once the street's when urgent or
# when the grid has no group bound (a ticket nobody sees is a ticket lost).
_GRID_GROUP = aliased(GroupChat)
_CARD_GROUPS = or_(
    and_(GroupChat.role == "grid", GroupChat.grid_id == bindparam("grid_id")),
    and_(GroupChat.role == "street",
         or_(GroupChat.street_id.is_(None), GroupChat.street_id == bindparam("street_id")),
         or_(bindparam("urgent", type_=Boolean()),
             ~exists().where(_GRID_GROUP.role == "grid",
                             _GRID_GROUP.grid_id == bindparam("grid_id")))),
)
_TO_CARD_GROUPS = outbox.to_chats(select(GroupChat.chat_id).where(_CARD_GROUPS))
# The same cards and the reporter's confirmation in one statement (the hot path again).
_TO_CARD_GROUPS_AND_REPORTER = outbox.to_chats(union_all(
    select(GroupChat.chat_id, bindparam("card", type_=JsonType).label("payload"),
           literal_column("'card'").label("purpose")).where(_CARD_GROUPS),
    select(bindparam("reporter_chat", type_=BigInteger()).label("chat_id"),
           bindparam("confirmation", type_=JsonType).label("payload"),
           literal_column("'notice'").label("purpose")),
))


async def grid_groups(session: AsyncSession, grid_id: int | None) -> list[int]:
    """The groups responsible for a grid's work: its own, else its street's (the rule its cards
    follow, so reminders, wishes and requests reach whoever sees the cards)."""
    street_id = (await session.scalar(select(Grid.street_id).where(Grid.id == grid_id))
                 if grid_id is not None else None)
    stmt = select(GroupChat.chat_id).where(_CARD_GROUPS).order_by(GroupChat.chat_id)
    params = {"grid_id": grid_id, "urgent": False, "street_id": street_id}
    return list((await session.scalars(stmt, params)).all())


async def _send_card(
    session: AsyncSession, ticket: Ticket, grid: Grid | None, card: dict[str, Any],
    photos: Sequence[str], now: datetime, *, urgent: bool,
    confirm: tuple[Person, str] | None = None,
) -> None:
    """The card, then the report's photos as a reply to it, in the grid's groups (and the
    street's when urgent); with `confirm`, the reporter's confirmation in the same statement."""
    groups = {"grid_id": grid.id if grid else None, "urgent": urgent,
              "street_id": grid.street_id if grid else None}
    if confirm is not None:
        reporter, text = confirm
        await outbox.enqueue_to_chats(
            session, _TO_CARD_GROUPS_AND_REPORTER, method="sendMessage", ticket_id=ticket.id,
            now=now, params={**groups, "card": card, "reporter_chat": reporter.telegram_id,
                             "confirmation": notice_payload(reporter, text)})
    else:
        await outbox.enqueue_to_chats(session, _TO_CARD_GROUPS, params=groups,
                                      method="sendMessage", payload=card, ticket_id=ticket.id,
                                      purpose="card", now=now)
    if len(photos) == 1:
        await outbox.enqueue_to_chats(
            session, _TO_CARD_GROUPS, params=groups, method="sendPhoto",
            payload={"photo": photos[0], "caption": f"工单 #{ticket.number} 现场照片"},
            ticket_id=ticket.id, purpose="photos", reply_to_purpose="card", now=now)
    elif photos:
        media: list[dict[str, Any]] = [{"type": "photo", "media": f} for f in photos[:10]]
        media[0]["caption"] = f"工单 #{ticket.number} 现场照片（{len(photos)} 张）"
        await outbox.enqueue_to_chats(
            session, _TO_CARD_GROUPS, params=groups, method="sendMediaGroup",
            payload={"media": media}, ticket_id=ticket.id, purpose="photos",
            reply_to_purpose="card", now=now)


# ---------------------------------------------------------------------------------------------
# Transitions


async def claim(
    session: AsyncSession, number: int, *, actor: Person, now: datetime,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """接单: the actor takes the ticket."""
    ticket, was = await _transition(session, number, "claim", actor=actor, now=now,
                               values=lambda t: {"claimed_at": t.claimed_at or now,
                                                 "assignee_id": actor.id})
    await _after(session, ticket, "claimed", was, actor, now, rules,
                 notice=notify.claimed_notice(number))
    return ticket


async def start(
    session: AsyncSession, number: int, *, actor: Person, now: datetime,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """处理中: work has begun (claims it too when nobody had)."""
    ticket, was = await _transition(session, number, "start", actor=actor, now=now,
                               values=lambda t: {"claimed_at": t.claimed_at or now,
                                                 "started_at": now,
                                                 "assignee_id": t.assignee_id or actor.id})
    await _after(session, ticket, "started", was, actor, now, rules,
                 notice=notify.started_notice(number))
    return ticket


async def resolve(
    session: AsyncSession, number: int, *, actor: Person, now: datetime,
    note: str | None = None, photo: str | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """办结: with a short result and optionally a photo of the fixed problem; the residents get
    both, with the rating buttons."""
    ticket, was = await _transition(session, number, "resolve", actor=actor, now=now,
                               values=lambda t: {"claimed_at": t.claimed_at or now,
                                                 "resolved_at": now,
                                                 "resolution_note": note,
                                                 "assignee_id": t.assignee_id or actor.id})
    if photo:
        session.add(Attachment(ticket_id=ticket.id, file_id=photo, kind="photo",
                               added_by=actor.id, purpose="resolution", created_at=now))
    await _after(session, ticket, "resolved", was, actor, now, rules, note=note,
                 notice=notify.resolved_notice(number, note), photo=photo,
                 reply_markup=notify.rating_keyboard(number), purpose="rating",
                 data={"photo": photo})
    return ticket


async def close(
    session: AsyncSession, number: int, *, now: datetime, actor: Person | None = None,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """已关闭 without a rating: the quiet period after resolution has passed."""
    ticket, was = await _transition(session, number, "close", actor=actor, now=now,
                               values=lambda t: {"closed_at": now})
    await _after(session, ticket, "closed", was, actor, now, rules,
                 notice=notify.closed_notice(number))
    return ticket


async def rate(
    session: AsyncSession, number: int, *, actor: Person, score: int, now: datetime,
    note: str | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """评价 1 不满意 / 2 基本满意 / 3 满意, which closes the ticket. A resident who wants the work
    redone is handled by `reopen` instead."""
    if score not in (1, 2, 3):
        raise TicketError("评价只能是 满意、基本满意 或 不满意")
    await _require_reporter(session, number, actor, "评价")
    ticket, was = await _transition(session, number, "rate", actor=actor, now=now,
                               values=lambda t: {"closed_at": now, "rating": score,
                                                 "rating_note": note})
    await _after(session, ticket, "rated", was, actor, now, rules, note=note,
                 notice=notify.rated_notice(number), data={"rating": score})
    return ticket


async def reject(
    session: AsyncSession, number: int, *, actor: Person, reason: str, now: datetime,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """退回 with a reason the residents are told (非本辖区 / 重复 / 信息不全 / …)."""
    if not reason.strip():
        raise TicketError("退回工单需要说明原因")
    ticket, was = await _transition(session, number, "reject", actor=actor, now=now,
                               values=lambda t: {"reject_reason": reason})
    await _after(session, ticket, "rejected", was, actor, now, rules, note=reason,
                 notice=notify.rejected_notice(number, reason))
    return ticket


async def mark_duplicate(
    session: AsyncSession, number: int, *, of: int, now: datetime, actor: Person | None = None,
    rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """已合并 into ticket `of`: this ticket's reporters follow `of` from now on."""
    if of == number:
        raise TicketError(f"工单 #{number} 不能与自己合并")
    target = await require_ticket(session, of)
    if target.status not in MERGE_TARGET_STATUSES:
        raise TicketError(f"工单 #{of} {STATUS_LABELS[target.status]}，不能作为合并对象")
    ticket, was = await _transition(session, number, "mark_duplicate", actor=actor, now=now,
                               values=lambda t: {"duplicate_of": target.id})
    moved = 0
    for person in await reporters(session, ticket.id):
        moved += await _add_follower(session, target, person, now)
    await _after(session, ticket, "duplicate", was, actor, now, rules,
                 notice=notify.duplicate_notice(number, of), data={"of": of})
    session.add(TicketEvent(ticket_id=target.id, actor_id=actor.id if actor else None,
                            kind="merged", at=now, note=f"#{number} 并入",
                            data={"from": number, "followers": moved}))
    await _refresh_cards(session, target, now, rules)
    return ticket


async def withdraw(
    session: AsyncSession, number: int, *, actor: Person, now: datetime,
    reason: str | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """已撤回 by the resident who reported it, while nobody has taken it yet. When other
    residents reported the same problem (followers, or the first reporter when a follower
    withdraws), it is their problem too: the one who withdraws stops following and the ticket
    goes on for the others."""
    await _require_reporter(session, number, actor, "撤回")
    current = await require_ticket(session, number)
    others = [p for p in await reporters(session, current.id) if p.id != actor.id]
    if others:  # a follower withdrawing leaves the first reporter's ticket alone too
        _check(current, "withdraw")
        await session.execute(delete(TicketReporter).where(
            TicketReporter.ticket_id == current.id, TicketReporter.person_id == actor.id))
        session.add(TicketEvent(ticket_id=current.id, actor_id=actor.id, kind="unfollowed",
                                at=now, note=reason,
                                data={"followers": len(others)}))
        await _notice(session, current, actor, notify.left_notice(number, len(others)), now)
        await _refresh_cards(session, current, now, rules)
        return current
    ticket, was = await _transition(session, number, "withdraw", actor=actor, now=now,
                               values=lambda t: {"closed_at": now})
    await _after(session, ticket, "withdrawn", was, actor, now, rules, note=reason,
                 notice=notify.withdrawn_notice(number))
    return ticket


async def reopen(
    session: AsyncSession, number: int, *, actor: Person, now: datetime,
    note: str | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """不满意: back to 处理中 for the same staff; the group is told why."""
    await _require_reporter(session, number, actor, "重新处理")
    ticket, was = await _transition(session, number, "reopen", actor=actor, now=now,
                               values=lambda t: {"resolved_at": None,
                                                 "reopen_count": t.reopen_count + 1})
    await _after(session, ticket, "reopened", was, actor, now, rules, note=note,
                 notice=notify.reopened_notice(number))
    group_note = notify.reopened_group_note(number, note)
    for chat_id in await _active_card_chats(session, ticket):
        await outbox.enqueue(session, chat_id=chat_id, method="sendMessage",
                             payload={"text": group_note, "parse_mode": "HTML"},
                             ticket_id=ticket.id, purpose="notice", reply_to_purpose="card",
                             now=now)
    return ticket


async def transfer(
    session: AsyncSession, number: int, *, to: Grid, actor: Person | None, now: datetime,
    note: str | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """转派 to another grid: back to 待受理 there, with a new card in its group; the old card
    says where it went and loses its buttons. The deadlines stay (the resident's clock does not
    restart), but the new grid is reminded afresh when the response deadline has passed."""
    current = await require_ticket(session, number)
    if current.grid_id == to.id:
        raise TicketError(f"工单 #{number} 已在{to.name}")
    old_grid = current.grid_id
    ticket, was = await _transition(session, number, "transfer", actor=actor, now=now,
                               values=lambda t: {"grid_id": to.id, "assignee_id": None,
                                                 "location_confirmed": True,
                                                 "reminded_at": None})
    await _after(session, ticket, "transferred", was, actor, now, rules, note=note,
                 notice=notify.transferred_notice(number, to.name),
                 data={"from_grid": old_grid, "to_grid": to.id})
    view = await _card_view(session, ticket)
    photos = await _photos(session, ticket.id)
    await _send_card(session, ticket, to, notify.card_message(view, rules.timezone), photos, now,
                     urgent=False)
    return ticket


async def follow(
    session: AsyncSession, number: int, *, person: Person, now: datetime,
    rules: TicketRules = DEFAULT_RULES, report: Mapping[str, Any] | None = None,
) -> Ticket:
    """A resident reporting the same problem joins ticket `number` as a follower (issue 7):
    told it is already being handled, kept informed; the card shows +1. Their own `report`
    (text, location, lat, lon, photos) is kept in the 'followed' event, so staff can split it
    off again (`split_follower`) when the match was wrong."""
    ticket = await require_ticket(session, number)
    if ticket.status not in MERGE_TARGET_STATUSES:
        raise TicketError(f"工单 #{number} {STATUS_LABELS[ticket.status]}，不能再关注")
    added = await _add_follower(session, ticket, person, now)
    if added:
        session.add(TicketEvent(ticket_id=ticket.id, actor_id=person.id, kind="followed",
                                at=now, data=dict(report) if report else None))
        await _refresh_cards(session, ticket, now, rules)
    await _notice(session, ticket, person,
                  notify.followed_notice(number, ticket.status, already=not added), now)
    return ticket


# ---------------------------------------------------------------------------------------------
# Machinery


async def _transition(
    session: AsyncSession, number: int, action: str, *, actor: Person | None, now: datetime,
    values: Any,
) -> tuple[Ticket, str]:
    """Move ticket `number` by `action`; returns it and the state it was in."""
    _allowed, to, _verb = TRANSITIONS[action]
    for _attempt in range(3):
        ticket = await require_ticket(session, number)
        _check(ticket, action)
        from_status = ticket.status
        changes = {"status": to, "updated_at": now, **values(ticket)}
        result: Any = await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.status == from_status)
            .values(**changes)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount == 1:
            break
        # Changed by another transaction between our read and our write: read it again, so the
        # loser is refused as if it had come second (or proceeds if the action still applies).
    else:
        raise TicketError(f"工单 #{number} 正在被他人处理，请稍后再试")
    for key, value in changes.items():
        if getattr(ticket, key) != value:
            setattr(ticket, key, value)
    return ticket, from_status


def _check(ticket: Ticket, action: str) -> None:
    allowed, _to, verb = TRANSITIONS[action]
    if ticket.status in allowed:
        return
    later = _RANK.get(ticket.status, 9) > max(_RANK[s] for s in allowed)
    raise IllegalTransition(ticket.number, ticket.status, verb, later)


async def _require_reporter(
    session: AsyncSession, number: int, person: Person, verb: str, *, first_only: bool = False
) -> None:
    ticket = await require_ticket(session, number)
    stmt = select(TicketReporter.is_first).where(
        TicketReporter.ticket_id == ticket.id, TicketReporter.person_id == person.id
    )
    is_first = (await session.execute(stmt)).scalar_one_or_none()
    if is_first is None or (first_only and not is_first):
        raise NotAllowed(f"只有反映该问题的居民可以{verb}工单 #{number}")


async def _after(
    session: AsyncSession, ticket: Ticket, kind: str, from_status: str, actor: Person | None,
    now: datetime, rules: TicketRules, *, notice: str, note: str | None = None,
    photo: str | None = None,
    reply_markup: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
    purpose: str = "notice",
) -> None:
    """The event, the residents' notices and the card edits of one transition; a ticket leaving
    已办结 takes the rating buttons off the residents' messages (rated, reopened or closed, a
    press would only be refused)."""
    session.add(TicketEvent(ticket_id=ticket.id, actor_id=actor.id if actor else None,
                            kind=kind, from_status=from_status, to_status=ticket.status,
                            note=note, data=data, at=now))
    if from_status == "resolved" and ticket.status != "resolved":
        for chat_id in (await session.scalars(_RATING_CHATS, {"ticket_id": ticket.id})).all():
            await outbox.enqueue(session, chat_id=chat_id, method="editMessageReplyMarkup",
                                 payload={}, ticket_id=ticket.id, edit_purpose="rating",
                                 now=now)
    for person in await reporters(session, ticket.id):
        await _notice(session, ticket, person, notice, now, photo=photo,
                      reply_markup=reply_markup, purpose=purpose)
    await _refresh_cards(session, ticket, now, rules)


# The chats a ticket's rating buttons were sent to.
_RATING_CHATS = (select(MessageLink.chat_id).distinct()
                 .where(MessageLink.ticket_id == bindparam("ticket_id"),
                        MessageLink.purpose == "rating"))


async def _notice(
    session: AsyncSession, ticket: Ticket, person: Person, text: str, now: datetime, *,
    photo: str | None = None, reply_markup: dict[str, Any] | None = None,
    purpose: str = "notice",
) -> None:
    payload = notice_payload(person, text, photo=photo, reply_markup=reply_markup)
    # A resident's private chat with the bot has the id of the resident.
    await outbox.enqueue(session, chat_id=person.telegram_id,
                         method="sendPhoto" if photo else "sendMessage", payload=payload,
                         ticket_id=ticket.id, purpose=purpose, now=now)


def notice_payload(
    person: Person, text: str, *, photo: str | None = None,
    reply_markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A notice in the reader's script: a message, or a photo with the text as its caption."""
    text = localize(text, person.script)
    payload: dict[str, Any] = (
        {"photo": photo, "caption": text, "parse_mode": "HTML"} if photo
        else {"text": text, "parse_mode": "HTML"}
    )
    if reply_markup:
        payload["reply_markup"] = localize_markup(reply_markup, person.script)
    return payload


async def _add_follower(session: AsyncSession, ticket: Ticket, person: Person,
                        now: datetime) -> int:
    exists = await session.get(TicketReporter, (ticket.id, person.id))
    if exists is not None:
        return 0
    session.add(TicketReporter(ticket_id=ticket.id, person_id=person.id, is_first=False,
                               joined_at=now))
    await session.flush()
    return 1


async def _card_chats(session: AsyncSession, ticket_id: int) -> list[int]:
    """Every chat that got (or is about to get) this ticket's card."""
    linked = select(MessageLink.chat_id).where(
        MessageLink.ticket_id == ticket_id, MessageLink.purpose == "card"
    )
    queued = select(OutboxRow.chat_id).where(
        OutboxRow.ticket_id == ticket_id,
        OutboxRow.purpose == "card",
        OutboxRow.edit_purpose.is_(None),
        OutboxRow.status != "failed",
    )
    rows = (await session.execute(linked.union(queued))).scalars().all()
    return sorted(set(rows))


async def _active_card_chats(session: AsyncSession, ticket: Ticket) -> list[int]:
    """Card chats still responsible for the ticket (its grid's groups and the street's)."""
    chats = await _card_chats(session, ticket.id)
    groups = await _group_map(session, chats)
    return [c for c in chats if _owns(groups.get(c), ticket)]


async def _group_map(session: AsyncSession, chats: list[int]) -> dict[int, GroupChat]:
    if not chats:
        return {}
    found = await session.scalars(select(GroupChat).where(GroupChat.chat_id.in_(chats)))
    return {g.chat_id: g for g in found}


def _owns(group: GroupChat | None, ticket: Ticket) -> bool:
    return group is not None and (group.role == "street" or group.grid_id == ticket.grid_id)


async def _refresh_cards(
    session: AsyncSession, ticket: Ticket, now: datetime, rules: TicketRules
) -> None:
    """Edit the card in place in every chat that has it. An edit still waiting in the outbox
    is rewritten instead of queueing another (the group's 20 messages a minute)."""
    chats = await _card_chats(session, ticket.id)
    if not chats:
        return
    groups = await _group_map(session, chats)
    view = await _card_view(session, ticket)
    grid_name = view.grid_name
    for chat_id in chats:
        owns = _owns(groups.get(chat_id), ticket)
        shown = view if owns else replace(view, transferred_to=grid_name or "其他网格")
        payload = notify.card_message(shown, rules.timezone, active=owns)
        waiting = await session.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == chat_id, OutboxRow.ticket_id == ticket.id,
                   OutboxRow.edit_purpose == "card", OutboxRow.status == "pending",
                   OutboxRow.method == "editMessageText")
            .values(payload=payload)
            .execution_options(synchronize_session=False)
        )
        if getattr(waiting, "rowcount", 0):
            continue
        await outbox.enqueue(session, chat_id=chat_id, method="editMessageText",
                             payload=payload, ticket_id=ticket.id, purpose="card",
                             edit_purpose="card", now=now)


async def _photos(session: AsyncSession, ticket_id: int) -> list[str]:
    stmt = select(Attachment.file_id).where(
        Attachment.ticket_id == ticket_id, Attachment.purpose == "report"
    ).order_by(Attachment.id)
    return list((await session.scalars(stmt)).all())


async def _card_view(session: AsyncSession, ticket: Ticket) -> notify.CardView:
    grid = await session.get(Grid, ticket.grid_id) if ticket.grid_id else None
    people = await reporters(session, ticket.id)
    photos = await session.scalar(
        select(func.count()).select_from(Attachment).where(
            Attachment.ticket_id == ticket.id, Attachment.purpose == "report")
    )
    assignee = await session.get(Person, ticket.assignee_id) if ticket.assignee_id else None
    of = await session.get(Ticket, ticket.duplicate_of) if ticket.duplicate_of else None
    return _view(ticket, grid=grid, first=people[0] if people else None,
                 reporters=max(1, len(people)), photos=int(photos or 0), assignee=assignee,
                 duplicate_of=of.number if of else None)


def _view(
    ticket: Ticket, *, grid: Grid | None, first: Person | None, reporters: int, photos: int,
    assignee: Person | None = None, duplicate_of: int | None = None,
) -> notify.CardView:
    return notify.CardView(
        number=ticket.number,
        category=ticket.category,
        urgent=ticket.urgent,
        status=ticket.status,
        text=ticket.text,
        created_at=ticket.created_at,
        respond_by=ticket.respond_by,
        resolve_by=ticket.resolve_by,
        location_text=ticket.location_text,
        location_confirmed=ticket.location_confirmed,
        grid_name=grid.name if grid else None,
        reporter_name=first.display_name if first else None,
        reporter_phone=first.phone if first else None,
        reporters=reporters,
        photos=photos,
        source=ticket.source,
        assignee_name=assignee.display_name if assignee else None,
        resolution_note=ticket.resolution_note,
        reject_reason=ticket.reject_reason,
        rating=ticket.rating,
        rating_note=ticket.rating_note,
        duplicate_of=duplicate_of,
        reopen_count=ticket.reopen_count,
    )


# ---------------------------------------------------------------------------------------------
# For the conversation handlers


def check(ticket: Ticket, action: str) -> None:
    """Refuse early (before asking staff for a result or a reason) what `action` would refuse."""
    _check(ticket, action)


async def card_chats(session: AsyncSession, ticket: Ticket) -> list[int]:
    """The group chats that hold this ticket's card and are still responsible for it."""
    return await _active_card_chats(session, ticket)


async def refresh_cards(
    session: AsyncSession, ticket: Ticket, now: datetime, rules: TicketRules = DEFAULT_RULES
) -> None:
    """Edit the card wherever it is shown, after a change made outside a transition."""
    await _refresh_cards(session, ticket, now, rules)


# ---------------------------------------------------------------------------------------------
# Undoing a merge (issue 7): a follower joined by mistake, a ticket merged by hand

SPLIT_NOTICE = ("经工作人员核实，您反映的问题与工单 #{number} 不是同一问题，已为您单独建立"
                "工单 #{own}，处理进展会通知您。")
UNMERGED_NOTICE = "工单 #{number} 已取消与工单 #{of} 的合并，恢复单独处理，进展会继续通知您。"


@dataclass(frozen=True)
class Follower:
    """A resident who joined a ticket by reporting the same problem, with their own report."""

    person: Person
    joined_at: datetime
    text: str
    location_text: str | None
    lat: float | None
    lon: float | None
    photos: tuple[str, ...]


async def followers(session: AsyncSession, ticket: Ticket) -> list[Follower]:
    """The residents who joined `ticket` by reporting the same problem and follow it still,
    in the order they joined (the order `/unmerge 42 <n>` counts in)."""
    stmt = (
        select(TicketEvent, Person)
        .join(Person, Person.id == TicketEvent.actor_id)
        .join(TicketReporter, and_(TicketReporter.ticket_id == TicketEvent.ticket_id,
                                   TicketReporter.person_id == TicketEvent.actor_id))
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "followed",
               TicketReporter.is_first.is_(False))
        .order_by(TicketEvent.id.desc())
    )
    latest: dict[int, Follower] = {}
    for event, person in (await session.execute(stmt)).all():
        if person.id in latest:
            continue  # followed, split off, followed again: the last report counts
        data = event.data or {}
        latest[person.id] = Follower(
            person=person, joined_at=event.at, text=str(data.get("text") or ""),
            location_text=data.get("location"), lat=data.get("lat"), lon=data.get("lon"),
            photos=tuple(data.get("photos") or ()),
        )
    return sorted(latest.values(), key=lambda f: (f.joined_at, f.person.id))


async def split_follower(
    session: AsyncSession, number: int, *, person: Person, now: datetime,
    actor: Person | None = None, rules: TicketRules = DEFAULT_RULES,
) -> Ticket:
    """拆出: a follower joined by a wrong match gets a ticket of their own for their own report
    (same grid and category, a new card); they stop following `number`, whose card loses the
    +1 and the photos they brought, and they are told both numbers."""
    ticket = await require_ticket(session, number)
    found = next((f for f in await followers(session, ticket) if f.person.id == person.id),
                 None)
    if found is None:
        raise TicketError(f"该居民没有因重复反映关注工单 #{number}")
    if not (found.text or found.photos):
        raise TicketError(f"工单 #{number} 没有留存该居民的原始反映，无法拆出")
    joined = await session.get(TicketReporter, (ticket.id, person.id))
    if joined is not None:
        await session.delete(joined)
    if found.photos:
        brought = await session.scalars(select(Attachment).where(
            Attachment.ticket_id == ticket.id, Attachment.added_by == person.id,
            Attachment.purpose == "report", Attachment.file_id.in_(found.photos)))
        for attachment in brought:
            await session.delete(attachment)
    await session.flush()
    grid = await session.get(Grid, ticket.grid_id) if ticket.grid_id else None
    own = await open_ticket(
        session, reporter=person, category=ticket.category, text=found.text, now=now,
        location_text=found.location_text, lat=found.lat, lon=found.lon, grid=grid,
        photos=found.photos, script=person.script, confirm=False, rules=rules,
    )
    actor_id = actor.id if actor else None
    session.add(TicketEvent(ticket_id=ticket.id, actor_id=actor_id, kind="split", at=now,
                            note=f"居民反映拆出为 #{own.number}",
                            data={"person": person.id, "to": own.number}))
    session.add(TicketEvent(ticket_id=own.id, actor_id=actor_id, kind="split_from", at=now,
                            note=f"由 #{number} 拆出", data={"from": number}))
    await _notice(session, own, person, SPLIT_NOTICE.format(number=number, own=own.number), now)
    await _refresh_cards(session, ticket, now, rules)
    return own


async def unmark_duplicate(
    session: AsyncSession, number: int, *, now: datetime, actor: Person | None = None,
    rules: TicketRules = DEFAULT_RULES,
) -> tuple[Ticket, Ticket]:
    """取消合并 of a ticket merged by hand (`mark_duplicate`): back to the status it had before,
    its reporters stop following the other ticket (those who followed it before stay), both
    cards are edited and the reporters told. Returns (this ticket, the one it was merged into).
    """
    ticket = await require_ticket(session, number)
    if ticket.status != "duplicate" or ticket.duplicate_of is None:
        raise TicketError(f"工单 #{number} 没有被合并，无需取消合并")
    target = await session.get(Ticket, ticket.duplicate_of)
    assert target is not None
    merged = (await session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                  TicketEvent.kind == "duplicate")
        .order_by(TicketEvent.id.desc()).limit(1))).first()
    was = merged.from_status if merged is not None else None
    back_to = was if was in TRANSITIONS["mark_duplicate"][0] else "new"
    result: Any = await session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == "duplicate")
        .values(status=back_to, duplicate_of=None, updated_at=now)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        raise TicketError(f"工单 #{number} 正在被他人处理，请稍后再试")
    ticket.status, ticket.duplicate_of, ticket.updated_at = back_to, None, now
    # The merge moved this ticket's reporters onto the target at the moment of the merge.
    moved = 0
    if merged is not None:
        mine = [p.id for p in await reporters(session, ticket.id)]
        rows = await session.scalars(select(TicketReporter).where(
            TicketReporter.ticket_id == target.id, TicketReporter.person_id.in_(mine),
            TicketReporter.is_first.is_(False), TicketReporter.joined_at == merged.at))
        for row in rows:
            await session.delete(row)
            moved += 1
        await session.flush()
    await _after(session, ticket, "unmerged", "duplicate", actor, now, rules,
                 notice=UNMERGED_NOTICE.format(number=number, of=target.number),
                 data={"of": target.number})
    session.add(TicketEvent(ticket_id=target.id, actor_id=actor.id if actor else None,
                            kind="unmerged", at=now, note=f"#{number} 取消合并",
                            data={"from": number, "followers": moved}))
    await _refresh_cards(session, target, now, rules)
    return ticket, target
