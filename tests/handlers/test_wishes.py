"""微心愿 (issue 8): a resident's wish, published by staff, claimed by the first volunteer,
done, confirmed, and paid in points; the resident told at every step."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from handlers.app import handle
from intents import Classifier
from storage.db import Database
from storage.models import Person, Ticket, Wish
from tests.handlers.chat import Conversation
from tests.handlers.conftest import ADMIN, CHEN, LI, WANG, ZHANG
from tests.handlers.test_points import MA, _balance
from tests.handlers.test_workers import LIU, join
from tests.storage.backends import database  # noqa: F401
from tests.storage.builders import LONGQUAN_GROUP, T0, TUANJIE_GROUP, seeded

WISH = "想给独居的母亲找人每周陪聊一次"


async def _wish(chat: Conversation, number: int = 1) -> Wish:
    async with chat.database.sessionmaker() as session:
        wish = await session.get(Wish, number)
        assert wish is not None
        return wish


async def volunteer(chat: Conversation, who: object = CHEN) -> None:
    """A resident volunteers for 龙泉网格 (choosing it from the buttons, shown in the
    resident's script)."""
    await chat.says(who, "/volunteer")  # type: ignore[arg-type]
    choices = chat.last(who.id).buttons  # type: ignore[attr-defined]
    await chat.presses(who, next(data for label, data in choices  # type: ignore[arg-type]
                                 if label in ("龙泉网格", "龍泉網格")))


async def test_a_wish_from_posting_to_confirmation(chat: Conversation) -> None:
    await join(chat, LIU)
    await volunteer(chat, CHEN)
    assert "感謝您加入龍泉網格志願者" in chat.last(CHEN.id).text

    # 点单
    await chat.says(ZHANG, f"/wish {WISH}")
    assert chat.last(ZHANG.id).text.startswith("已收到您的心愿 #1")
    card = chat.last(LONGQUAN_GROUP)
    assert "心愿 #1" in card.text and WISH in card.text and "张*" in card.text

    # 派单
    answer = await chat.presses(WANG, card.button("发布给志愿者"), chat_id=LONGQUAN_GROUP)
    assert answer.callback_answer == "心愿 #1 已发布"
    assert "心愿 #1 已发布给志愿者" in chat.last(ZHANG.id).text
    assert chat.last(LONGQUAN_GROUP).text == "心愿 #1 已发布给 2 位志愿者。"
    offer_liu, offer_chen = chat.last(LIU.id), chat.last(CHEN.id)
    assert WISH in offer_liu.text and offer_liu.buttons == [("认领", "xc:1")]
    assert "心願 #1" in offer_chen.text  # Traditional for her

    # 接单: the first wins, the second is told it is taken
    won = await chat.presses(LIU, offer_liu.button("认领"))
    lost = await chat.presses(CHEN, offer_chen.button("認領"))  # in her script
    assert won.callback_answer == "认领成功：心愿 #1"
    assert lost.callback_alert and "已被其他志願者認領" in (lost.callback_answer or "")  # hers
    assert (await _wish(chat)).status == "claimed"
    assert "您的心愿 #1 已由志愿者 刘** 认领" in chat.last(ZHANG.id).text
    assert chat.last(LONGQUAN_GROUP).text == "心愿 #1 已由 刘** 认领。"

    # done, not quite, done again, confirmed
    mine = chat.last(LIU.id)
    assert mine.text.startswith("您已认领心愿 #1")
    await chat.presses(LIU, mine.button("已完成"))
    ask = chat.last(ZHANG.id)
    assert ask.text == "志愿者说您的心愿 #1 已完成，请确认："
    await chat.presses(ZHANG, ask.button("还没完成"))
    assert "居民说心愿 #1 还没有完成" in chat.last(LIU.id).text
    assert (await _wish(chat)).status == "claimed"
    assert await _balance(chat, LIU) == 0

    await chat.presses(LIU, chat.last(LIU.id).button("已完成"))
    await chat.presses(ZHANG, chat.last(ZHANG.id).button("已完成"))

    wish = await _wish(chat)
    assert wish.status == "confirmed" and wish.confirmed_at == chat.now
    assert await _balance(chat, LIU) == 20
    assert "居民已确认心愿 #1 完成，+20 积分，当前 20 积分" in chat.last(LIU.id).text
    assert chat.last(ZHANG.id).text == "感谢确认！心愿 #1 已完成。"
    again = await chat.presses(ZHANG, ask.button("已完成"))
    assert again.callback_alert and await _balance(chat, LIU) == 20


async def test_only_the_volunteer_marks_done_and_only_the_resident_confirms(
    chat: Conversation,
) -> None:
    await join(chat, LIU)
    await volunteer(chat, CHEN)
    await chat.says(ZHANG, f"/wish {WISH}")
    await chat.presses(WANG, "xp:1", chat_id=LONGQUAN_GROUP)
    await chat.presses(LIU, "xc:1")

    other = await chat.presses(CHEN, "xd:1")
    assert other.callback_alert and (await _wish(chat)).status == "claimed"
    await chat.presses(LIU, "xd:1")
    cheat = await chat.presses(LIU, "xy:1")
    assert cheat.callback_alert and (await _wish(chat)).status == "done"
    assert await _balance(chat, LIU) == 0


async def test_a_wish_needs_words_and_volunteers(chat: Conversation) -> None:
    await chat.says(ZHANG, "/wish")
    assert "请在 /wish 后写下您的心愿" in chat.last(ZHANG.id).text

    await chat.says(ZHANG, f"/wish {WISH}")
    card = chat.last(LONGQUAN_GROUP)
    nobody = await chat.presses(WANG, card.button("发布给志愿者"), chat_id=LONGQUAN_GROUP)
    assert nobody.callback_alert and "还没有志愿者" in (nobody.callback_answer or "")
    assert (await _wish(chat)).status == "new"

    elsewhere = await chat.presses(WANG, card.button("发布给志愿者"), chat_id=TUANJIE_GROUP)
    assert elsewhere.callback_alert and (await _wish(chat)).status == "new"


async def test_staff_can_decline_a_wish(chat: Conversation) -> None:
    await chat.says(ZHANG, f"/wish {WISH}")
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button("不予受理"),
                       chat_id=LONGQUAN_GROUP)
    assert "您的心愿 #1 暂时无法安排" in chat.last(ZHANG.id).text
    assert (await _wish(chat)).status == "declined"


