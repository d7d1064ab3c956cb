"""Mobile grid workers (issue 8): joining a grid and photo reports (随手拍), as conversations."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.events import Person as Sender
from storage.models import Attachment, Grid, JoinCode, Person, Ticket
from tests.handlers.chat import Conversation
from tests.handlers.conftest import CHEN, LI, WANG, ZHANG
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP

LIU = Sender(44, "刘骑手")  # a delivery rider, not yet known to the bot


async def _person(chat: Conversation, telegram_id: int) -> Person:
    async with chat.database.sessionmaker() as session:
        return (await session.scalars(
            select(Person).where(Person.telegram_id == telegram_id))).one()


async def _grid_id(chat: Conversation, name: str) -> int:
    async with chat.database.sessionmaker() as session:
        return (await session.scalars(select(Grid.id).where(Grid.name == name))).one()


async def _tickets(chat: Conversation) -> list[Ticket]:
    async with chat.database.sessionmaker() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def invite(chat: Conversation, group: int = LONGQUAN_GROUP) -> str:
    """Staff ask for a code in their group; the code the bot posted."""
    await chat.says(WANG, "/invite", chat_id=group)
    found = re.search(r"/join ([A-Z0-9]+)", chat.last(group).text)
    assert found, chat.last(group).text
    return found.group(1)


async def join(chat: Conversation, who: Sender, group: int = LONGQUAN_GROUP) -> None:
    await chat.says(who, f"/join {await invite(chat, group)}")


# ---------------------------------------------------------------------------------------------
# Joining


async def test_a_rider_joins_with_the_code_staff_posted(chat: Conversation) -> None:
    code = await invite(chat)
    assert "7 天内有效" in chat.last(LONGQUAN_GROUP).text

    await chat.says(LIU, f"/join {code.lower()}")

    rider = await _person(chat, LIU.id)
    assert rider.role == "worker"
    assert rider.grid_id == await _grid_id(chat, "龙泉网格")
    assert "欢迎加入龙泉网格流动网格员" in chat.last(LIU.id).text
    assert chat.last(LONGQUAN_GROUP).text == "刘** 已加入本网格流动网格员。"


async def test_a_code_works_once(chat: Conversation) -> None:
    code = await invite(chat)
    await chat.says(LIU, f"/join {code}")

    await chat.says(LI, f"/join {code}")

    assert "已被使用" in chat.last(LI.id).text
    assert (await _person(chat, LI.id)).role == "resident"


async def test_a_code_expires_after_seven_days(chat: Conversation) -> None:
    code = await invite(chat)
    chat.later(days=7, seconds=1)

    await chat.says(LIU, f"/join {code}")

    assert "已过期" in chat.last(LIU.id).text
    assert (await _person(chat, LIU.id)).role == "resident"


async def test_a_wrong_code_is_refused_and_the_code_stays_usable(chat: Conversation) -> None:
    code = await invite(chat)
    await chat.says(LIU, "/join ZZZZZZ")
    assert "邀请码不正确" in chat.last(LIU.id).text

    await chat.says(LIU, f"/join {code}")
    assert (await _person(chat, LIU.id)).role == "worker"
    async with chat.database.sessionmaker() as session:
        used = await session.get(JoinCode, code)
        assert used is not None and used.used_at == chat.now


async def test_invite_needs_a_bound_grid_group(chat: Conversation) -> None:
    await chat.says(WANG, "/invite", chat_id=STREET_GROUP)
    assert "已绑定网格的工作群" in chat.last(STREET_GROUP).text
    await chat.says(LIU, "/invite")
    assert chat.last(LIU.id).text == "该命令请在网格工作群中使用。"


async def test_join_without_a_code_asks_the_grid_staff(chat: Conversation) -> None:
    await chat.says(LIU, "/join")
    choose = chat.last(LIU.id)
    assert [label for label, _ in choose.buttons] == ["龙泉网格", "团结网格"]

    await chat.presses(LIU, choose.button("龙泉网格"))
    assert "已向龙泉网格提交加入申请" in chat.last(LIU.id).text
    card = chat.last(LONGQUAN_GROUP)
    assert "加入申请" in card.text and "刘**" in card.text
    await chat.says(LIU, "/join")
    assert "已提交" in chat.last(LIU.id).text  # one request at a time

    refused = await chat.presses(WANG, card.button("同意"), chat_id=TUANJIE_GROUP)
    assert refused.callback_alert and (await _person(chat, LIU.id)).role == "resident"

    await chat.presses(WANG, card.button("同意"), chat_id=LONGQUAN_GROUP)
    assert (await _person(chat, LIU.id)).role == "worker"
    assert "欢迎加入龙泉网格" in chat.last(LIU.id).text

    again = await chat.presses(WANG, card.button("拒绝"), chat_id=LONGQUAN_GROUP)
    assert again.callback_answer == "加入申请 #1 已处理"
    assert (await _person(chat, LIU.id)).role == "worker"


async def test_a_refused_request_is_told_politely(chat: Conversation) -> None:
    await chat.says(LI, "/address 团结西路8号院")
    await chat.says(LI, "/join")  # the remembered address names the grid: no question
    card = chat.last(TUANJIE_GROUP)
    await chat.presses(WANG, card.button("拒绝"), chat_id=TUANJIE_GROUP)
    assert "未通过" in chat.last(LI.id).text
    assert (await _person(chat, LI.id)).role == "resident"


async def test_staff_do_not_join_and_leave_ends_it(chat: Conversation) -> None:
    await chat.says(WANG, "/join ABCDEF")
    assert "工作人员" in chat.last(WANG.id).text

    await join(chat, LIU)
    await chat.says(LIU, "/leave")
    rider = await _person(chat, LIU.id)
    assert rider.role == "resident" and rider.grid_id is not None  # points keep their grid
    assert "已退出流动网格员" in chat.last(LIU.id).text
    await chat.says(LIU, "/leave")
    assert "不是流动网格员或志愿者" in chat.last(LIU.id).text


# ---------------------------------------------------------------------------------------------
# 随手拍


async def test_a_photo_with_a_caption_is_a_report_in_one_step(chat: Conversation) -> None:
    await join(chat, LIU)
    before = len(chat.to(LIU.id))

    await chat.photo(LIU, "photo-1", caption="垃圾桶满了溢出来")  # no place: no question

    [ticket] = await _tickets(chat)
    assert ticket.source == "worker" and ticket.category == "sanitation"
    [reply] = chat.to(LIU.id)[before:]
    assert reply.text == f"#{ticket.number} 已受理，核实后积分到账"
    card = chat.card(LONGQUAN_GROUP, ticket.number)
    assert "流动网格员随手拍" in card.text
    assert chat.last(LONGQUAN_GROUP).method == "sendPhoto"


async def test_a_photo_without_a_caption_asks_what_with_buttons(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.photo(LIU, "photo-1")

    question = chat.last(LIU.id)
    assert question.text == "什么问题？"
    assert "环境卫生" in [label for label, _ in question.buttons]
    assert await _tickets(chat) == []

    await chat.presses(LIU, question.button("道路与市政设施"))
    [ticket] = await _tickets(chat)
    assert ticket.category == "road" and ticket.source == "worker"
    assert ticket.text == "随手拍：道路与市政设施"
    assert chat.last(LIU.id).text == f"#{ticket.number} 已受理，核实后积分到账"


async def test_a_photo_without_a_caption_can_be_answered_in_words(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.photo(LIU, "photo-1")
    await chat.says(LIU, "龙泉花园门口井盖松了")
    [ticket] = await _tickets(chat)
    assert ticket.category == "road" and "井盖" in ticket.text
    async with chat.database.sessionmaker() as session:
        photos = (await session.scalars(select(Attachment.file_id))).all()
    assert photos == ["photo-1"]


async def test_an_album_is_one_report_with_all_its_photos(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.photo(LIU, "p1", "p2", "p3", caption="龙泉小区3号楼门口垃圾堆成山")

    [ticket] = await _tickets(chat)
    assert ticket.location_text == "龙泉小区3号楼门口"
    album = chat.last(LONGQUAN_GROUP)
    assert album.method == "sendMediaGroup" and len(album.payload["media"]) == 3
    assert "流动网格员随手拍" in chat.card(LONGQUAN_GROUP, ticket.number).text


async def test_consecutive_photos_of_a_worker_are_separate_reports(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.photo(LIU, "p1", caption="垃圾桶满了溢出来")
    chat.later(minutes=3)
    await chat.photo(LIU, "p2")  # a resident's would join the last ticket; a rider moved on
    assert chat.last(LIU.id).text == "什么问题？"


async def test_a_shared_location_places_the_next_photo(chat: Conversation) -> None:
    await join(chat, LIU, group=TUANJIE_GROUP)
    await chat.location(LIU, 39.9, 116.4)
    await chat.photo(LIU, "p1", caption="井盖松动了")
    [ticket] = await _tickets(chat)
    assert ticket.lat == 39.9 and ticket.lon == 116.4


async def test_a_location_shared_right_after_the_photo_places_it(chat: Conversation) -> None:
    await join(chat, LIU)
    await chat.photo(LIU, "p1", caption="垃圾桶满了溢出来")
    [ticket] = await _tickets(chat)
    assert ticket.location_text is None

    await chat.location(LIU, 39.9, 116.4)

    [ticket] = await _tickets(chat)
    assert (ticket.lat, ticket.lon) == (39.9, 116.4)
    assert chat.last(LIU.id).text == f"#{ticket.number} 已补充位置"
    assert "共享位置 39.90000,116.40000" in chat.card(LONGQUAN_GROUP, ticket.number).text

    chat.later(minutes=30)
    await chat.location(LIU, 39.8, 116.3)  # later: only remembered for the next report
    assert (await _tickets(chat))[0].lat == 39.9


async def test_residents_photos_still_ask_for_a_description(chat: Conversation) -> None:
    await chat.photo(ZHANG, "p1")
    assert "请用一句话描述" in chat.last(ZHANG.id).text


async def test_a_traditional_writer_is_answered_in_traditional(chat: Conversation) -> None:
    await join(chat, CHEN)
    assert "歡迎加入龍泉網格" in chat.last(CHEN.id).text
    await chat.photo(CHEN, "p1")
    assert chat.last(CHEN.id).text == "什麼問題？"


async def test_a_rider_on_a_round_is_not_held_to_a_residents_hourly_limit(
    chat: Conversation,
) -> None:
    await join(chat, LIU)
    for n in range(8):
        await chat.photo(LIU, f"round-{n}", caption=f"团结西路{n + 1}号门口垃圾堆满了")
        chat.later(minutes=5)
    assert len(await _tickets(chat)) == 8
