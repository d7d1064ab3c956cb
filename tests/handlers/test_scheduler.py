"""Deadlines as conversations with a clock we move (issue 6): reminders in the grid's group,
whistles in the street's group, unrated tickets closed, each exactly once, also when two
processes tick at the same moment."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, select

from handlers import scheduler
from handlers.events import Person as Sender
from storage.models import GroupChat, Ticket, TicketEvent
from tests.handlers.chat import Conversation, Sent
from tests.handlers.conftest import ADMIN, LI, WANG, ZHANG, ZHAO
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP

GARBAGE = "龙泉小区3号楼门口的垃圾三天没人清运了"  # sanitation: respond 2 h, resolve 7 days
TRAPPED = "龙泉花园2号楼电梯里困了人，出不来了"  # urgent: respond 15 min, resolve 2 h


async def report(chat: Conversation, text: str = GARBAGE, who: Sender = ZHANG) -> int:
    await chat.says(who, text)
    async with chat.database.sessionmaker() as session:
        return int((await session.scalars(select(Ticket.id).order_by(Ticket.id.desc()))).first())


async def tick(chat: Conversation) -> None:
    await scheduler.tick(chat.services)
    await chat.deliver()


async def ticket(chat: Conversation, number: int) -> Ticket:
    async with chat.database.sessionmaker() as session:
        found = await session.get(Ticket, number)
        assert found is not None
        return found


def last_starting(chat: Conversation, group: int, prefix: str) -> Sent:
    """The latest message in `group` that starts so (the daily digest may come after it)."""
    return [s for s in chat.to(group) if s.text.startswith(prefix)][-1]


def reminders(chat: Conversation, group: int = LONGQUAN_GROUP) -> list[str]:
    return [t for t in chat.texts(group) if t.startswith("⏰")]


def whistles(chat: Conversation, group: int = STREET_GROUP) -> list[str]:
    return [t for t in chat.texts(group) if t.startswith("📣")]


async def test_an_unclaimed_ticket_is_reminded_once_under_its_card(chat: Conversation) -> None:
    number = await report(chat)
    chat.later(hours=1, minutes=59)
    await tick(chat)
    assert reminders(chat) == []

    chat.later(minutes=2)
    await tick(chat)
    [text] = reminders(chat)
    assert text == f"⏰ 工单 #{number}（环境卫生）已超过响应时限 1 分钟，仍未接单，请尽快处理。"
    reminder = last_starting(chat, LONGQUAN_GROUP, "⏰")
    card = chat.card(LONGQUAN_GROUP, number)
    assert reminder.payload["reply_parameters"]["message_id"] == card.message_id
    assert reminders(chat, TUANJIE_GROUP) == [] and whistles(chat) == []

    chat.later(minutes=30)
    await tick(chat)
    assert len(reminders(chat)) == 1  # once

    # 接单 right from the reminder.
    await chat.presses(WANG, reminder.button("接单"), chat_id=LONGQUAN_GROUP)
    assert (await ticket(chat, number)).status == "claimed"


async def test_a_late_ticket_transferred_unclaimed_reminds_its_new_grid(
    chat: Conversation,
) -> None:
    number = await report(chat)
    chat.later(hours=3)
    await tick(chat)
    assert len(reminders(chat)) == 1
    transfer = chat.card(LONGQUAN_GROUP, number).button("转派")
    await chat.presses(WANG, transfer, chat_id=LONGQUAN_GROUP)
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button("团结网格"), chat_id=LONGQUAN_GROUP)
    await tick(chat)
    assert len(reminders(chat, TUANJIE_GROUP)) == 1
    assert len(reminders(chat)) == 1  # the old grid is not reminded again


async def test_a_claimed_ticket_is_not_reminded(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(WANG, f"/claim {number}", chat_id=LONGQUAN_GROUP)
    chat.later(hours=3)
    await tick(chat)
    assert reminders(chat) == [] and (await ticket(chat, number)).reminded_at is None


async def test_past_the_resolution_deadline_the_street_is_whistled_with_transfer_buttons(
    chat: Conversation,
) -> None:
    number = await report(chat)
    await chat.says(WANG, f"/claim {number}", chat_id=LONGQUAN_GROUP)
    chat.later(days=7, hours=3)
    await tick(chat)
    [text] = whistles(chat)
    lines = text.splitlines()
    assert lines[0] == f"📣 <b>街道吹哨</b> · <b>工单 #{number}</b> · 环境卫生"
    assert lines[1] == "已超过办结时限 <b>3 小时</b>（时限 05-08 16:00）"
    assert lines[2] == "网格：龙泉网格 · 状态：已接单（承办：王网格员）"
    assert "位置：龙泉小区3号楼" in text and "垃圾三天没人清运" in text
    whistle = last_starting(chat, STREET_GROUP, "📣")
    assert whistle.buttons == [("转派 团结网格", f"tr:{number}:2")]
    assert (await ticket(chat, number)).escalated_at == chat.now

    chat.later(hours=1)
    await tick(chat)
    assert len(whistles(chat)) == 1  # once

    # The street reassigns it: a new card in the other grid's group, the resident told.
    answer = await chat.presses(ADMIN, whistle.button("转派 团结网格"), chat_id=STREET_GROUP)
    assert answer.callback_answer == f"#{number} 已转派至团结网格"
    assert "接单" in [b for b, _ in chat.card(TUANJIE_GROUP, number).buttons]
    assert "已转交团结网格处理" in chat.last(ZHANG.id).text
    # A reply to the whistle reaches the resident.
    await chat.says(ADMIN, "街道已督办，今天处理", chat_id=STREET_GROUP, reply_to=whistle)
    assert "街道已督办" in chat.last(ZHANG.id).text


async def test_another_grids_group_cannot_press_the_whistles_buttons(chat: Conversation) -> None:
    number = await report(chat)
    chat.later(days=8)
    await tick(chat)
    forged = await chat.presses(ZHAO, f"tr:{number}:2", chat_id=TUANJIE_GROUP)
    assert forged.callback_alert and "不属于本网格" in (forged.callback_answer or "")
    assert (await ticket(chat, number)).grid_id == 1


async def test_an_urgent_ticket_is_whistled_at_opening_and_never_twice(
    chat: Conversation,
) -> None:
    number = await report(chat, TRAPPED)
    assert "🔴 紧急" in chat.card(STREET_GROUP, number).text  # the lifecycle's whistle
    await tick(chat)
    chat.later(hours=3)  # past both deadlines
    await tick(chat)
    assert whistles(chat) == []
    assert len([s for s in chat.to(STREET_GROUP) if s.method == "sendMessage"]) == 1
    assert (await ticket(chat, number)).escalated_at is not None
    [text] = reminders(chat)  # the grid is still reminded to respond
    assert f"#{number}（电梯）" in text


async def test_an_urgent_ticket_opened_before_the_street_group_existed_is_whistled_at_once(
    chat: Conversation,
) -> None:
    async with chat.database.sessionmaker() as session, session.begin():
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == STREET_GROUP))
    number = await report(chat, TRAPPED)
    await tick(chat)
    assert (await ticket(chat, number)).escalated_at is None  # nowhere to whistle yet
    await chat.says(ADMIN, "/bind_street 团结街道", chat_id=-901)
    await tick(chat)
    [text] = whistles(chat, -901)
    assert text.startswith(f"📣 <b>街道吹哨</b> · 🔴 紧急 · <b>工单 #{number}</b>")
    assert "紧急工单，办结时限" in text


async def test_a_resolved_ticket_nobody_rates_is_closed_after_three_days(
    chat: Conversation,
) -> None:
    number = await report(chat)
    rated = await report(chat, "龙泉花园5号楼下面的路面塌了一块", who=LI)
    for n in (number, rated):
        await chat.says(WANG, f"/done {n} 已处理", chat_id=LONGQUAN_GROUP)
    await chat.presses(LI, chat.last(LI.id).button("满意"))
    chat.later(days=2, hours=23)
    await tick(chat)
    assert (await ticket(chat, number)).status == "resolved"

    chat.later(hours=1)
    await tick(chat)
    closed = await ticket(chat, number)
    assert closed.status == "closed" and closed.rating is None
    assert chat.last(ZHANG.id).text == f"工单 #{number} 已关闭。感谢您的反映！"
    assert "已关闭" in chat.card(LONGQUAN_GROUP, number).text
    assert (await ticket(chat, rated)).rating == 3


async def test_two_processes_ticking_together_send_each_follow_up_once(
    chat: Conversation,
) -> None:
    numbers = [await report(chat, f"龙泉小区{i}号楼门口的垃圾三天没人清运了", who=who)
               for i, who in ((3, ZHANG), (5, LI))]
    chat.later(days=8)
    await asyncio.gather(scheduler.tick(chat.services), scheduler.tick(chat.services))
    await chat.deliver()
    assert len(reminders(chat)) == 2 and len(whistles(chat)) == 2
    async with chat.database.sessionmaker() as session:
        kinds = (await session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id.in_(numbers), TicketEvent.kind != "opened"))).all()
    assert sorted(kinds) == ["escalated", "escalated", "reminded", "reminded"]


async def test_tick_is_the_hook_the_composition_root_calls() -> None:
    import inspect

    from bot import app

    assert inspect.iscoroutinefunction(scheduler.tick)
    assert list(inspect.signature(scheduler.tick).parameters) == ["services"]
    assert app.SCHEDULER_EVERY <= 60  # reminders are at most a minute late


async def test_a_grid_without_a_group_is_reminded_in_the_street_group(
    chat: Conversation,
) -> None:
    await chat.says(ADMIN, "/unbind", chat_id=LONGQUAN_GROUP)
    number = await report(chat)
    chat.later(hours=3)
    await tick(chat)
    [text] = reminders(chat, STREET_GROUP)
    assert f"#{number}" in text