async def test_a_volunteer_of_another_grid_cannot_claim(chat: Conversation) -> None:
    await join(chat, LIU)
    await join(chat, MA, group=TUANJIE_GROUP)
    await chat.says(ZHANG, f"/wish {WISH}")
    await chat.presses(WANG, "xp:1", chat_id=LONGQUAN_GROUP)
    assert "xc:1" not in [data for _, data in chat.last(MA.id).buttons]
    refused = await chat.presses(MA, "xc:1")
    assert refused.callback_alert and (await _wish(chat)).status == "published"


async def test_a_suggestion_can_become_a_wish(chat: Conversation) -> None:
    await chat.says(LI, "龙泉小区建议组织一些老年人活动")
    offer = chat.last(LI.id)
    assert "像是一个微心愿" in offer.text

    answer = await chat.presses(LI, offer.button("转为微心愿"))

    assert answer.callback_answer == "已转为心愿 #1"
    async with chat.database.sessionmaker() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert ticket.status == "withdrawn"
    wish = await _wish(chat)
    assert wish.text == ticket.text and wish.status == "new"
    assert "心愿 #1" in chat.last(LONGQUAN_GROUP).text


async def test_leaving_stops_the_offers(chat: Conversation) -> None:
    await volunteer(chat, CHEN)
    await chat.says(CHEN, "/leave")
    assert "已退出志願者" in chat.last(CHEN.id).text
    await chat.says(ZHANG, f"/wish {WISH}")
    nobody = await chat.presses(WANG, "xp:1", chat_id=LONGQUAN_GROUP)
    assert nobody.callback_alert


# ---------------------------------------------------------------------------------------------
# Two volunteers press 认领 at the same moment: exactly one wins, on both backends


async def test_racing_claims_have_one_winner(
    database: Database, classifier: Classifier  # noqa: F811
) -> None:
    await seeded(database)
    chat = Conversation(database, classifier, now=T0, admin_ids=frozenset({ADMIN.id}))
    await join(chat, LIU)
    await join(chat, MA)
    await chat.says(ZHANG, f"/wish {WISH}")
    await chat.presses(WANG, "xp:1", chat_id=LONGQUAN_GROUP)
    assert (await _wish(chat)).status == "published"

    answers = await asyncio.gather(*[
        handle(chat._event(who, None, kind="callback", callback_id="cb", callback_data="xc:1"),
               chat.services)
        for who in (LIU, MA)
    ])
    await chat.deliver()

    texts = [a.callback_answer or "" for a in answers]
    assert sum(t == "认领成功：心愿 #1" for t in texts) == 1, texts
    assert sum("已被其他志愿者认领" in t for t in texts) == 1, texts
    wish = await _wish(chat)
    async with database.sessionmaker() as session:
        winner = await session.get(Person, wish.volunteer_id)
    assert wish.status == "claimed" and winner is not None
    assert sum("认领" in t and "已由志愿者" in t for t in chat.texts(ZHANG.id)) == 1
