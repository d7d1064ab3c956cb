"""积分 (issue 8): earned when staff verify a worker's report, capped per day, ranked per grid,
spent in the shop with staff's confirmation; never below zero, also when two redemptions race."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from handlers import points
from handlers.app import handle
from handlers.events import Person as Sender
from handlers.rules import PointsRules
from intents import Classifier
from storage.db import Database
from storage.models import Person, PointsEntry, Redemption, ShopItem, Ticket
from tests.handlers.chat import Conversation
from tests.handlers.conftest import ADMIN, LI, WANG, ZHANG, ZHAO
from tests.handlers.test_workers import LIU, join
from tests.storage.backends import database  # noqa: F401
from tests.storage.builders import LONGQUAN_GROUP, T0, TUANJIE_GROUP, seeded

MA = Sender(45, "马快递")  # a second rider


async def _person(chat: Conversation, telegram_id: int) -> Person:
    async with chat.database.sessionmaker() as session:
        return (await session.scalars(
            select(Person).where(Person.telegram_id == telegram_id))).one()


async def _balance(chat: Conversation, who: Sender) -> int:
    person = await _person(chat, who.id)
    async with chat.database.sessionmaker() as session:
        return await points.balance(session, person.id)


async def report(chat: Conversation, who: Sender, caption: str = "垃圾桶满了溢出来") -> int:
    """A worker's photo report; its ticket number."""
    await chat.photo(who, f"photo-{len(chat.sent)}", caption=caption)
    found = re.match(r"#(\d+) 已受理", chat.last(who.id).text)
    assert found, chat.last(who.id).text
    return int(found.group(1))


async def verified(chat: Conversation, who: Sender, caption: str = "垃圾桶满了溢出来") -> int:
    number = await report(chat, who, caption)
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    return number


# ---------------------------------------------------------------------------------------------
# Earning


async def test_a_verified_report_earns_points_by_category(chat: Conversation) -> None:
    await join(chat, LIU)
    number = await report(chat, LIU)
    assert await _balance(chat, LIU) == 0  # sending earns nothing

    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)

    assert await _balance(chat, LIU) == 10
    assert f"#{number} 已核实办结，+10 积分，当前 10 积分" in chat.texts(LIU.id)

    await chat.says(LIU, "/points")
    shown = chat.last(LIU.id).text
    assert shown.startswith("您的积分：10") and f"+10 随手拍 #{number} 核实" in shown


async def test_an_urgent_safety_report_earns_more(chat: Conversation) -> None:
    await join(chat, LIU)
    number = await report(chat, LIU, "龙泉小区3号楼楼道里电线冒火花了")
    card = chat.card(LONGQUAN_GROUP, number)
    await chat.presses(WANG, card.button("办结"), chat_id=LONGQUAN_GROUP)
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button("跳过，直接办结"),
                       chat_id=LONGQUAN_GROUP)
    assert await _balance(chat, LIU) == PointsRules().for_report("safety", urgent=True) == 30


async def test_a_result_written_in_reply_to_the_prompt_earns_too(chat: Conversation) -> None:
    await join(chat, LIU)
    number = await report(chat, LIU)
    await chat.presses(WANG, chat.card(LONGQUAN_GROUP, number).button("办结"),
                       chat_id=LONGQUAN_GROUP)
    await chat.says(WANG, "已清运", chat_id=LONGQUAN_GROUP, reply_to=chat.last(LONGQUAN_GROUP))
    assert await _balance(chat, LIU) == 10


async def test_resolving_again_after_a_reopen_earns_nothing_more(chat: Conversation) -> None:
    await join(chat, LIU)
    number = await verified(chat, LIU)
    rate = chat.last(LIU.id, "sendMessage")
    assert rate.text.startswith(f"#{number} 已核实办结")
    await chat.presses(LIU, f"t:{number}:rate:1")
    await chat.presses(LIU, f"rn:{number}")
    await chat.says(WANG, f"/done {number} 又清理了一遍", chat_id=LONGQUAN_GROUP)
    assert await _balance(chat, LIU) == 10


