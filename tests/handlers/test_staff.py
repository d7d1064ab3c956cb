"""The grid group's side, as conversations (issue 6): binding, card buttons, prompts answered by
replying, the relay both ways, typed commands, and who may do what."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from handlers.events import Person as Sender
from storage.models import (
    Attachment,
    Grid,
    GroupChat,
    Person,
    Street,
    Ticket,
    TicketEvent,
)
from tests.handlers.chat import Conversation
from tests.handlers.conftest import ADMIN, CHEN, LI, WANG, ZHANG, ZHAO
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP

NEW_GROUP = -300
LIUS_GROUP = -400


async def report(chat: Conversation, who: Sender = ZHANG,
                 text: str = "龙泉小区3号楼门口的垃圾三天没人清运了") -> int:
    await chat.says(who, text)
    async with chat.database.sessionmaker() as session:
        return int((await session.scalars(select(Ticket.id).order_by(Ticket.id.desc()))).first())


async def ticket(chat: Conversation, number: int) -> Ticket:
    async with chat.database.sessionmaker() as session:
        found = await session.get(Ticket, number)
        assert found is not None
        return found


async def history(chat: Conversation, number: int) -> list[str]:
    async with chat.database.sessionmaker() as session:
        return list((await session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == number).order_by(TicketEvent.id))).all())


async def press_card(chat: Conversation, who: Sender, group: int, number: int,
                     label: str) -> str | None:
    handled = await chat.presses(who, chat.card(group, number).button(label), chat_id=group)
    return handled.callback_answer


# ---------------------------------------------------------------------------------------------
# Binding


async def test_an_admin_binds_a_group_to_a_new_grid_with_its_places(chat: Conversation) -> None:
    await chat.says(ADMIN, "/bind 龙泉二网格 龙泉新村，龙泉路、幸福里", chat_id=NEW_GROUP)
    assert "本群已绑定为<b>龙泉二网格</b>" in chat.last(NEW_GROUP).text
    async with chat.database.sessionmaker() as session:
        grid = (await session.scalars(select(Grid).where(Grid.name == "龙泉二网格"))).one()
        group = await session.get(GroupChat, NEW_GROUP)
    assert grid.places == ["龙泉新村", "龙泉路", "幸福里"]
    assert group is not None and group.role == "grid" and group.grid_id == grid.id
    assert grid.street_id is not None  # urgent tickets of this grid find the street's group

    await chat.says(LI, "龙泉新村5号楼的路灯坏了，晚上很黑")
    number = await report(chat, LI, "龙泉新村5号楼的路灯又不亮了")
    assert chat.card(NEW_GROUP, number)


async def test_someone_else_is_told_only_admins_can_bind(chat: Conversation) -> None:
    for command in ("/bind 我的网格 某小区", "/bind_street", "/unbind"):
        await chat.says(WANG, command, chat_id=LONGQUAN_GROUP)
        assert chat.last(LONGQUAN_GROUP).text == "抱歉，只有管理员可以绑定网格群。"
    async with chat.database.sessionmaker() as session:
        group = await session.get(GroupChat, LONGQUAN_GROUP)
        assert (await session.scalars(select(Grid).where(Grid.name == "我的网格"))).first() is None
    assert group is not None and group.role == "grid"


async def test_street_group_and_unbinding(chat: Conversation) -> None:
    await chat.says(ADMIN, "/bind_street 团结街道", chat_id=NEW_GROUP)
    assert "吹哨群" in chat.last(NEW_GROUP).text
    await chat.says(ADMIN, "/unbind", chat_id=NEW_GROUP)
    assert "已解除本群的绑定" in chat.last(NEW_GROUP).text
    await chat.says(WANG, "/list", chat_id=NEW_GROUP)
    assert "还没有绑定网格" in chat.last(NEW_GROUP).text


async def _streets(chat: Conversation) -> list[Street]:
    async with chat.database.sessionmaker() as session:
        return list((await session.scalars(select(Street).order_by(Street.id))).all())


async def test_a_bare_bind_street_binds_the_one_street_there_is(chat: Conversation) -> None:
    """The street `intake grids import` made, not a new empty one called 街道 that no grid
    belongs to (found trying the console)."""
    [street] = await _streets(chat)
    await chat.says(ADMIN, "/bind_street", chat_id=NEW_GROUP)
    assert chat.last(NEW_GROUP).text == (
        f"本群已设为{street.name}的吹哨群：紧急和超期工单会发到这里。")
    assert [s.name for s in await _streets(chat)] == [street.name]
    async with chat.database.sessionmaker() as session:
        group = await session.get(GroupChat, NEW_GROUP)
    assert group is not None and group.role == "street" and group.street_id == street.id
    number = await report(chat, ZHANG, "龙泉小区3号楼电梯卡在两层中间，里面困着一个老人")
    assert chat.card(NEW_GROUP, number)  # urgent tickets reach the group


async def test_with_several_streets_a_bare_bind_street_asks_which(chat: Conversation) -> None:
    async with chat.database.sessionmaker() as session, session.begin():
        session.add(Street(name="龙泉街道", created_at=chat.now))
    await chat.says(ADMIN, "/bind_street", chat_id=NEW_GROUP)
    asked = chat.last(NEW_GROUP).text
    assert "团结街道" in asked and "龙泉街道" in asked and "/bind_street 街道名" in asked
    async with chat.database.sessionmaker() as session:
        assert await session.get(GroupChat, NEW_GROUP) is None  # nothing bound yet
    await chat.says(ADMIN, "/bind_street 龙泉街道", chat_id=NEW_GROUP)
    assert chat.last(NEW_GROUP).text.startswith("本群已设为龙泉街道的吹哨群")
    assert len(await _streets(chat)) == 2


async def test_a_misspelt_street_is_not_created(chat: Conversation) -> None:
    await chat.says(ADMIN, "/bind_street 团节街道", chat_id=NEW_GROUP)
    assert chat.last(NEW_GROUP).text == (
        "没有名为“团节街道”的街道，未绑定。您是否要绑定“团结街道”？已有街道：团结街道。"
        "请发送 /bind_street 团结街道")
    assert [s.name for s in await _streets(chat)] == ["团结街道"]
    async with chat.database.sessionmaker() as session:
        assert await session.get(GroupChat, NEW_GROUP) is None


async def test_without_any_street_bind_street_creates_it_and_says_so(
    chat: Conversation,
) -> None:
    """Grids bound one by one with /bind have no street until /bind_street makes it."""
    async with chat.database.sessionmaker() as session, session.begin():
        await session.execute(delete(GroupChat).where(GroupChat.role == "street"))
        await session.execute(update(Grid).values(street_id=None))
        await session.execute(delete(Street))
    await chat.says(ADMIN, "/bind_street 龙泉街道", chat_id=NEW_GROUP)
    assert chat.last(NEW_GROUP).text == (
        "已新建街道“龙泉街道”。本群已设为龙泉街道的吹哨群：紧急和超期工单会发到这里。")
    [street] = await _streets(chat)
    async with chat.database.sessionmaker() as session:
        grids = list((await session.scalars(select(Grid))).all())
    assert grids and all(g.street_id == street.id for g in grids)


async def test_with_a_single_grid_every_ticket_goes_there(chat: Conversation) -> None:
    async with chat.database.sessionmaker() as session, session.begin():
        for group in (await session.scalars(select(GroupChat))).all():
            await session.delete(group)
        for grid in (await session.scalars(select(Grid))).all():
            await session.delete(grid)
    await chat.says(ADMIN, "/bind 幸福网格 幸福里", chat_id=NEW_GROUP)
    number = await report(chat, ZHANG, "团结西路上的井盖丢了，很危险")
    assert chat.card(NEW_GROUP, number)


# ---------------------------------------------------------------------------------------------
# Card buttons


async def test_claim_and_start_edit_the_card_and_tell_the_resident(chat: Conversation) -> None:
    number = await report(chat)
    assert await press_card(chat, WANG, LONGQUAN_GROUP, number, "接单") == f"已接单 #{number}"
    card = chat.card(LONGQUAN_GROUP, number)
    assert card.method == "editMessageText"
    assert "已接单" in card.text and "承办：王网格员" in card.text
    assert "已有工作人员接单" in chat.last(ZHANG.id).text

    assert await press_card(chat, ZHAO, LONGQUAN_GROUP, number, "处理中") == f"#{number} 处理中"
    assert "状态：处理中" in chat.card(LONGQUAN_GROUP, number).text
    assert "正在处理中" in chat.last(ZHANG.id).text
    # The card was edited in place: one card message in the group, the rest edits of it.
    sends = [s for s in chat.to(LONGQUAN_GROUP)
             if s.method == "sendMessage" and f"工单 #{number}</b>" in s.text]
    assert len(sends) == 1


async def test_resolve_asks_for_a_result_and_a_photo_the_resident_gets_both(
    chat: Conversation,
) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "办结")
    prompt = chat.last(LONGQUAN_GROUP)
    assert "回复本消息" in prompt.text and prompt.buttons[0][0].startswith("跳过")
    assert (await ticket(chat, number)).status == "new"  # nothing changes until answered

    await chat.photo(WANG, "fixed-1", "fixed-2", caption="垃圾已清运，已通知物业每日巡查",
                     chat_id=LONGQUAN_GROUP, reply_to=prompt)
    done = await ticket(chat, number)
    assert done.status == "resolved" and done.resolution_note == "垃圾已清运，已通知物业每日巡查"
    told = chat.last(ZHANG.id)
    assert told.method == "sendPhoto" and told.payload["photo"] == "fixed-1"
    assert "垃圾已清运" in told.text
    assert [b for b, _ in told.buttons] == ["满意", "基本满意", "不满意"]
    async with chat.database.sessionmaker() as session:
        kept = (await session.scalars(select(Attachment.file_id).where(
            Attachment.purpose == "resolution").order_by(Attachment.id))).all()
    assert list(kept) == ["fixed-1", "fixed-2"]
    card = chat.card(LONGQUAN_GROUP, number)
    assert "已办结" in card.text and "办结说明：垃圾已清运" in card.text and card.buttons == []


async def test_resolve_can_skip_the_result(chat: Conversation) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "办结")
    answer = await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button("跳过，直接办结"),
                                chat_id=LONGQUAN_GROUP)
    assert answer.callback_answer == f"#{number} 已办结"
    assert (await ticket(chat, number)).status == "resolved"
    assert "已办结" in chat.last(ZHANG.id).text
    # Pressing it again is refused clearly and changes nothing.
    again = await chat.presses(WANG, f"rs:{number}", chat_id=LONGQUAN_GROUP)
    assert again.callback_alert and "已办结" in (again.callback_answer or "")


async def test_transfer_offers_the_other_grids_and_moves_the_card(chat: Conversation) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "转派")
    offer = chat.last(LONGQUAN_GROUP)
    assert [label for label, _ in offer.buttons] == ["团结网格"]
    answer = await chat.presses(WANG, offer.button("团结网格"), chat_id=LONGQUAN_GROUP)
    assert answer.callback_answer == f"#{number} 已转派至团结网格"
    assert "已转派至团结网格" in chat.card(LONGQUAN_GROUP, number).text
    assert chat.card(LONGQUAN_GROUP, number).buttons == []
    assert "接单" in [b for b, _ in chat.card(TUANJIE_GROUP, number).buttons]
    assert "已转交团结网格处理" in chat.last(ZHANG.id).text
    # The old group may no longer act on it; the new one may.
    refused = await chat.presses(WANG, f"t:{number}:claim", chat_id=LONGQUAN_GROUP)
    assert refused.callback_alert and "不属于本网格" in (refused.callback_answer or "")
    await press_card(chat, ZHAO, TUANJIE_GROUP, number, "接单")
    assert (await ticket(chat, number)).status == "claimed"


async def test_reject_with_a_listed_reason_tells_the_resident(chat: Conversation) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "退回")
    reasons = chat.last(LONGQUAN_GROUP)
    assert [label for label, _ in reasons.buttons] == ["非本辖区", "重复反映", "信息不全", "其他"]
    await chat.presses(WANG, reasons.button("非本辖区"), chat_id=LONGQUAN_GROUP)
    rejected = await ticket(chat, number)
    assert rejected.status == "rejected" and rejected.reject_reason == "非本辖区"
    assert "未能受理，原因：非本辖区" in chat.last(ZHANG.id).text
    assert "退回原因：非本辖区" in chat.card(LONGQUAN_GROUP, number).text


async def test_reject_for_another_reason_asks_for_it_by_reply(chat: Conversation) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "退回")
    await chat.presses(WANG, chat.last(LONGQUAN_GROUP).button("其他"), chat_id=LONGQUAN_GROUP)
    prompt = chat.last(LONGQUAN_GROUP)
    assert "写明原因" in prompt.text
    await chat.photo(WANG, "x", chat_id=LONGQUAN_GROUP, reply_to=prompt)  # no words: asked again
    assert (await ticket(chat, number)).status == "new"
    await chat.says(WANG, "该处属于物业红线内，请联系物业", chat_id=LONGQUAN_GROUP,
                    reply_to=prompt)
    assert (await ticket(chat, number)).reject_reason == "该处属于物业红线内，请联系物业"
    assert "请联系物业" in chat.last(ZHANG.id).text


async def test_a_reply_to_the_choice_prompts_goes_to_nobody(chat: Conversation) -> None:
    number = await report(chat)
    await press_card(chat, WANG, LONGQUAN_GROUP, number, "转派")
    before = len(chat.to(ZHANG.id))
    offer = chat.last(LONGQUAN_GROUP)
    await chat.says(WANG, "转到哪个好呢", chat_id=LONGQUAN_GROUP, reply_to=offer)
    assert len(chat.to(ZHANG.id)) == before
    assert "点击上方的按钮" in chat.last(LONGQUAN_GROUP).text


# ---------------------------------------------------------------------------------------------
# The relay


async def test_staff_and_resident_talk_both_ways_threaded_under_the_card(
    chat: Conversation,
) -> None:
    number = await report(chat)
    card = chat.card(LONGQUAN_GROUP, number)
    await chat.says(WANG, "请问具体是哪个垃圾桶？<附近>", chat_id=LONGQUAN_GROUP, reply_to=card)
    relayed = chat.last(ZHANG.id)
    assert relayed.text.startswith(
        f"关于工单 #{number}，工作人员回复：请问具体是哪个垃圾桶？&lt;附近&gt;")
    assert "已转达" in chat.last(LONGQUAN_GROUP).text
    assert "staff_reply" in await history(chat, number)

    await chat.says(ZHANG, "东门那个绿色的", reply_to=relayed)
    back = chat.last(LONGQUAN_GROUP)
    assert back.text == f"工单 #{number} 居民补充：东门那个绿色的"
    assert back.payload["reply_parameters"]["message_id"] == card.message_id

    await chat.photo(WANG, "where-1", chat_id=LONGQUAN_GROUP, reply_to=card)
    photo = chat.last(ZHANG.id)
    assert photo.method == "sendPhoto" and photo.payload["photo"] == "where-1"
    assert f"#{number}" in photo.text


async def test_a_follower_hears_staff_replies_too(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(CHEN, "龍泉小區3號樓門口的垃圾三天沒人清運了")
    assert (await ticket(chat, number)).status == "new"
    await chat.says(WANG, f"/note {number} 明早八点清运", chat_id=LONGQUAN_GROUP)
    assert "明早八点清运" in chat.last(ZHANG.id).text
    assert "明早八點清運" in chat.last(CHEN.id).text  # in the script she writes


# ---------------------------------------------------------------------------------------------
# Typed commands


async def test_list_shows_open_tickets_of_this_grid_overdue_first(chat: Conversation) -> None:
    first = await report(chat)
    chat.later(hours=1)
    urgent = await report(chat, LI, "龙泉花园2号楼电梯里困了人，出不来了")
    await report(chat, LI, "团结西路路灯坏了好几天了")  # another grid's
    chat.later(hours=3)  # the urgent one is now past its 2-hour resolution deadline
    await chat.says(WANG, "/list", chat_id=LONGQUAN_GROUP)
    lines = chat.last(LONGQUAN_GROUP).text.splitlines()
    assert lines[0] == "未办结工单 2 件，其中超期 1 件："
    assert lines[1].startswith(f"⏰超期 🔴#{urgent} 电梯 · 龙泉花园2号楼 · ")
    assert lines[2].startswith(f"#{first} ")


async def test_show_claim_note_done_by_typing(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(WANG, f"/claim {number}", chat_id=LONGQUAN_GROUP)
    assert (await ticket(chat, number)).status == "claimed"
    await chat.says(WANG, f"/note #{number} 下午去现场", chat_id=LONGQUAN_GROUP)
    assert "下午去现场" in chat.last(ZHANG.id).text
    await chat.says(WANG, f"/t {number}", chat_id=LONGQUAN_GROUP)
    shown = chat.last(LONGQUAN_GROUP).text
    assert f"<b>工单 #{number}</b> 环境卫生 · 已接单" in shown
    assert "工作人员回复：下午去现场" in shown
    await chat.says(WANG, f"/done {number} 已清运", chat_id=LONGQUAN_GROUP)
    assert (await ticket(chat, number)).resolution_note == "已清运"
    assert "处理结果：已清运" in chat.last(ZHANG.id).text


async def test_reject_by_typing_needs_a_reason(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(WANG, f"/reject {number}", chat_id=LONGQUAN_GROUP)
    assert "写明原因" in chat.last(LONGQUAN_GROUP).text
    await chat.says(WANG, f"/reject {number} 信息不全", chat_id=LONGQUAN_GROUP)
    assert (await ticket(chat, number)).status == "rejected"
    assert "原因：信息不全" in chat.last(ZHANG.id).text


async def test_recat_is_stored_as_a_correction_and_edits_the_card(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(WANG, f"/recat {number} 噪音扰民", chat_id=LONGQUAN_GROUP)
    assert (await ticket(chat, number)).category == "noise"
    assert "噪音扰民" in chat.card(LONGQUAN_GROUP, number).text
    async with chat.database.sessionmaker() as session:
        event = (await session.scalars(select(TicketEvent).where(
            TicketEvent.kind == "recategorised"))).one()
    assert event.data == {"from": "sanitation", "to": "noise"} and "垃圾" in (event.note or "")
    await chat.says(WANG, f"/recat {number} weather", chat_id=LONGQUAN_GROUP)
    assert "没有这个类别" in chat.last(LONGQUAN_GROUP).text


async def test_merge_by_hand(chat: Conversation) -> None:
    first = await report(chat)
    second = await report(chat, LI, "龙泉花园3号楼门口的垃圾还是没人收")
    await chat.says(WANG, f"/merge {second} {first}", chat_id=LONGQUAN_GROUP)
    assert chat.last(LONGQUAN_GROUP).text == f"已将工单 #{second} 并入 #{first}。"
    assert (await ticket(chat, second)).status == "duplicate"
    assert "+1 位居民同样反映（共 2 人）" in chat.card(LONGQUAN_GROUP, first).text


async def test_merging_two_categories_is_confirmed_first(chat: Conversation) -> None:
    """A street light merged into a lift, most likely a mistyped number, went through at once
    and told the resident (found trying the console)."""
    first = await report(chat, ZHANG, "龙泉小区6号楼电梯坏了")
    second = await report(chat, LI, "龙泉花园3号楼门口的路灯坏了，晚上一片漆黑")
    heard = len(chat.to(LI.id))
    await chat.says(WANG, f"/merge {second} {first}", chat_id=LONGQUAN_GROUP)
    asked = chat.last(LONGQUAN_GROUP)
    assert asked.text.startswith(
        f"工单 #{second}（道路与市政设施）与工单 #{first}（电梯）类别不同，确定是同一问题吗？")
    assert asked.buttons == [(f"确认并入 #{first}", f"mg:{second}:{first}")]
    assert (await ticket(chat, second)).status == "new" and len(chat.to(LI.id)) == heard

    handled = await chat.presses(WANG, asked.button(f"确认并入 #{first}"),
                                 chat_id=LONGQUAN_GROUP)
    assert handled.callback_answer == f"已将 #{second} 并入 #{first}"
    assert (await ticket(chat, second)).status == "duplicate"
    [edited] = [s for s in chat.to(LONGQUAN_GROUP)
                if s.method == "editMessageText" and s.message_id == asked.message_id]
    assert edited.text == f"工单 #{second} 已并入工单 #{first}。" and edited.buttons == []


async def test_a_merge_that_cannot_be_done_is_refused_before_asking(
    chat: Conversation,
) -> None:
    first = await report(chat, ZHANG, "龙泉小区6号楼电梯坏了")
    second = await report(chat, LI, "龙泉花园3号楼门口的路灯坏了，晚上一片漆黑")
    await chat.says(WANG, f"/done {first} 已修好", chat_id=LONGQUAN_GROUP)
    await chat.says(WANG, f"/merge {second} {first}", chat_id=LONGQUAN_GROUP)
    assert chat.last(LONGQUAN_GROUP).text == (
        f"工单 #{first} 已办结，不能再并入；请直接处理工单 #{second}")
    assert chat.last(LONGQUAN_GROUP).buttons == []


async def test_stats_in_the_group(chat: Conversation) -> None:
    await report(chat)
    await chat.says(WANG, "/stats", chat_id=LONGQUAN_GROUP)
    assert "合计：受理 1" in chat.last(LONGQUAN_GROUP).text
    await chat.says(WANG, "/stats year", chat_id=LONGQUAN_GROUP)
    assert "用法" in chat.last(LONGQUAN_GROUP).text


async def test_help_and_unknown_commands(chat: Conversation) -> None:
    await chat.says(WANG, "/help", chat_id=LONGQUAN_GROUP)
    assert "/claim 42" in chat.last(LONGQUAN_GROUP).text
    count = len(chat.to(LONGQUAN_GROUP))
    await chat.says(WANG, "/weather", chat_id=LONGQUAN_GROUP)  # for another bot: stay quiet
    await chat.says(WANG, "大家辛苦了", chat_id=LONGQUAN_GROUP)
    assert len(chat.to(LONGQUAN_GROUP)) == count


# ---------------------------------------------------------------------------------------------
# Who may act


async def test_another_grids_group_is_refused_and_nothing_changes(chat: Conversation) -> None:
    number = await report(chat)
    before = len(chat.sent)
    for data in (f"t:{number}:claim", f"t:{number}:resolve", f"rs:{number}",
                 f"tr:{number}:2", f"rj:{number}:area"):
        refused = await chat.presses(ZHAO, data, chat_id=TUANJIE_GROUP)
        assert refused.callback_alert
        assert refused.callback_answer == f"工单 #{number} 不属于本网格，无法在本群操作。"
    for command in (f"/claim {number}", f"/done {number} 好了", f"/note {number} 你好",
                    f"/reject {number} 不管", f"/recat {number} noise", f"/t {number}"):
        await chat.says(ZHAO, command, chat_id=TUANJIE_GROUP)
        assert chat.last(TUANJIE_GROUP).text == f"工单 #{number} 不属于本网格，无法在本群操作。"
    after = await ticket(chat, number)
    assert (after.status, after.category, after.grid_id) == ("new", "sanitation", 1)
    assert all(s.chat_id == TUANJIE_GROUP for s in chat.sent[before:])
    assert await history(chat, number) == ["opened"]


async def test_a_forged_button_in_a_private_chat_is_refused(chat: Conversation) -> None:
    number = await report(chat)
    for data in (f"t:{number}:claim", f"t:{number}:resolve", f"t:{number}:reject"):
        refused = await chat.presses(LI, data)
        assert refused.callback_answer == "该按钮请在网格工作群中使用。"
    for data in (f"rs:{number}", f"tr:{number}:2", f"rj:{number}:area"):
        refused = await chat.presses(LI, data)
        assert refused.callback_answer and "失效" in refused.callback_answer
    await chat.says(LI, f"/claim {number}")
    assert chat.last(LI.id).text == "该命令请在网格工作群中使用。"
    assert (await ticket(chat, number)).status == "new"
    assert await history(chat, number) == ["opened"]


async def test_an_unbound_group_is_told_how_to_bind(chat: Conversation) -> None:
    number = await report(chat)
    refused = await chat.presses(LI, f"t:{number}:claim", chat_id=LIUS_GROUP)
    assert refused.callback_alert and "还没有绑定网格" in (refused.callback_answer or "")
    await chat.says(LI, f"/claim {number}", chat_id=LIUS_GROUP)
    assert "/bind" in chat.last(LIUS_GROUP).text
    assert (await ticket(chat, number)).status == "new"


async def test_the_street_group_may_act_on_every_ticket(chat: Conversation) -> None:
    number = await report(chat)
    await chat.says(ADMIN, f"/claim {number}", chat_id=STREET_GROUP)
    assert (await ticket(chat, number)).status == "claimed"


async def test_members_of_a_bound_group_become_its_staff(chat: Conversation) -> None:
    number = await report(chat)
    staff = Sender(555, "刘网格员")
    await chat.presses(staff, f"t:{number}:claim", chat_id=LONGQUAN_GROUP)
    async with chat.database.sessionmaker() as session:
        person = (await session.scalars(select(Person).where(Person.telegram_id == 555))).one()
        claimed = await session.get(Ticket, number)
    assert person.role == "staff" and claimed is not None and claimed.assignee_id == person.id


async def test_a_stale_or_garbled_button_is_expired(chat: Conversation) -> None:
    for data in ("t:abc:claim", "zz:1", "t:1:fly", "rj:1:why"):
        handled = await chat.presses(WANG, data, chat_id=LONGQUAN_GROUP)
        assert handled.callback_answer in ("该按钮已失效", "没有找到工单 #1")


# ---------------------------------------------------------------------------------------------
# Group volume: Telegram allows about 20 messages a minute in a group


async def test_a_burst_of_100_tickets_is_queued_in_order_and_card_edits_coalesce(
    chat: Conversation,
) -> None:
    from handlers import tickets
    from storage.models import OutboxRow

    async with chat.database.sessionmaker() as session, session.begin():
        zhang = (await session.scalars(select(Person).where(Person.telegram_id == ZHANG.id))).one()
        grid = await session.get(Grid, 1)
        opened = [(await tickets.open_ticket(
            session, reporter=zhang, category="road", text=f"龙泉小区{i}号楼路灯坏了",
            location_text=f"龙泉小区{i}号楼", grid=grid, now=chat.now, confirm=False)).id
            for i in range(100)]
    async with chat.database.sessionmaker() as session, session.begin():
        wang = (await session.scalars(select(Person).where(Person.telegram_id == WANG.id))).one()
        for number in opened:  # two changes each before anything was sent
            await tickets.claim(session, number, actor=wang, now=chat.now)
            await tickets.start(session, number, actor=wang, now=chat.now)
    async with chat.database.sessionmaker() as session:
        rows = (await session.scalars(select(OutboxRow).where(
            OutboxRow.chat_id == LONGQUAN_GROUP).order_by(OutboxRow.id))).all()
    cards = [r for r in rows if r.method == "sendMessage"]
    edits = [r for r in rows if r.method == "editMessageText"]
    assert [r.ticket_id for r in cards] == opened  # all 100, in the order they came
    assert len(edits) == 100  # one waiting edit per card, not two
    assert all("状态：处理中" in e.payload["text"] for e in edits)  # and it is the latest

    await chat.deliver()
    delivered = chat.to(LONGQUAN_GROUP)
    assert len(delivered) == 200 and all(s.text for s in delivered)


def test_the_dispatchers_pacing_spreads_100_group_messages_over_minutes() -> None:
    from bot.pacing import Limits, Pacer

    clock = [0.0]
    pacer = Pacer(Limits(), clock=lambda: clock[0])
    sent_at = []
    for _ in range(100):
        for wait in (pacer.chat_delay(LONGQUAN_GROUP), pacer.overall_delay()):
            clock[0] += wait
        sent_at.append(clock[0])
    assert len(sent_at) == 100  # none dropped, only delayed
    assert sent_at[-1] >= 5 * 60
    # No minute ever holds more than Telegram's 20 messages for a group.
    assert max(sum(1 for t in sent_at if start <= t < start + 60) for start in sent_at) <= 20


async def test_phone_numbers_and_names_in_the_words_are_masked_for_the_group(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "我叫李秀英，电话13812345678，龙泉小区6栋楼道灯坏了")
    card = chat.last(LONGQUAN_GROUP)
    assert "13812345678" not in card.text and "138****5678" in card.text
    assert "李秀英" not in card.text and "李**" in card.text
    await chat.says(ZHANG, "我住12楼，座机 010-62345678，有事打这个", reply_to=chat.last(ZHANG.id))
    relayed = chat.last(LONGQUAN_GROUP)
    assert "居民补充" in relayed.text and "62345678" not in relayed.text


async def test_a_grid_without_a_group_sends_its_cards_to_the_street(chat: Conversation) -> None:
    await chat.says(ADMIN, "/unbind", chat_id=TUANJIE_GROUP)
    await chat.says(LI, "团结西路8号门口的垃圾堆了一个星期没人清")
    async with chat.database.sessionmaker() as session:
        number = (await session.scalars(select(Ticket.id))).one()
    card = chat.card(STREET_GROUP, number)
    await chat.presses(WANG, card.button("接单"), chat_id=STREET_GROUP)
    async with chat.database.sessionmaker() as session:
        assert (await session.get(Ticket, number)).status == "claimed"  # type: ignore[union-attr]
    assert chat.to(LONGQUAN_GROUP) == []


async def test_rebinding_a_group_warns_what_it_leaves_behind(chat: Conversation) -> None:
    await chat.says(ADMIN, "/bind 南湖网格 南湖小区", chat_id=STREET_GROUP)
    assert "原是街道吹哨群" in chat.last(STREET_GROUP).text
    await chat.says(ADMIN, "/bind 南湖网格", chat_id=TUANJIE_GROUP)
    assert "团结网格现在没有工作群" in chat.last(TUANJIE_GROUP).text


async def test_an_admin_taken_off_the_list_loses_admin_rights(chat: Conversation) -> None:
    await chat.says(ADMIN, "/bind 南湖网格 南湖小区", chat_id=-300)
    assert "已绑定为" in chat.last(-300).text
    chat.admin_ids = frozenset()
    await chat.says(ADMIN, "/unbind", chat_id=-300)
    assert "只有管理员" in chat.last(-300).text
    async with chat.database.sessionmaker() as session:
        admin = (await session.scalars(select(Person).where(Person.telegram_id == ADMIN.id))).one()
    assert admin.role != "admin"


def test_words_cut_short_for_a_group_never_leave_part_of_a_number_bare() -> None:
    """Masked first, then cut: a phone number across the cut is masked, not left half shown
    (cut first, its first digits were no phone number any more)."""
    from handlers.notify import quoted

    text = "龙泉小区6栋楼道灯坏了" + "，" * 41 + "联系13812345678"  # digits 54 to 64
    shown = quoted(text, 60)
    assert shown.endswith("138***…") and "138123" not in shown
    assert quoted("<b>路灯</b>", 60) == "&lt;b&gt;路灯&lt;/b&gt;"
