"""The ticket lifecycle as people live it: a resident reports, the group sees card #N, staff
press 接单, the resident is told. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from handlers import tickets
from handlers.notify import mask_name, mask_phone
from handlers.tickets import SLA, IllegalTransition, NotAllowed, TicketError
from storage import outbox
from storage.db import Database
from storage.models import STATUS_LABELS, OutboxRow, Ticket, TicketEvent
from tests.storage import backends
from tests.storage.builders import (
    LONGQUAN_GROUP,
    STREET_GROUP,
    T0,
    TUANJIE_GROUP,
    Street1,
    seeded,
)

database = backends.database  # the SQLite + PostgreSQL fixture

NOW = T0 + timedelta(minutes=30)


async def report(db: Database, s: Street1, text: str = "龙泉小区3号楼下垃圾三天没人收",
                 **kwargs: Any) -> int:
    values: dict[str, Any] = {"reporter": s.zhang, "category": "sanitation", "text": text,
                              "now": T0, "grid": s.longquan, "location_text": "龙泉小区3号楼"}
    values.update(kwargs)
    async with db.sessionmaker() as session, session.begin():
        ticket = await tickets.open_ticket(session, **values)
        return ticket.number


async def rows(db: Database, number: int, after: int = 0) -> list[OutboxRow]:
    async with db.sessionmaker() as session:
        stmt = (select(OutboxRow).join(Ticket, Ticket.id == OutboxRow.ticket_id)
                .where(Ticket.number == number, OutboxRow.id > after).order_by(OutboxRow.id))
        return list((await session.scalars(stmt)).all())


async def last_row_id(db: Database) -> int:
    async with db.sessionmaker() as session:
        ids = (await session.scalars(select(OutboxRow.id))).all()
        return max(ids, default=0)


async def ticket(db: Database, number: int) -> Ticket:
    async with db.sessionmaker() as session:
        return await tickets.require_ticket(session, number)


async def events(db: Database, number: int) -> list[TicketEvent]:
    async with db.sessionmaker() as session:
        t = await tickets.require_ticket(session, number)
        return await tickets.history(session, t.id)


# --- opening ---------------------------------------------------------------------------------


async def test_a_report_becomes_a_card_in_the_grid_group_and_a_confirmation(
    database: Database,
) -> None:
    s = await seeded(database)
    number = await report(database, s)
    t = await ticket(database, number)
    assert (t.number, t.status, t.grid_id) == (t.id, "new", s.longquan.id)
    assert t.location_confirmed is True
    assert (t.respond_by, t.resolve_by) == (T0 + timedelta(hours=2), T0 + timedelta(days=7))
    assert [e.kind for e in await events(database, number)] == ["opened"]

    card, confirmation = await rows(database, number)
    assert (card.chat_id, card.method, card.purpose) == (LONGQUAN_GROUP, "sendMessage", "card")
    text = card.payload["text"]
    assert f"工单 #{number}" in text and "环境卫生" in text and "待受理" in text
    assert "龙泉小区3号楼" in text and "张* 138****1234" in text
    assert "受理：05-01 16:00" in text  # Asia/Shanghai
    assert "响应时限：05-01 18:00" in text and "办结时限：05-08 16:00" in text
    assert "13812341234" not in text and "张三" not in text
    buttons = [b for row in card.payload["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["接单", "处理中", "办结", "转派", "退回"]
    assert buttons[0]["callback_data"] == f"t:{number}:claim"
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    assert confirmation.chat_id == s.zhang.telegram_id
    assert confirmation.payload["text"].startswith(
        f"已收到，工单 #{number}（环境卫生），已转交龙泉网格，预计 2 小时内响应。")


async def test_an_urgent_report_whistles_the_street_at_once(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s, "电梯里困了人", category="elevator", urgent=True)
    t = await ticket(database, number)
    assert t.respond_by == T0 + timedelta(minutes=15) and t.resolve_by == T0 + timedelta(hours=2)
    cards = [r for r in await rows(database, number) if r.purpose == "card"]
    assert {r.chat_id for r in cards} == {LONGQUAN_GROUP, STREET_GROUP}
    assert all(r.payload["text"].startswith("🔴 紧急") for r in cards)
    notice = [r for r in await rows(database, number) if r.purpose == "notice"][0]
    assert "110" in notice.payload["text"]


async def test_photos_follow_the_card_and_the_resident_words_are_escaped(
    database: Database,
) -> None:
    s = await seeded(database)
    number = await report(database, s, "<b>井盖</b> & 没了", category="road",
                          photos=["AgAD1", "AgAD2"])
    card, album = [r for r in await rows(database, number) if r.chat_id == LONGQUAN_GROUP]
    assert card.purpose == "card" and album.id > card.id  # in the group, the card comes first
    assert "&lt;b&gt;井盖&lt;/b&gt; &amp; 没了" in card.payload["text"]
    assert "照片：2 张" in card.payload["text"]
    assert album.method == "sendMediaGroup" and album.reply_to_purpose == "card"
    assert [m["media"] for m in album.payload["media"]] == ["AgAD1", "AgAD2"]


async def test_without_a_grid_the_default_grid_gets_it_with_the_place_unconfirmed(
    database: Database,
) -> None:
    s = await seeded(database)
    number = await report(database, s, "路灯不亮", category="road", grid=None,
                          location_text=None)
    t = await ticket(database, number)
    assert t.grid_id == s.longquan.id and t.location_confirmed is False
    card = (await rows(database, number))[0]
    assert "位置：位置待确认" in card.payload["text"]


async def test_sla_by_category_and_configurable() -> None:
    sla = SLA()
    assert sla.deadlines("utilities", False, T0) == (T0 + timedelta(hours=2),
                                                     T0 + timedelta(hours=24))
    assert sla.deadlines("utilities", True, T0) == (T0 + timedelta(minutes=15),
                                                    T0 + timedelta(hours=2))
    custom = SLA(respond=timedelta(hours=1), by_category={})
    assert custom.deadlines("utilities", False, T0)[0] == T0 + timedelta(hours=1)


def test_masks() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == "居民"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138-1234-1234") == "138****1234"
    assert mask_phone(None) is None


# --- every transition, allowed and refused ----------------------------------------------------

ACTIONS = list(tickets.TRANSITIONS)
STATUSES = list(STATUS_LABELS)


async def perform(session: Any, action: str, number: int, s: Street1, other: int) -> Ticket:
    staff, resident = s.wang, s.zhang
    calls = {
        "claim": lambda: tickets.claim(session, number, actor=staff, now=NOW),
        "start": lambda: tickets.start(session, number, actor=staff, now=NOW),
        "resolve": lambda: tickets.resolve(session, number, actor=staff, now=NOW,
                                           note="已清运", photo="AgADfix"),
        "close": lambda: tickets.close(session, number, now=NOW),
        "rate": lambda: tickets.rate(session, number, actor=resident, score=3, now=NOW),
        "reject": lambda: tickets.reject(session, number, actor=staff, reason="非本辖区",
                                         now=NOW),
        "mark_duplicate": lambda: tickets.mark_duplicate(session, number, of=other, now=NOW,
                                                         actor=staff),
        "withdraw": lambda: tickets.withdraw(session, number, actor=resident, now=NOW),
        "reopen": lambda: tickets.reopen(session, number, actor=resident, now=NOW,
                                         note="垃圾还在"),
        "transfer": lambda: tickets.transfer(session, number, to=s.tuanjie, actor=staff,
                                             now=NOW),
    }
    return await calls[action]()  # type: ignore[no-any-return]


EXPECTED_EVENT = {
    "claim": "claimed", "start": "started", "resolve": "resolved", "close": "closed",
    "rate": "rated", "reject": "rejected", "mark_duplicate": "duplicate",
    "withdraw": "withdrawn", "reopen": "reopened", "transfer": "transferred",
}


@pytest.mark.parametrize("action", ACTIONS)
async def test_every_state_allows_or_refuses_each_action(database: Database, action: str) -> None:
    s = await seeded(database)
    other = await report(database, s, "另一个问题")
    allowed, to, verb = tickets.TRANSITIONS[action]
    for status in STATUSES:
        number = await report(database, s)
        async with database.sessionmaker() as session, session.begin():
            await session.execute(update(Ticket).where(Ticket.number == number)
                                  .values(status=status))
        before = await last_row_id(database)
        async with database.sessionmaker() as session:
            if status not in allowed:
                with pytest.raises(IllegalTransition) as refused:
                    await perform(session, action, number, s, other)
                await session.rollback()
                assert str(refused.value).startswith(
                    f"工单 #{number} {STATUS_LABELS[status]}，不能"), str(refused.value)
                assert verb in str(refused.value)
                assert (await ticket(database, number)).status == status
                assert await rows(database, number, after=before) == []
                continue
            await perform(session, action, number, s, other)
            await session.commit()
        assert (await ticket(database, number)).status == to, (action, status)
        last = (await events(database, number))[-1]
        assert (last.kind, last.from_status, last.to_status) == (EXPECTED_EVENT[action],
                                                                 status, to)
        new_rows = await rows(database, number, after=before)
        notices = [r for r in new_rows if r.chat_id == s.zhang.telegram_id]
        assert len(notices) == 1, (action, status)
        body = notices[0].payload.get("text") or notices[0].payload["caption"]
        assert f"#{number}" in body
        edits = [r for r in new_rows if r.edit_purpose == "card"]
        assert [r.chat_id for r in edits] == [LONGQUAN_GROUP], (action, status)


async def test_refusals_read_well(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    async with database.sessionmaker() as session, session.begin():
        await tickets.resolve(session, number, actor=s.wang, now=NOW, note="已清运")
    async with database.sessionmaker() as session:
        with pytest.raises(IllegalTransition, match=f"工单 #{number} 已办结，不能再接单"):
            await tickets.claim(session, number, actor=s.zhao, now=NOW)
    other = await report(database, s)
    async with database.sessionmaker() as session:
        with pytest.raises(IllegalTransition, match=f"工单 #{other} 待受理，不能评价"):
            await tickets.rate(session, other, actor=s.zhang, score=3, now=NOW)
        with pytest.raises(TicketError, match="没有找到工单 #9999"):
            await tickets.claim(session, 9999, actor=s.wang, now=NOW)


# --- a whole story ----------------------------------------------------------------------------


async def test_claim_resolve_rate_keeps_the_resident_informed(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    before = await last_row_id(database)
    async with database.sessionmaker() as session, session.begin():
        await tickets.claim(session, number, actor=s.wang, now=NOW)
    notice, edit = await rows(database, number, after=before)
    assert notice.payload["text"] == (
        f"您反映的问题（工单 #{number}）已有工作人员接单，正在安排处理。")
    assert (edit.method, edit.edit_purpose, edit.chat_id) == ("editMessageText", "card",
                                                              LONGQUAN_GROUP)
    assert "已接单" in edit.payload["text"] and "承办：王网格员" in edit.payload["text"]
    assert [b["text"] for row in edit.payload["reply_markup"]["inline_keyboard"] for b in row] \
        == ["处理中", "办结", "转派", "退回"]

    # The card edit has not gone out yet: the next change rewrites it instead of queueing more.
    async with database.sessionmaker() as session, session.begin():
        await tickets.start(session, number, actor=s.wang, now=NOW)
    edits = [r for r in await rows(database, number) if r.edit_purpose == "card"]
    assert len(edits) == 1 and "处理中" in edits[0].payload["text"]

    before = await last_row_id(database)
    async with database.sessionmaker() as session, session.begin():
        await tickets.resolve(session, number, actor=s.wang, now=NOW, note="已清运",
                              photo="AgADfixed")
    resolved = (await rows(database, number, after=before))[0]
    assert resolved.method == "sendPhoto" and resolved.payload["photo"] == "AgADfixed"
    assert "处理结果：已清运" in resolved.payload["caption"]
    rating = resolved.payload["reply_markup"]["inline_keyboard"][0]
    assert [(b["text"], b["callback_data"]) for b in rating] == [
        ("满意", f"t:{number}:rate:3"), ("基本满意", f"t:{number}:rate:2"),
        ("不满意", f"t:{number}:rate:1")]

    async with database.sessionmaker() as session, session.begin():
        await tickets.rate(session, number, actor=s.zhang, score=2, note="还行", now=NOW)
    t = await ticket(database, number)
    assert (t.status, t.rating, t.rating_note, t.closed_at) == ("closed", 2, "还行", NOW)
    assert [e.kind for e in await events(database, number)] == [
        "opened", "claimed", "started", "resolved", "rated"]


async def test_not_satisfied_reopens_and_the_group_is_told(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    async with database.sessionmaker() as session, session.begin():
        await tickets.resolve(session, number, actor=s.wang, now=NOW)
    before = await last_row_id(database)
    async with database.sessionmaker() as session, session.begin():
        await tickets.reopen(session, number, actor=s.zhang, note="垃圾还在", now=NOW)
    t = await ticket(database, number)
    assert (t.status, t.reopen_count, t.resolved_at) == ("in_progress", 1, None)
    group_note = [r for r in await rows(database, number, after=before)
                  if r.chat_id == LONGQUAN_GROUP and r.edit_purpose is None]
    assert group_note[0].payload["text"] == f"工单 #{number} 居民不满意，已重新打开：垃圾还在"
    assert group_note[0].reply_to_purpose == "card"


async def test_a_resident_writing_traditional_is_answered_in_traditional(
    database: Database,
) -> None:
    s = await seeded(database)
    number = await report(database, s, "電梯壞了", category="elevator", reporter=s.chen)
    confirmation = [r for r in await rows(database, number) if r.chat_id == 22][0]
    assert "已收到，工單" in confirmation.payload["text"]
    async with database.sessionmaker() as session, session.begin():
        await tickets.claim(session, number, actor=s.wang, now=NOW)
    notice = [r for r in await rows(database, number) if r.chat_id == 22][-1]
    assert notice.payload["text"] == (
        f"您反映的問題（工單 #{number}）已有工作人員接單，正在安排處理。")


async def test_only_the_reporter_withdraws_or_rates(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    async with database.sessionmaker() as session:
        with pytest.raises(NotAllowed, match=f"只有反映该问题的居民可以撤回工单 #{number}"):
            await tickets.withdraw(session, number, actor=s.chen, now=NOW)
    async with database.sessionmaker() as session, session.begin():
        await tickets.withdraw(session, number, actor=s.zhang, now=NOW)
    assert (await ticket(database, number)).status == "withdrawn"


async def test_duplicates_merge_and_followers_hear_every_update(database: Database) -> None:
    s = await seeded(database)
    first = await report(database, s, "龙泉小区路灯不亮", category="road")
    second = await report(database, s, "龙泉小区门口路灯坏了", category="road", reporter=s.chen)
    async with database.sessionmaker() as session, session.begin():
        await tickets.mark_duplicate(session, second, of=first, actor=s.wang, now=NOW)
    dup = await ticket(database, second)
    assert dup.status == "duplicate" and dup.duplicate_of == (await ticket(database, first)).id
    told = [r for r in await rows(database, second) if r.chat_id == 22][-1]
    assert f"工單 #{second}）與工單 #{first}" in told.payload["text"]
    first_card = [r for r in await rows(database, first) if r.edit_purpose == "card"][-1]
    assert "+1 位居民同样反映（共 2 人）" in first_card.payload["text"]

    before = await last_row_id(database)
    async with database.sessionmaker() as session, session.begin():
        await tickets.claim(session, first, actor=s.wang, now=NOW)
    told = {r.chat_id for r in await rows(database, first, after=before)
            if r.purpose == "notice"}
    assert told == {s.zhang.telegram_id, s.chen.telegram_id}

    async with database.sessionmaker() as session:
        with pytest.raises(TicketError, match="不能与自己合并"):
            await tickets.mark_duplicate(session, first, of=first, now=NOW)


async def test_a_follower_joins_an_open_ticket(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    async with database.sessionmaker() as session, session.begin():
        await tickets.claim(session, number, actor=s.wang, now=NOW)
        await tickets.follow(session, number, person=s.chen, now=NOW)
    told = [r for r in await rows(database, number) if r.chat_id == 22][-1]
    assert told.payload["text"].startswith(f"該問題已有工單 #{number} 正在處理（已接單），已")


async def test_transfer_moves_the_card_to_the_other_grid(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    async with database.sessionmaker() as session, session.begin():
        await tickets.claim(session, number, actor=s.wang, now=NOW)
    before = await last_row_id(database)
    async with database.sessionmaker() as session, session.begin():
        await tickets.transfer(session, number, to=s.tuanjie, actor=s.wang, now=NOW)
    t = await ticket(database, number)
    assert (t.status, t.grid_id, t.assignee_id, t.claimed_at) == ("new", s.tuanjie.id, None, NOW)
    new_rows = await rows(database, number, after=before)
    notice = [r for r in new_rows if r.chat_id == s.zhang.telegram_id][0]
    assert notice.payload["text"] == f"您反映的问题（工单 #{number}）已转交团结网格处理。"
    new_card = [r for r in new_rows if r.chat_id == TUANJIE_GROUP][0]
    assert new_card.method == "sendMessage" and "待受理" in new_card.payload["text"]
    old_cards = [r for r in await rows(database, number)
                 if r.chat_id == LONGQUAN_GROUP and r.edit_purpose == "card"]
    assert "已转派至团结网格" in old_cards[-1].payload["text"]
    assert old_cards[-1].payload["reply_markup"] == {"inline_keyboard": []}
    async with database.sessionmaker() as session:
        with pytest.raises(TicketError, match="已在团结网格"):
            await tickets.transfer(session, number, to=s.tuanjie, actor=s.wang, now=NOW)


async def test_a_reply_to_a_card_finds_its_ticket(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    for row in await outbox.claim_due(database.sessionmaker, now=T0):
        await outbox.mark_sent(database.sessionmaker, row.id, telegram_message_ids=[row.id + 500],
                               now=T0)
    card = (await rows(database, number))[0]
    async with database.sessionmaker() as session:
        found = await tickets.ticket_for_message(session, LONGQUAN_GROUP, card.id + 500)
        assert found is not None and found.number == number
        assert await tickets.ticket_for_message(session, LONGQUAN_GROUP, 1) is None


# --- concurrency ------------------------------------------------------------------------------


async def test_two_staff_press_claim_at_once_exactly_one_wins(database: Database) -> None:
    s = await seeded(database)
    number = await report(database, s)
    # On PostgreSQL both transactions read 待受理 before either writes: the conditional UPDATE
    # decides. On SQLite the second BEGIN IMMEDIATE waits for the first commit, then reads 已接单.
    barrier = asyncio.Barrier(2 if database.dialect == "postgresql" else 1)

    async def press(staff: Any) -> str:
        async with database.sessionmaker() as session:
            await tickets.get_ticket(session, number)
            await barrier.wait()
            try:
                await tickets.claim(session, number, actor=staff, now=NOW)
                await session.commit()
                return "won"
            except IllegalTransition as refused:
                await session.rollback()
                return str(refused)

    results = await asyncio.gather(press(s.wang), press(s.zhao))
    assert sorted(results) == sorted(["won", f"工单 #{number} 已接单，不能再接单"])
    claims = [e for e in await events(database, number) if e.kind == "claimed"]
    assert len(claims) == 1
    notices = [r for r in await rows(database, number) if r.chat_id == s.zhang.telegram_id]
    assert len(notices) == 2  # the confirmation and one 接单 notice