async def test_a_rejected_report_earns_nothing(chat: Conversation) -> None:
    await join(chat, LIU)
    number = await report(chat, LIU)
    await chat.says(WANG, f"/reject {number} 照片看不清", chat_id=LONGQUAN_GROUP)
    assert await _balance(chat, LIU) == 0


async def test_only_the_first_reporter_of_a_duplicate_earns(chat: Conversation) -> None:
    await join(chat, LIU)
    await join(chat, MA)
    first = await report(chat, LIU, "龙泉小区3号楼门口垃圾堆成山")
    second = await report(chat, MA, "龙泉花园东门的井盖松了")
    await chat.says(WANG, f"/merge {second} {first}", chat_id=LONGQUAN_GROUP)
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button(f"确认并入 #{first}"),
                       chat_id=LONGQUAN_GROUP)  # two categories: staff confirm

    await chat.says(WANG, f"/done {first} 已清理", chat_id=LONGQUAN_GROUP)

    assert await _balance(chat, LIU) == 10
    assert await _balance(chat, MA) == 0


async def test_a_worker_following_a_residents_ticket_earns_nothing(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了，臭得不行")
    await chat.photo(LIU, "p1", caption="龙泉小区3号楼门口的垃圾好几天没人清运了")
    async with chat.database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
    await chat.says(WANG, "/done 1 已清理", chat_id=LONGQUAN_GROUP)
    assert await _balance(chat, LIU) == 0


async def test_a_residents_resolved_report_earns_nothing(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了，臭得不行")
    await chat.says(WANG, "/done 1 已清理", chat_id=LONGQUAN_GROUP)
    async with chat.database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PointsEntry)) == 0


async def test_the_daily_cap(chat: Conversation) -> None:
    chat.points = PointsRules(daily_cap=15)
    await join(chat, LIU)
    await verified(chat, LIU)
    await verified(chat, LIU, "龙泉花园门口垃圾没人收")
    assert await _balance(chat, LIU) == 15
    assert "+5 积分（今日已达上限 15），当前 15 积分" in chat.last(LIU.id).text

    await verified(chat, LIU, "龙泉小区5号楼垃圾桶坏了")
    assert await _balance(chat, LIU) == 15
    assert "今日积分已达上限 15，本次未计分" in chat.last(LIU.id).text

    chat.later(days=1)  # a new local day
    await verified(chat, LIU, "龙泉小区6号楼门口垃圾堆着")
    assert await _balance(chat, LIU) == 25


# ---------------------------------------------------------------------------------------------
# Ranking


async def test_this_months_ranking_of_the_grid(chat: Conversation) -> None:
    await join(chat, LIU)
    await join(chat, MA)
    await join(chat, LI, group=TUANJIE_GROUP)
    await verified(chat, LIU)
    await verified(chat, MA)
    await verified(chat, MA, "龙泉花园门口垃圾没人收")
    await chat.says(LI, "/points")

    await chat.says(LIU, "/rank")

    assert chat.last(LIU.id).text == "龙泉网格 5月积分排行：\n🥇 马** 20\n🥈 刘**（我） 10"
    await chat.says(WANG, "/rank", chat_id=LONGQUAN_GROUP)
    assert "🥇 马** 20" in chat.last(LONGQUAN_GROUP).text
    await chat.says(LI, "/rank")
    assert "团结网格 5月还没有人获得积分" in chat.last(LI.id).text

    chat.later(days=31)
    await chat.says(LIU, "/rank")
    assert "6月还没有人获得积分" in chat.last(LIU.id).text


async def test_rank_needs_a_grid(chat: Conversation) -> None:
    await chat.says(ZHANG, "/rank")
    assert "加入网格" in chat.last(ZHANG.id).text


# ---------------------------------------------------------------------------------------------
# The shop


