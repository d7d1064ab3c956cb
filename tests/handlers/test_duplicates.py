"""One ticket for one problem, as conversations (issue 7): a second resident joins the first
ticket and hears every update; a different problem at the same place gets its own ticket;
staff take a wrong join apart (/unmerge) and undo a merge made by hand; urgent reports are
never held back by deduplication."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers import resident, scheduler
from storage.models import Attachment, Person, Ticket, TicketEvent, TicketReporter
from tests.handlers.chat import Conversation
from tests.handlers.conftest import CHEN, LI, WANG, ZHANG, ZHAO
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP

SMELL = "龙泉小区垃圾分类点很臭，好几天没人管了"
SAME_SMELL = "龙泉小区垃圾站味道太大了，熏得头疼"


async def _tickets(chat: Conversation) -> list[Ticket]:
    async with chat.database.sessionmaker() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def _following(chat: Conversation, ticket: Ticket) -> set[int]:
    """Telegram ids of everyone kept informed about `ticket`."""
    async with chat.database.sessionmaker() as session:
        rows = await session.scalars(
            select(Person.telegram_id).join(TicketReporter,
                                            TicketReporter.person_id == Person.id)
            .where(TicketReporter.ticket_id == ticket.id))
        return set(rows.all())


async def _two_report_one_smell(chat: Conversation) -> Ticket:
    await chat.says(ZHANG, SMELL)
    [first] = await _tickets(chat)
    chat.later(hours=3)
    await chat.says(LI, SAME_SMELL)
    return first


# --- joining ------------------------------------------------------------------------------


async def test_the_same_problem_in_other_words_joins_the_first_ticket(
    chat: Conversation,
) -> None:
    first = await _two_report_one_smell(chat)
    assert len(await _tickets(chat)) == 1
    assert chat.last(LI.id).text == (
        f"该问题已有工单 #{first.number}（待受理），已为您关注，进展会同步通知您。")  # not 正在处理
    card = chat.card(LONGQUAN_GROUP, first.number)
    assert "+1 位居民同样反映（共 2 人）" in card.text
    async with chat.database.sessionmaker() as session:
        followed = (await session.scalars(
            select(TicketEvent).where(TicketEvent.kind == "followed"))).one()
    assert followed.data is not None and followed.data["text"] == SAME_SMELL  # kept to undo


async def test_the_same_resident_reporting_again_is_told_they_already_did(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, SMELL)
    [first] = await _tickets(chat)
    chat.later(hours=3)
    await chat.says(ZHANG, SAME_SMELL)
    assert len(await _tickets(chat)) == 1
    assert chat.last(ZHANG.id).text == (
        f"您已反映过该问题（工单 #{first.number}，待受理），进展会同步通知您。")
    assert "同样反映" not in chat.card(LONGQUAN_GROUP, first.number).text  # still one person


async def test_a_third_resident_makes_three(chat: Conversation) -> None:
    first = await _two_report_one_smell(chat)
    await chat.says(WANG, f"/claim {first.number}", chat_id=LONGQUAN_GROUP)
    chat.later(hours=1)
    await chat.says(ZHAO, "龙泉小区的垃圾点臭气熏天，路过都要捂鼻子")
    assert chat.last(ZHAO.id).text == (
        f"该问题已有工单 #{first.number} 正在处理（已接单），已为您关注，进展会同步通知您。")
    assert "+2 位居民同样反映（共 3 人）" in chat.card(LONGQUAN_GROUP, first.number).text


async def test_followers_hear_every_update(chat: Conversation) -> None:
    first = await _two_report_one_smell(chat)
    await chat.says(WANG, f"/claim {first.number}", chat_id=LONGQUAN_GROUP)
    assert "已有工作人员接单" in chat.last(LI.id).text
    await chat.says(WANG, f"/note {first.number} 已联系环卫，下午清运消杀", chat_id=LONGQUAN_GROUP)
    assert "已联系环卫，下午清运消杀" in chat.last(LI.id).text
    await chat.says(WANG, f"/done {first.number} 已清运并消杀", chat_id=LONGQUAN_GROUP)
    for person in (ZHANG, LI):
        assert any("已清运并消杀" in t for t in chat.texts(person.id))


async def test_withdrawing_a_ticket_others_follow_only_stops_following_it(
    chat: Conversation,
) -> None:
    first = await _two_report_one_smell(chat)
    heard_by_li = len(chat.texts(LI.id))
    await chat.says(ZHANG, "撤回")
    await chat.presses(ZHANG, chat.last(ZHANG.id).button("确认撤回"))
    [ticket] = await _tickets(chat)
    assert ticket.status == "new"  # LI's smell is still a problem
    assert chat.last(ZHANG.id).text == (
        f"已为您撤回：您不再关注工单 #{first.number}。另有 1 位居民反映了同一问题，工单会继续处理。")
    assert len(chat.texts(LI.id)) == heard_by_li  # LI is told nothing was withdrawn
    assert await _following(chat, ticket) == {LI.id}
    assert "同样反映" not in chat.card(LONGQUAN_GROUP, first.number).text
    await chat.says(WANG, f"/t {first.number}", chat_id=LONGQUAN_GROUP)
    assert "居民撤回关注" in chat.last(LONGQUAN_GROUP).text  # staff see it in the history
    await chat.says(WANG, f"/claim {first.number}", chat_id=LONGQUAN_GROUP)
    assert "已有工作人员接单" in chat.last(LI.id).text
    assert all("已有工作人员接单" not in t for t in chat.texts(ZHANG.id))


async def test_a_follower_withdrawing_leaves_the_first_reporters_ticket(
    chat: Conversation,
) -> None:
    first = await _two_report_one_smell(chat)
    await chat.says(LI, "撤回")
    await chat.presses(LI, chat.last(LI.id).button("确认撤回"))
    [ticket] = await _tickets(chat)
    assert ticket.status == "new"
    assert await _following(chat, ticket) == {ZHANG.id}
    assert f"您不再关注工单 #{first.number}" in chat.last(LI.id).text


async def test_a_different_problem_at_the_same_place_is_not_joined(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    chat.later(hours=1)
    await chat.says(LI, "龙泉小区3号楼的楼道灯不亮了")
    chat.later(hours=1)
    await chat.says(ZHAO, "龙泉小区5号楼门口的路灯坏了")
    lamp, corridor, _other_building = await _tickets(chat)  # three problems, three tickets
    assert "同样反映" not in chat.card(LONGQUAN_GROUP, lamp.number).text
    assert chat.last(LI.id).text.startswith(f"已收到，工单 #{corridor.number}")


# --- undoing a wrong join -----------------------------------------------------------------


async def test_staff_split_a_wrong_join_into_its_own_ticket(chat: Conversation) -> None:
    await chat.says(ZHANG, SMELL)
    [first] = await _tickets(chat)
    chat.later(hours=3)
    await chat.photo(LI, "photo-li", caption=SAME_SMELL)
    assert len(await _tickets(chat)) == 1 and "共 2 人" in chat.card(LONGQUAN_GROUP,
                                                                     first.number).text

    await chat.says(WANG, f"/unmerge {first.number}", chat_id=LONGQUAN_GROUP)
    listing = chat.last(LONGQUAN_GROUP).text
    assert f"工单 #{first.number} 的同题关注居民" in listing
    assert "1. 李*" in listing and "李四" not in listing and SAME_SMELL in listing

    await chat.says(WANG, f"/unmerge {first.number} 1", chat_id=LONGQUAN_GROUP)
    first_again, own = await _tickets(chat)
    assert (own.text, own.category, own.grid_id) == (SAME_SMELL, first.category, first.grid_id)
    assert own.status == "new"
    told = chat.last(LI.id).text
    assert f"#{first.number}" in told and f"#{own.number}" in told and "单独建立" in told
    assert f"新工单 #{own.number}" in chat.last(LONGQUAN_GROUP).text
    old_card = chat.card(LONGQUAN_GROUP, first.number)
    assert "同样反映" not in old_card.text and "照片" not in old_card.text
    new_card = chat.card(LONGQUAN_GROUP, own.number)
    assert SAME_SMELL in new_card.text and "李*" in new_card.text
    assert await _following(chat, first_again) == {ZHANG.id}
    assert await _following(chat, own) == {LI.id}
    async with chat.database.sessionmaker() as session:
        photos = (await session.scalars(select(Attachment.ticket_id).where(
            Attachment.file_id == "photo-li"))).all()
    assert photos == [own.id]  # the photo went with its report

    # LI no longer hears about the first ticket, ZHANG does not hear about LI's.
    heard = len(chat.to(LI.id))
    await chat.says(WANG, f"/claim {first.number}", chat_id=LONGQUAN_GROUP)
    assert len(chat.to(LI.id)) == heard
    await chat.says(WANG, f"/claim {own.number}", chat_id=LONGQUAN_GROUP)
    assert "已有工作人员接单" in chat.last(LI.id).text
    assert not any(f"#{own.number}" in t for t in chat.texts(ZHANG.id))


async def test_unmerge_refuses_politely(chat: Conversation) -> None:
    first = await _two_report_one_smell(chat)
    await chat.says(WANG, f"/unmerge {first.number} 5", chat_id=LONGQUAN_GROUP)
    assert "没有第 5 位同题关注居民" in chat.last(LONGQUAN_GROUP).text
    await chat.says(WANG, "/unmerge", chat_id=LONGQUAN_GROUP)
    assert chat.last(LONGQUAN_GROUP).text.startswith("用法：/unmerge")
    await chat.says(WANG, f"/unmerge {first.number} 1", chat_id=TUANJIE_GROUP)
    assert "不属于本网格" in chat.last(TUANJIE_GROUP).text
    assert len(await _tickets(chat)) == 1
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了")
    lamp = (await _tickets(chat))[-1]
    await chat.says(WANG, f"/unmerge {lamp.number}", chat_id=LONGQUAN_GROUP)
    assert "没有因重复反映而并入的居民" in chat.last(LONGQUAN_GROUP).text


# --- a merge by hand, and undoing it -------------------------------------------------------


async def test_a_merge_by_hand_is_undone_with_unmerge(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    chat.later(hours=1)
    await chat.says(LI, "龙泉小区3号楼门口的井盖松动了，车一过就响")
    lamp, lid = await _tickets(chat)
    await chat.says(WANG, f"/claim {lid.number}", chat_id=LONGQUAN_GROUP)

    await chat.says(WANG, f"/merge {lid.number} {lamp.number}", chat_id=LONGQUAN_GROUP)
    assert f"并入 #{lamp.number}" in chat.last(LONGQUAN_GROUP).text
    assert "共 2 人" in chat.card(LONGQUAN_GROUP, lamp.number).text
    assert await _following(chat, lamp) == {ZHANG.id, LI.id}

    await chat.says(WANG, f"/unmerge {lid.number}", chat_id=LONGQUAN_GROUP)
    assert f"恢复为已接单，不再并入 #{lamp.number}" in chat.last(LONGQUAN_GROUP).text
    lamp, lid = await _tickets(chat)
    assert lid.status == "claimed" and lid.duplicate_of is None
    assert await _following(chat, lamp) == {ZHANG.id}
    assert f"工单 #{lid.number} 已取消与工单 #{lamp.number} 的合并" in chat.last(LI.id).text
    assert "同样反映" not in chat.card(LONGQUAN_GROUP, lamp.number).text
    assert "已接单" in chat.card(LONGQUAN_GROUP, lid.number).text

    heard = len(chat.to(LI.id))
    await chat.says(WANG, f"/done {lamp.number} 路灯已修好", chat_id=LONGQUAN_GROUP)
    assert len(chat.to(LI.id)) == heard  # LI follows their own ticket again, not #lamp

    await chat.says(WANG, f"/unmerge {lid.number}", chat_id=LONGQUAN_GROUP)
    assert "没有因重复反映而并入的居民" in chat.last(LONGQUAN_GROUP).text


async def test_unmerge_on_the_ticket_merged_into_says_which_to_undo(
    chat: Conversation,
) -> None:
    """Staff who type /unmerge on the ticket others went into mean those merges: it said
    没有因重复反映而并入的居民 (found trying the console)."""
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    chat.later(hours=1)
    await chat.says(LI, "龙泉小区3号楼门口的井盖松动了，车一过就响")
    chat.later(hours=1)
    await chat.says(ZHAO, "龙泉小区5号楼楼道灯不亮了")
    lamp, lid, corridor = await _tickets(chat)
    await chat.says(WANG, f"/merge {lid.number} {lamp.number}", chat_id=LONGQUAN_GROUP)
    await chat.says(WANG, f"/unmerge {lamp.number}", chat_id=LONGQUAN_GROUP)
    assert chat.last(LONGQUAN_GROUP).text == (
        f"工单 #{lid.number} 已并入工单 #{lamp.number}；如要取消合并，发送 /unmerge {lid.number}。")
    assert (await _tickets(chat))[1].status == "duplicate"  # told, nothing undone

    await chat.says(WANG, f"/merge {corridor.number} {lamp.number}", chat_id=LONGQUAN_GROUP)
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button(f"确认并入 #{lamp.number}"),
                       chat_id=LONGQUAN_GROUP)  # a corridor light is 物业管理, not 道路
    chat.later(hours=1)
    await chat.says(CHEN, "龙泉小区3号楼门口那盏路灯也不亮")  # joins #lamp as a follower
    await chat.says(WANG, f"/unmerge {lamp.number}", chat_id=LONGQUAN_GROUP)
    listing = chat.last(LONGQUAN_GROUP).text
    assert f"工单 #{lamp.number} 的同题关注居民" in listing and "1. 陳*" in listing
    assert listing.endswith(
        f"工单 #{lid.number}、#{corridor.number} 已并入工单 #{lamp.number}；如要取消其中一件的合并，"
        f"发送 /unmerge 加它的工单号，例如 /unmerge {lid.number}。")


async def test_a_follower_who_also_reported_stays_after_unmerge(chat: Conversation) -> None:
    """Only the people the merge moved stop following: a first reporter of both stays."""
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    chat.later(hours=1)
    await chat.says(ZHANG, "龙泉小区3号楼门口的井盖也松了")
    lamp, lid = await _tickets(chat)
    await chat.says(WANG, f"/merge {lid.number} {lamp.number}", chat_id=LONGQUAN_GROUP)
    await chat.says(WANG, f"/unmerge {lid.number}", chat_id=LONGQUAN_GROUP)
    assert await _following(chat, lamp) == {ZHANG.id}
    assert await _following(chat, lid) == {ZHANG.id}


# --- not sure: staff are asked -----------------------------------------------------------

LIFT = "龙泉小区6号楼电梯坏了"
LIFT_TOLD_OTHERWISE = "龙泉小区6栋电梯停了两天了，天天爬楼"  # between SUGGEST and THRESHOLD


async def _two_lifts(chat: Conversation) -> tuple[Ticket, Ticket]:
    await chat.says(ZHANG, LIFT)
    chat.later(hours=2)
    await chat.says(LI, LIFT_TOLD_OTHERWISE)
    first, second = await _tickets(chat)
    return first, second


async def test_a_report_nearly_like_an_open_ticket_opens_its_own_and_staff_are_asked(
    chat: Conversation,
) -> None:
    first, second = await _two_lifts(chat)
    assert second.duplicate_of is None and second.status == "new"
    assert f"工单 #{second.number}" in chat.last(LI.id).text  # LI's own ticket, as usual
    hint = chat.last(LONGQUAN_GROUP)
    assert hint.text.startswith(
        f"工单 #{second.number} 疑似与工单 #{first.number} 为同一问题。")
    assert f"#{first.number}：{LIFT}" in hint.text
    card = chat.card(LONGQUAN_GROUP, second.number)
    assert hint.payload["reply_parameters"]["message_id"] == card.message_id
    assert hint.buttons == [(f"并入 #{first.number}", f"mg:{second.number}:{first.number}")]
    assert all("疑似" not in text for text in chat.texts(LI.id) + chat.texts(ZHANG.id))

    handled = await chat.presses(WANG, hint.button(f"并入 #{first.number}"),
                                 chat_id=LONGQUAN_GROUP)
    assert handled.callback_answer == f"已将 #{second.number} 并入 #{first.number}"
    first, second = await _tickets(chat)
    assert second.status == "duplicate" and second.duplicate_of == first.id
    assert await _following(chat, first) == {ZHANG.id, LI.id}
    assert "共 2 人" in chat.card(LONGQUAN_GROUP, first.number).text
    assert f"#{first.number}" in chat.last(LI.id).text  # told where the report went
    [edited] = [s for s in chat.to(LONGQUAN_GROUP)
                if s.method == "editMessageText" and s.message_id == hint.message_id]
    assert edited.text == f"工单 #{second.number} 已并入工单 #{first.number}。"
    assert edited.buttons == []  # an old hint merges nothing later (after an /unmerge)
    await chat.says(LI, "/my")
    assert f"#{second.number} 电梯 · 已合并（并入 #{first.number}）" in chat.last(LI.id).text
    await chat.says(ZHANG, "/my")
    assert "并入" not in chat.last(ZHANG.id).text  # staff's bookkeeping, no progress of theirs

    again = await chat.presses(WANG, hint.button(f"并入 #{first.number}"),
                               chat_id=LONGQUAN_GROUP)
    assert again.callback_alert  # already merged: refused politely, nothing changes
    assert (await _tickets(chat))[1].status == "duplicate"


async def test_the_hint_button_is_refused_in_another_grids_group(chat: Conversation) -> None:
    first, second = await _two_lifts(chat)
    data = chat.last(LONGQUAN_GROUP).button(f"并入 #{first.number}")
    handled = await chat.presses(WANG, data, chat_id=TUANJIE_GROUP)
    assert handled.callback_alert
    assert all(t.status == "new" and t.duplicate_of is None for t in await _tickets(chat))


async def test_the_hint_button_cannot_merge_into_a_ticket_already_done(
    chat: Conversation,
) -> None:
    """Merged into a resolved ticket, the newer report would be heard of no more."""
    first, second = await _two_lifts(chat)
    hint = chat.last(LONGQUAN_GROUP)
    await chat.says(WANG, f"/done {first.number} 已修好", chat_id=LONGQUAN_GROUP)
    handled = await chat.presses(WANG, hint.button(f"并入 #{first.number}"),
                                 chat_id=LONGQUAN_GROUP)
    assert handled.callback_alert
    assert handled.callback_answer == (f"工单 #{first.number} 已办结，不能再并入；"
                                       f"请直接处理工单 #{second.number}")
    assert (await _tickets(chat))[1].status == "new"


async def test_the_hint_button_cannot_merge_into_another_grids_ticket(
    chat: Conversation,
) -> None:
    """A forged hint: the group's own ticket into one of 团结网格's."""
    await chat.says(ZHANG, LIFT)
    await chat.says(LI, "团结西路8号门口的路灯坏了，晚上一片漆黑")
    ours, theirs = await _tickets(chat)
    assert ours.grid_id != theirs.grid_id
    handled = await chat.presses(WANG, f"mg:{ours.number}:{theirs.number}",
                                 chat_id=LONGQUAN_GROUP)
    assert handled.callback_alert
    assert all(t.status == "new" and t.duplicate_of is None for t in await _tickets(chat))


async def test_a_clearly_different_problem_asks_nothing(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    chat.later(hours=1)
    await chat.says(LI, "龙泉小区3号楼门口的井盖松动了，车一过就响")
    lamp, lid = await _tickets(chat)  # two tickets: neither joined nor merged
    assert lid.duplicate_of is None and lid.status == "new"
    assert all("疑似" not in text for text in chat.texts(LONGQUAN_GROUP))


# --- urgent -------------------------------------------------------------------------------


async def test_urgent_reports_are_never_held_back_by_deduplication(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼电梯卡在两层中间，里面困着一个老人")
    chat.later(minutes=2)
    await chat.says(LI, "龙泉小区3号楼电梯卡在两层中间，里面困着一个老人")
    first, second = await _tickets(chat)
    assert first.urgent and second.urgent
    for ticket in (first, second):
        assert chat.card(STREET_GROUP, ticket.number)  # both whistle to the street
        assert chat.card(LONGQUAN_GROUP, ticket.number)
    assert not any("已为您关注" in t for t in chat.texts(LI.id))


# --- the hourly limit ---------------------------------------------------------------------

FIVE_PROBLEMS = ["龙泉小区1号楼楼下垃圾三天没人收了，臭得很", "龙泉小区2号楼前的树倒了挡住了路",
                 "龙泉小区3号楼楼道里有人私拉电线给电瓶车充电", "龙泉小区4号楼下水道堵了污水冒出来",
                 "龙泉小区5号楼楼上装修天天噪音到半夜"]
SIXTH = "龙泉小区里的充电桩坏了充不了电"


async def _five_problems(chat: Conversation) -> datetime:
    """ZHANG reports five new problems a minute apart; returns when the first was opened."""
    first = chat.now
    for text in FIVE_PROBLEMS:
        await chat.says(ZHANG, text)
        chat.later(minutes=1)
    assert len(await _tickets(chat)) == 5
    return first


async def test_a_sixth_new_problem_in_an_hour_is_kept_and_opened_when_the_hour_allows(
    chat: Conversation,
) -> None:
    first = await _five_problems(chat)
    await chat.says(ZHANG, SIXTH)
    due = (first + timedelta(hours=1, minutes=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert chat.last(ZHANG.id).text == (
        "您这一小时已反映了 5 个问题，我们正在逐一处理。这条已为您保存，"
        f"将于 {due:%H:%M} 左右自动提交为工单，无需重发。")
    await scheduler.tick(chat.services)
    await chat.deliver()
    assert len(await _tickets(chat)) == 5  # not yet: the hour is not over
    await chat.says(ZHANG, "/my")
    assert chat.last(ZHANG.id).text.endswith(
        f"已保存、待自动提交的反映：\n· {SIXTH}（{due:%H:%M} 左右提交）")
    chat.now = first + timedelta(hours=1, minutes=1)
    await scheduler.tick(chat.services)
    await chat.deliver()
    *_, sixth = await _tickets(chat)
    assert sixth.number == 6 and sixth.text == SIXTH and sixth.category == "charging"
    told = chat.texts(ZHANG.id)
    assert f"您之前保存的反映现在提交：{SIXTH}" in told
    assert any(text.startswith(f"已收到，工单 #{sixth.number}") for text in told)
    assert chat.card(LONGQUAN_GROUP, sixth.number)
    await scheduler.tick(chat.services)  # a second tick (or process) opens nothing more
    assert len(await _tickets(chat)) == 6


async def test_held_reports_open_one_by_one_and_past_five_held_one_is_refused(
    chat: Conversation,
) -> None:
    first = await _five_problems(chat)
    more = [f"龙泉小区{n}号楼门口的路灯不亮了" for n in range(11, 17)]
    for text in more:
        await chat.says(ZHANG, text)
    assert chat.last(ZHANG.id).text.startswith(
        "您这一小时已反映了 5 个问题，另有 5 条已保存、稍后自动提交。这条暂未保存")
    chat.now = first + timedelta(hours=1, minutes=1)  # the first of the five leaves the hour
    await scheduler.tick(chat.services)
    assert [t.text for t in await _tickets(chat)][5:] == more[:1]
    chat.now = first + timedelta(hours=1, minutes=5)  # and then the others, a minute apart
    await scheduler.tick(chat.services)
    assert [t.text for t in await _tickets(chat)][5:] == more[:5]


async def test_a_ticket_merged_by_staff_frees_its_place_in_the_hour(chat: Conversation) -> None:
    await _five_problems(chat)
    garbage, tree, *_ = await _tickets(chat)
    await chat.says(WANG, f"/merge {tree.number} {garbage.number}", chat_id=LONGQUAN_GROUP)
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button(f"确认并入 #{garbage.number}"),
                       chat_id=LONGQUAN_GROUP)  # two categories: staff confirm
    await chat.says(ZHANG, SIXTH)  # one of the five was no problem of its own
    assert len(await _tickets(chat)) == 6


async def test_a_held_report_that_cannot_be_opened_keeps_no_other_waiting(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await _five_problems(chat)
    more = ["龙泉小区11号楼门口的路灯不亮了", "龙泉小区12号楼楼道灯坏了"]
    for text in more:
        await chat.says(ZHANG, text)
    real_open = resident._open

    async def failing_once(turn, draft, **kwargs):  # type: ignore[no-untyped-def]
        if draft["text"] == more[0]:
            raise RuntimeError("boom")
        await real_open(turn, draft, **kwargs)

    monkeypatch.setattr(resident, "_open", failing_once)
    chat.now = first + timedelta(hours=2)
    assert await resident.submit_held(chat.services, chat.now) == 1
    assert [t.text for t in await _tickets(chat)][5:] == more[1:]
    monkeypatch.setattr(resident, "_open", real_open)
    assert await resident.submit_held(chat.services, chat.now) == 1  # it stayed held
    assert [t.text for t in await _tickets(chat)][5:] == [more[1], more[0]]


async def test_a_held_report_still_over_the_limit_waits_without_a_false_notice(
    chat: Conversation,
) -> None:
    first = await _five_problems(chat)
    await chat.says(ZHANG, SIXTH)
    chat.now = first + timedelta(hours=1, seconds=30)  # the first left the hour; a place frees
    await chat.says(ZHANG, "龙泉小区7号楼门口的路灯不亮了")  # and is taken by a new report
    chat.now = first + timedelta(hours=1, minutes=1)
    await scheduler.tick(chat.services)
    await chat.deliver()
    assert SIXTH not in [t.text for t in await _tickets(chat)]
    assert all("现在提交" not in t for t in chat.texts(ZHANG.id))
    chat.now = first + timedelta(hours=1, minutes=3)  # the second leaves: now it opens
    await scheduler.tick(chat.services)
    await chat.deliver()
    assert (await _tickets(chat))[-1].text == SIXTH
    assert f"您之前保存的反映现在提交：{SIXTH}" in chat.texts(ZHANG.id)