async def stock(chat: Conversation, name: str = "食用油", price: int = 20, count: int = 2) -> None:
    await chat.says(ADMIN, f"/shop_add {name} {price} {count}", chat_id=LONGQUAN_GROUP)


async def test_only_admins_stock_the_shop(chat: Conversation) -> None:
    await chat.says(WANG, "/shop_add 食用油 200 10", chat_id=LONGQUAN_GROUP)
    assert "只有管理员" in chat.last(LONGQUAN_GROUP).text
    await stock(chat, price=200, count=10)
    assert chat.last(LONGQUAN_GROUP).text == "已上架：食用油，200 积分，库存 10。"
    await chat.says(LIU, "/shop")
    assert "食用油 200 积分（剩 10）" in chat.last(LIU.id).text
    await chat.says(ADMIN, "/shop_del 食用油", chat_id=LONGQUAN_GROUP)
    await chat.says(LIU, "/shop")
    assert "还没有上架商品" in chat.last(LIU.id).text


async def test_a_redemption_confirmed_takes_points_and_stock(chat: Conversation) -> None:
    await stock(chat)
    await join(chat, LIU)
    await verified(chat, LIU)
    await verified(chat, LIU, "龙泉花园门口垃圾没人收")

    await chat.says(LIU, "/redeem 油")
    assert "已提交兑换申请 #1：食用油，20 积分" in chat.last(LIU.id).text
    card = chat.last(LONGQUAN_GROUP)
    assert "兑换申请 #1" in card.text and "刘**" in card.text and "现有 20" in card.text

    answer = await chat.presses(WANG, card.button("确认发放"), chat_id=LONGQUAN_GROUP)

    assert answer.callback_answer == "兑换 #1 已确认发放"
    assert "兑换申请 #1 已确认：食用油，扣除 20 积分，剩余 0" in chat.last(LIU.id).text
    assert await _balance(chat, LIU) == 0
    async with chat.database.sessionmaker() as session:
        item = (await session.scalars(select(ShopItem))).one()
        assert item.stock == 1
    again = await chat.presses(ZHAO, card.button("确认发放"), chat_id=LONGQUAN_GROUP)
    assert again.callback_answer == "兑换申请 #1 已处理" and await _balance(chat, LIU) == 0
    await chat.says(LIU, "/points")
    assert "-20 兑换 #1" in chat.last(LIU.id).text


async def test_a_redemption_refused_keeps_the_points(chat: Conversation) -> None:
    await stock(chat)
    await join(chat, LIU)
    await verified(chat, LIU)
    await verified(chat, LIU, "龙泉花园门口垃圾没人收")
    await chat.says(LIU, "/redeem 食用油")
    card = chat.last(LONGQUAN_GROUP)

    wrong_group = await chat.presses(WANG, card.button("拒绝"), chat_id=TUANJIE_GROUP)
    assert wrong_group.callback_alert
    await chat.presses(WANG, card.button("拒绝"), chat_id=LONGQUAN_GROUP)

    assert "兑换申请 #1（食用油）未通过，积分未扣除" in chat.last(LIU.id).text
    assert await _balance(chat, LIU) == 20
    late = await chat.presses(ZHAO, card.button("确认发放"), chat_id=LONGQUAN_GROUP)
    assert late.callback_answer == "兑换申请 #1 已处理" and await _balance(chat, LIU) == 20


async def test_redeeming_more_than_one_has_is_refused_at_once(chat: Conversation) -> None:
    await stock(chat)
    await stock(chat, "花生油", 5, 1)
    await join(chat, LIU)
    await verified(chat, LIU)
    await chat.says(LIU, "/redeem 油")
    assert "找到多个商品" in chat.last(LIU.id).text
    await chat.says(LIU, "/redeem 食用油")
    assert "积分不足：食用油 需要 20 积分，您可用 10" in chat.last(LIU.id).text
    await chat.says(LIU, "/redeem 花生油")
    await chat.says(LIU, "/redeem 花生油")
    assert "花生油 已兑完" not in chat.last(LIU.id).text  # stock is taken on confirmation
    await chat.says(LIU, "/redeem 大米")
    assert "没有“大米”" in chat.last(LIU.id).text


async def test_pending_requests_count_against_what_one_can_redeem(chat: Conversation) -> None:
    await stock(chat, "毛巾", 6, 5)
    await join(chat, LIU)
    await verified(chat, LIU)
    await chat.says(LIU, "/redeem 毛巾")
    await chat.says(LIU, "/redeem 毛巾")
    assert "积分不足：毛巾 需要 6 积分，您可用 4" in chat.last(LIU.id).text


# ---------------------------------------------------------------------------------------------
# Two staff confirm two redemptions at once that together would overdraw: on both backends


async def test_concurrent_redemptions_never_overdraw(
    database: Database, classifier: Classifier  # noqa: F811
) -> None:
    await seeded(database)
    chat = Conversation(database, classifier, now=T0, admin_ids=frozenset({ADMIN.id}))
    await stock(chat, "食用油", 20, 5)
    await join(chat, LIU)
    rider = await _person(chat, LIU.id)
    async with database.sessionmaker() as session, session.begin():
        item = (await session.scalars(select(ShopItem))).one()
        session.add(PointsEntry(person_id=rider.id, delta=30, reason="report", at=T0))
        # Two requests made while the rider still had enough for each (say, on two phones).
        session.add_all([Redemption(person_id=rider.id, item_id=item.id, price=20,
                                    grid_id=rider.grid_id, status="pending", created_at=T0)
                         for _ in range(2)])

    answers = await asyncio.gather(*[
        handle(chat._event(staff, LONGQUAN_GROUP, kind="callback", callback_id="cb",
                           callback_data=f"ry:{number}"), chat.services)
        for staff, number in ((WANG, 1), (ZHAO, 2))
    ])

    texts = sorted(a.callback_answer or "" for a in answers)
    assert sum("已确认发放" in t for t in texts) == 1, texts
    assert any("积分不足（现有 10，需 20）" in t for t in texts), texts
    assert await _balance(chat, LIU) == 10
    async with database.sessionmaker() as session:
        statuses = sorted((await session.scalars(select(Redemption.status))).all())
        assert statuses == ["confirmed", "pending"]
        assert (await session.scalars(select(ShopItem.stock))).one() == 4


async def test_the_last_item_goes_to_one_person(
    database: Database, classifier: Classifier  # noqa: F811
) -> None:
    await seeded(database)
    chat = Conversation(database, classifier, now=T0, admin_ids=frozenset({ADMIN.id}))
    await stock(chat, "充电宝", 20, 1)
    await join(chat, LIU)
    await join(chat, MA)
    async with database.sessionmaker() as session, session.begin():
        item = (await session.scalars(select(ShopItem))).one()
        for who in (LIU, MA):
            person = (await session.scalars(
                select(Person).where(Person.telegram_id == who.id))).one()
            session.add(PointsEntry(person_id=person.id, delta=50, reason="report", at=T0))
            session.add(Redemption(person_id=person.id, item_id=item.id, price=20,
                                   grid_id=person.grid_id, status="pending", created_at=T0))

    answers = await asyncio.gather(*[
        handle(chat._event(staff, LONGQUAN_GROUP, kind="callback", callback_id="cb",
                           callback_data=f"ry:{number}"), chat.services)
        for staff, number in ((WANG, 1), (ZHAO, 2))
    ])

    texts = [a.callback_answer or "" for a in answers]
    assert sum("已确认发放" in t for t in texts) == 1, texts
    assert sorted([await _balance(chat, LIU), await _balance(chat, MA)]) == [30, 50]
    async with database.sessionmaker() as session:
        assert (await session.scalars(select(ShopItem.stock))).one() == 0
