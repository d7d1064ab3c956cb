"""The resident's conversation, as conversations (issue 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from handlers.events import Person as EventPerson
from handlers.resident import MAX_HELD
from handlers.texts import localize
from intents.model import CATEGORIES
from storage.models import Attachment, Grid, Person, Ticket, TicketEvent
from tests.handlers.chat import Conversation
from tests.handlers.conftest import CHEN, LI, WANG, ZHANG
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, TUANJIE_GROUP


async def _tickets(chat: Conversation) -> list[Ticket]:
    async with chat.database.sessionmaker() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def _person(chat: Conversation, telegram_id: int) -> Person:
    async with chat.database.sessionmaker() as session:
        return (await session.scalars(
            select(Person).where(Person.telegram_id == telegram_id))).one()


async def test_start_welcomes_with_the_three_buttons(chat: Conversation) -> None:
    await chat.says(LI, "/start")
    welcome = chat.last(LI.id)
    assert "您好" in welcome.text and "电话号码不会" in welcome.text
    assert [label for label, _ in welcome.buttons] == ["我要反映", "我的工单", "使用帮助"]


async def test_a_clear_report_with_a_place_becomes_a_ticket_at_once(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了，臭得不行")
    [ticket] = await _tickets(chat)
    assert ticket.category == "sanitation" and ticket.status == "new"
    reply = chat.last(ZHANG.id).text
    assert reply.startswith(f"已收到，工单 #{ticket.number}（环境卫生），已转交龙泉网格")
    assert "内响应" in reply
    card = chat.card(LONGQUAN_GROUP, ticket.number or 0)
    assert "龙泉小区3号楼" in card.text and "张*" in card.text
    assert "13812341234" not in card.text and "138****1234" in card.text
    assert [label for label, _ in card.buttons] == ["接单", "处理中", "办结", "转派", "退回"]
    assert chat.to(TUANJIE_GROUP) == [] and chat.to(STREET_GROUP) == []


async def test_a_grid_changed_between_two_reports_routes_the_second(
        chat: Conversation) -> None:
    """The grids are read for every report (an admin or another process may change them)."""
    await chat.says(ZHANG, "凤凰苑2号楼门口的垃圾三天没人清运了")
    await chat.says(CHEN, "團結西路的路燈壞了")
    async with chat.database.sessionmaker() as session, session.begin():
        tuanjie = (await session.scalars(select(Grid).where(Grid.name == "团结网格"))).one()
        tuanjie.places = [*tuanjie.places, "凤凰苑"]
    await chat.says(LI, "凤凰苑5号楼楼道灯坏了好几天")
    first, second, third = await _tickets(chat)
    assert first.grid_id != tuanjie.id and not first.location_confirmed  # nobody had 凤凰苑
    assert second.grid_id == third.grid_id == tuanjie.id and third.location_confirmed
    assert chat.card(TUANJIE_GROUP, third.number or 0)


async def test_no_place_asks_once_and_remembers_the_answer(chat: Conversation) -> None:
    await chat.says(LI, "楼道里的灯坏了好几天了，晚上黑乎乎的")
    assert await _tickets(chat) == []
    question = chat.last(LI.id)
    assert "具体位置" in question.text and question.buttons[0][0] == "跳过"

    await chat.says(LI, "团结西路8号院2单元")
    [ticket] = await _tickets(chat)
    assert ticket.location_text == "团结西路8号院2单元"
    assert chat.card(TUANJIE_GROUP, ticket.number or 0)  # routed by the answered place
    assert (await _person(chat, LI.id)).default_address == "团结西路8号院2单元"

    chat.later(hours=1)
    await chat.says(LI, "楼下的井盖松动了，车一过就哐哐响")
    tickets = await _tickets(chat)
    assert len(tickets) == 2 and tickets[1].location_text == "团结西路8号院2单元"
    assert "具体位置" not in chat.last(LI.id).text


async def test_the_location_question_can_be_skipped(chat: Conversation) -> None:
    await chat.says(LI, "楼道里的灯坏了好几天了，晚上黑乎乎的")
    await chat.presses(LI, chat.last(LI.id).button("跳过"))
    [ticket] = await _tickets(chat)
    assert ticket.location_text is None and not ticket.location_confirmed
    assert "位置待确认" in chat.card(LONGQUAN_GROUP, ticket.number or 0).text


async def test_a_shared_location_answers_the_question(chat: Conversation) -> None:
    await chat.says(LI, "楼道里的灯坏了好几天了，晚上黑乎乎的")
    await chat.location(LI, 39.9, 116.4)
    [ticket] = await _tickets(chat)
    assert ticket.lat == 39.9 and ticket.lon == 116.4
    assert (await _person(chat, LI.id)).default_lat == 39.9
    chat.later(hours=2)
    await chat.says(LI, "楼下垃圾桶满了好几天没人倒")  # the point is used again, and said so
    second = (await _tickets(chat))[-1]
    assert second.lat == 39.9
    assert chat.last(LI.id).text.startswith(f"工单 #{second.number} 的地点按您上次发送的位置记录")


async def test_an_unsure_category_offers_buttons_and_opens_on_the_press(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "龙泉小区这边有个情况想反映一下")
    assert await _tickets(chat) == []
    question = chat.last(ZHANG.id)
    assert "类别" in question.text and question.buttons[-1][0] == "其他"
    label, data = question.buttons[0]
    await chat.presses(ZHANG, data)
    [ticket] = await _tickets(chat)
    assert CATEGORIES[ticket.category] == label and data.endswith(":" + ticket.category)
    assert f"工单 #{ticket.number}" in chat.last(ZHANG.id).text
    # The old buttons do nothing now.
    handled = await chat.presses(ZHANG, question.button("其他"))
    assert handled.callback_answer and "失效" in handled.callback_answer
    assert len(await _tickets(chat)) == 1


async def test_a_photo_before_the_text_joins_the_same_report(chat: Conversation) -> None:
    await chat.photo(ZHANG, "photo-1")
    assert "描述" in chat.last(ZHANG.id).text
    chat.later(minutes=2)
    await chat.says(ZHANG, "龙泉花园5号楼下面的路面塌了一块")
    [ticket] = await _tickets(chat)
    assert ticket.category == "road"
    async with chat.database.sessionmaker() as session:
        files = (await session.scalars(select(Attachment.file_id))).all()
    assert list(files) == ["photo-1"]
    assert chat.last(LONGQUAN_GROUP, "sendPhoto").payload["photo"] == "photo-1"


async def test_a_photo_after_the_text_joins_the_ticket(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    chat.later(minutes=1)
    await chat.photo(ZHANG, "photo-2")
    [ticket] = await _tickets(chat)
    assert f"工单 #{ticket.number}" in chat.last(ZHANG.id).text
    relayed = chat.last(LONGQUAN_GROUP, "sendPhoto")
    assert relayed.payload["photo"] == "photo-2" and f"#{ticket.number}" in relayed.text


async def test_a_photo_with_a_caption_is_a_report_by_itself(chat: Conversation) -> None:
    await chat.photo(ZHANG, "a", "b", caption="龙泉小区东门有人私自搭了个铁皮棚子")
    [ticket] = await _tickets(chat)
    assert ticket.category == "construction"
    album = chat.last(LONGQUAN_GROUP, "sendMediaGroup")
    assert [m["media"] for m in album.payload["media"]] == ["a", "b"]


async def test_my_tickets_and_one_ticket_in_full(chat: Conversation) -> None:
    await chat.says(ZHANG, "/my")
    assert "还没有反映过问题" in chat.last(ZHANG.id).text
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    [ticket] = await _tickets(chat)
    await chat.says(ZHANG, "/my")
    assert f"#{ticket.number} 环境卫生 · 待受理" in chat.last(ZHANG.id).text
    await chat.says(ZHANG, f"/my {ticket.number}")
    full = chat.last(ZHANG.id)
    assert f"工单 #{ticket.number}" in full.text and "状态：待受理" in full.text
    await chat.says(LI, f"/my {ticket.number}")  # not Li's ticket
    assert "没有找到您的工单" in chat.last(LI.id).text


async def test_asking_in_words_about_an_earlier_report_lists_it(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    before = len(await _tickets(chat))
    await chat.says(ZHANG, "我之前反映的问题处理得怎么样了")
    assert len(await _tickets(chat)) == before
    assert "您最近的工单" in chat.last(ZHANG.id).text


async def test_staff_progress_reaches_the_resident_and_rating_closes(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    [ticket] = await _tickets(chat)
    number = ticket.number or 0
    card = chat.card(LONGQUAN_GROUP, number)
    answer = await chat.presses(WANG, card.button("接单"), chat_id=LONGQUAN_GROUP)
    assert answer.callback_answer == f"已接单 #{number}"
    assert "已有工作人员接单" in chat.last(ZHANG.id).text
    assert "已接单" in chat.card(LONGQUAN_GROUP, number).text

    await chat.presses(WANG, chat.card(LONGQUAN_GROUP, number).button("办结"),
                       chat_id=LONGQUAN_GROUP)
    prompt = chat.last(LONGQUAN_GROUP)
    assert "回复本消息" in prompt.text
    await chat.photo(WANG, "fixed", caption="已清运完毕", chat_id=LONGQUAN_GROUP,
                     reply_to=prompt)
    resolved = chat.last(ZHANG.id)
    assert resolved.method == "sendPhoto" and resolved.payload["photo"] == "fixed"
    assert "已清运完毕" in resolved.text and f"#{number}" in resolved.text
    assert [label for label, _ in resolved.buttons] == ["满意", "基本满意", "不满意"]

    await chat.presses(ZHANG, resolved.button("满意"))
    [ticket] = await _tickets(chat)
    assert ticket.status == "closed" and ticket.rating == 3
    [retired] = [s for s in chat.to(ZHANG.id) if s.method == "editMessageReplyMarkup"]
    assert retired.message_id == resolved.message_id and retired.buttons == []


async def test_a_rating_typed_instead_of_pressed_is_taken(chat: Conversation) -> None:
    await chat.says(CHEN, "龍泉小區3號樓門口的垃圾三天沒人清運了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.says(CHEN, "滿意！")
    [ticket] = await _tickets(chat)
    assert ticket.status == "closed" and ticket.rating == 3
    assert chat.last(CHEN.id).text == f"感謝您的評價！工單 #{number}：滿意。"
    await chat.says(CHEN, "满意")  # nothing waits for a rating now: no second rating
    assert (await _tickets(chat))[0].rating == 3


async def test_not_satisfied_typed_asks_why(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.says(ZHANG, "不满意")
    assert "哪里还没解决" in chat.last(ZHANG.id).text
    await chat.says(ZHANG, "只清了一半")
    assert (await _tickets(chat))[0].status == "in_progress"


async def test_not_satisfied_asks_why_and_reopens(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.presses(ZHANG, chat.last(ZHANG.id).button("不满意"))
    assert "哪里还没解决" in chat.last(ZHANG.id).text
    await chat.says(ZHANG, "只清了一半，旁边还堆着")
    [ticket] = await _tickets(chat)
    assert ticket.status == "in_progress" and ticket.reopen_count == 1
    assert any("只清了一半" in t and f"#{number}" in t for t in chat.texts(LONGQUAN_GROUP))


async def test_words_after_not_satisfied_are_kept_when_the_ticket_was_rated_meanwhile(
    chat: Conversation,
) -> None:
    """不满意, then the old 满意 button after all: the ticket is closed, so what the resident
    types next is read as any message (here a new report), not refused and dropped."""
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    rating = chat.last(ZHANG.id)
    await chat.presses(ZHANG, rating.button("不满意"))
    await chat.presses(ZHANG, rating.button("满意"))
    assert (await _tickets(chat))[0].status == "closed"
    await chat.says(ZHANG, "龙泉小区5号楼的路灯坏了，晚上一片漆黑")
    first, second = await _tickets(chat)
    assert second.text == "龙泉小区5号楼的路灯坏了，晚上一片漆黑" and second.status == "new"
    assert all("不能再重新处理" not in t for t in chat.texts(ZHANG.id))


async def test_a_new_problem_instead_of_a_reason_reopens_and_is_filed_of_its_own(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.presses(ZHANG, chat.last(ZHANG.id).button("不满意"))
    await chat.says(ZHANG, "龙泉小区5号楼的路灯坏了，晚上一片漆黑")
    first, second = await _tickets(chat)
    assert first.status == "in_progress" and first.reopen_count == 1  # 不满意 stands
    assert second.text == "龙泉小区5号楼的路灯坏了，晚上一片漆黑" and second.category == "road"
    assert all("路灯" not in t for t in chat.texts(LONGQUAN_GROUP) if f"#{number}" in t)


async def test_a_new_problem_instead_of_the_place_files_both(chat: Conversation) -> None:
    await chat.says(ZHANG, "楼下垃圾三天没人收了")
    assert chat.last(ZHANG.id).text.startswith("请告诉我具体位置")
    await chat.says(ZHANG, "小区门口的路灯坏了好几天，晚上黑漆漆的")
    assert chat.last(ZHANG.id).text.startswith("请告诉我具体位置")  # now of the light
    await chat.says(ZHANG, "龙泉小区东门")
    garbage, light = await _tickets(chat)
    assert garbage.text == "楼下垃圾三天没人收了" and garbage.category == "sanitation"
    assert not garbage.location_confirmed  # its place is for staff to confirm
    assert light.text == "小区门口的路灯坏了好几天，晚上黑漆漆的" and light.category == "road"
    async with chat.database.sessionmaker() as session:
        zhang = await session.scalar(select(Person).where(Person.telegram_id == ZHANG.id))
    assert zhang is not None and zhang.default_address == "龙泉小区东门"  # not the sentence


async def test_an_answer_naming_a_thing_is_still_the_place(chat: Conversation) -> None:
    await chat.says(ZHANG, "楼下垃圾三天没人收了")
    await chat.says(ZHANG, "龙泉小区3号楼电梯口旁边")
    [ticket] = await _tickets(chat)
    assert ticket.location_text == "龙泉小区3号楼电梯口旁边"


async def test_a_taiwan_or_hong_kong_telegram_is_greeted_in_traditional(
    chat: Conversation,
) -> None:
    lin = EventPerson(44, "林小姐", language_code="zh-TW")
    await chat.says(lin, "你好")  # reads the same in both scripts
    assert "請問遇到了什麼問題" in chat.last(lin.id).text
    await chat.says(ZHANG, "你好")  # no language given: Simplified, as before
    assert localize(chat.last(ZHANG.id).text, "simplified") == chat.last(ZHANG.id).text


async def test_an_explanation_after_a_vague_report_is_still_one_report(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼这边有个情况麻烦你们处理一下")
    await chat.says(ZHANG, "垃圾堆了好几天没人清理，臭气熏天")
    [ticket] = await _tickets(chat)
    assert ticket.category == "sanitation" and "臭气熏天" in ticket.text


async def test_a_reason_naming_another_cause_is_still_the_reason(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.presses(ZHANG, chat.last(ZHANG.id).button("不满意"))
    await chat.says(ZHANG, "垃圾桶还是满的，旁边还有人乱停车挡住了清运车")
    [ticket] = await _tickets(chat)
    assert ticket.status == "in_progress"
    assert any("乱停车" in t and f"#{number}" in t for t in chat.texts(LONGQUAN_GROUP))


async def test_a_button_answer_is_in_the_residents_script(chat: Conversation) -> None:
    await chat.says(CHEN, "龍泉花園6棟有人在綠化帶裡種菜")
    question = chat.last(CHEN.id)
    label, data = question.buttons[0]
    handled = await chat.presses(CHEN, data)
    assert handled.callback_answer == f"已選擇：{label}"


async def test_a_new_problem_instead_of_the_category_files_both(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉花园6栋有人在绿化带里种菜")
    assert chat.last(ZHANG.id).text.startswith("为了转给对的人")
    await chat.says(ZHANG, "龙泉小区5栋下水道堵了，污水漫出来了")
    plot, drain = await _tickets(chat)
    assert plot.text == "龙泉花园6栋有人在绿化带里种菜"
    assert drain.text == "龙泉小区5栋下水道堵了，污水漫出来了" and drain.category == "road"


async def test_cancel_withdraws_the_latest_new_ticket_after_confirming(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    await chat.says(ZHANG, "算了，不报了")
    confirm = chat.last(ZHANG.id)
    assert "确定撤回" in confirm.text
    assert (await _tickets(chat))[0].status == "new"
    await chat.presses(ZHANG, confirm.button("确认撤回"))
    [ticket] = await _tickets(chat)
    assert ticket.status == "withdrawn"
    assert "已撤回" in chat.last(ZHANG.id).text


async def test_a_claimed_ticket_cannot_be_withdrawn(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number
    await chat.says(WANG, f"/claim {number}", chat_id=LONGQUAN_GROUP)
    await chat.says(ZHANG, "/cancel")
    assert "已无法撤回" in chat.last(ZHANG.id).text


async def test_replying_to_a_ticket_message_adds_information(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number
    confirmation = chat.last(ZHANG.id)
    await chat.says(ZHANG, "补充一下，旁边的垃圾桶也坏了", reply_to=confirmation)
    assert f"已补充到工单 #{number}" in chat.last(ZHANG.id).text
    relayed = chat.last(LONGQUAN_GROUP)
    assert f"工单 #{number} 居民补充" in relayed.text and "垃圾桶也坏了" in relayed.text
    assert len(await _tickets(chat)) == 1


async def test_a_place_taken_from_the_home_address_is_told_and_can_be_corrected(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "楼下垃圾三天没人收了")
    await chat.says(ZHANG, "龙泉小区3号楼")  # remembered as the home address
    chat.later(hours=2)
    await chat.says(ZHANG, "半夜工地还在施工，吵得睡不着")
    noise = (await _tickets(chat))[-1]
    told = chat.last(ZHANG.id)
    assert told.text == (f"工单 #{noise.number} 的地点按您的常用地址记为：龙泉小区3号楼。"
                         "如不对，请直接回复这条消息告诉我们具体位置。")
    await chat.says(ZHANG, "不是家里，是龙泉小区北门外的工地", reply_to=told)
    assert f"已补充到工单 #{noise.number}" in chat.last(ZHANG.id).text
    assert "北门外的工地" in chat.last(LONGQUAN_GROUP).text


async def test_staff_and_resident_talk_through_the_card(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number or 0
    card = chat.card(LONGQUAN_GROUP, number)
    await chat.says(WANG, "请问是哪个垃圾桶？", chat_id=LONGQUAN_GROUP, reply_to=card)
    relayed = chat.last(ZHANG.id)
    assert f"工单 #{number}" in relayed.text and "哪个垃圾桶" in relayed.text
    await chat.says(ZHANG, "东边那个绿色的", reply_to=relayed)
    back = chat.last(LONGQUAN_GROUP)
    assert "东边那个绿色的" in back.text and f"#{number}" in back.text


async def test_greeting_thanks_and_help_get_short_answers(chat: Conversation) -> None:
    for text, expected in [("你好", "请问遇到了什么问题"), ("谢谢你们，辛苦了", "不客气"),
                           ("这个机器人怎么用", "使用方法")]:
        await chat.says(LI, text)
        assert expected in chat.last(LI.id).text
    assert await _tickets(chat) == []


async def test_a_traditional_writer_is_answered_in_traditional(chat: Conversation) -> None:
    await chat.says(CHEN, "龍泉小區3號樓門口的垃圾好幾天沒人清運了")
    [ticket] = await _tickets(chat)
    reply = chat.last(CHEN.id).text
    assert f"工單 #{ticket.number}" in reply and "已收到" in reply
    assert "环境卫生" not in reply and "環境衛生" in reply


async def test_every_odd_input_gets_a_clear_reply(chat: Conversation) -> None:
    kinds = {"sticker": "表情", "voice": "暂时无法识别语音，请用文字描述",
             "video": "暂不支持视频", "document": "暂不支持文件", "poll": "暂不支持投票"}
    for kind, expected in kinds.items():
        await chat.says(LI, "", kind=kind)
        assert expected in chat.last(LI.id).text, kind
    await chat.says(LI, "😀😀👍")
    assert "没能看懂" in chat.last(LI.id).text
    await chat.says(LI, "？？？！！")
    assert "没能看懂" in chat.last(LI.id).text
    await chat.says(LI, "Hello, is anyone there? The street lamp is broken")
    assert chat.last(LI.id).text  # answered in Chinese, not silence
    await chat.says(LI, "改一下", edited=True)
    assert "修改后的消息" in chat.last(LI.id).text
    await chat.says(LI, "/whatever")
    assert "没有这个命令" in chat.last(LI.id).text
    assert await _tickets(chat) == []


async def test_a_very_long_text_is_kept_and_answered(chat: Conversation) -> None:
    text = "龙泉小区3号楼门口的垃圾没人清运。" + "真的很臭，" * 2000
    await chat.says(ZHANG, text)
    [ticket] = await _tickets(chat)
    assert ticket.text.startswith("龙泉小区3号楼门口的垃圾没人清运")
    card = chat.card(LONGQUAN_GROUP, ticket.number or 0)
    assert len(card.text) < 4096


async def test_thirty_messages_in_a_minute_are_slowed_not_flooded(chat: Conversation) -> None:
    for i in range(30):
        await chat.says(LI, f"团结西路{i + 1}号门口的垃圾没人清运")
        chat.later(seconds=1)
    slow = [t for t in chat.texts(LI.id) if "发送得有点快" in t]
    assert len(slow) == 1 and "暂未处理" in slow[0]  # told plainly, not silently dropped
    assert len(await _tickets(chat)) <= 5
    assert len(chat.to(TUANJIE_GROUP)) <= 5
    held = [t for t in chat.texts(LI.id) if "这条已为您保存" in t]
    assert len(held) == MAX_HELD  # past the hourly cap a few are kept for later, saying so
    refused = [t for t in chat.texts(LI.id) if "这条暂未保存" in t]
    assert refused  # and past those the resident is told nothing was kept


async def test_the_same_problem_twice_joins_the_first_ticket(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的路灯坏了，晚上一片漆黑")
    [first] = await _tickets(chat)
    chat.later(hours=2)
    await chat.says(LI, "龙泉小区3号楼门口那盏路灯不亮了")
    assert len(await _tickets(chat)) == 1
    told = chat.last(LI.id).text
    assert f"该问题已有工单 #{first.number}（待受理）" in told
    assert "共 2 人" in chat.card(LONGQUAN_GROUP, first.number or 0).text
    await chat.says(WANG, f"/claim {first.number}", chat_id=LONGQUAN_GROUP)
    assert "已有工作人员接单" in chat.last(LI.id).text  # followers hear every update
    async with chat.database.sessionmaker() as session:
        followed = await session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.kind == "followed"))
    assert followed == 1


async def test_an_urgent_report_opens_at_once_and_whistles(chat: Conversation) -> None:
    await chat.says(LI, "电梯卡在两层中间，里面困着一个老人")
    [ticket] = await _tickets(chat)
    assert ticket.urgent and ticket.category == "elevator"
    texts = chat.texts(LI.id)
    assert any("110" in t and f"#{ticket.number}" in t for t in texts)
    assert any("具体位置" in t for t in texts)
    assert chat.card(STREET_GROUP, ticket.number or 0)


async def test_buttons_are_traditional_too_and_a_neutral_reply_keeps_the_script(
    chat: Conversation,
) -> None:
    await chat.says(CHEN, "/start")
    assert [label for label, _ in chat.last(CHEN.id).buttons] == ["我要反映", "我的工單", "使用幫助"]
    await chat.says(CHEN, "龍泉小區3號樓門口的垃圾好幾天沒人清運了")
    number = (await _tickets(chat))[0].number
    await chat.says(CHEN, "好的")  # reads the same in both scripts
    await chat.says(WANG, f"/done {number} 已清運", chat_id=LONGQUAN_GROUP)
    resolved = chat.last(CHEN.id)
    assert "已辦結" in resolved.text
    assert [label for label, _ in resolved.buttons] == ["滿意", "基本滿意", "不滿意"]


async def test_a_non_answer_to_the_place_question_is_not_taken_as_the_address(
    chat: Conversation,
) -> None:
    await chat.says(LI, "楼道里的灯坏了好几天了，晚上黑乎乎的")
    await chat.says(LI, "好的")
    assert await _tickets(chat) == []
    again = chat.last(LI.id)
    assert "小区、楼栋或路名" in again.text and again.buttons[0][0] == "跳过"
    await chat.says(LI, "不知道")
    [ticket] = await _tickets(chat)
    assert ticket.location_text is None
    assert (await _person(chat, LI.id)).default_address is None


async def test_a_message_naming_no_problem_is_asked_what_and_where(chat: Conversation) -> None:
    await chat.says(LI, "我要投诉")
    assert await _tickets(chat) == []
    assert "具体说说遇到了什么问题" in chat.last(LI.id).text
    assert chat.last(LI.id).buttons == []
    await chat.says(LI, "团结西路8号门口的垃圾堆了一个星期没人清")
    [ticket] = await _tickets(chat)
    assert ticket.category == "sanitation"
    assert ticket.text.startswith("我要投诉\n团结西路8号")


async def test_english_only_is_asked_for_chinese_and_opens_nothing(chat: Conversation) -> None:
    await chat.says(LI, "hello, the street light outside my building is broken")
    assert "只能识别中文" in chat.last(LI.id).text
    assert await _tickets(chat) == []


async def test_still_not_fixed_in_words_reopens_the_resolved_ticket(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    number = (await _tickets(chat))[0].number
    await chat.says(WANG, f"/done {number} 已清理", chat_id=LONGQUAN_GROUP)
    await chat.says(ZHANG, "还是没修好，垃圾还在")
    [ticket] = await _tickets(chat)
    assert ticket.status == "in_progress" and ticket.reopen_count == 1
    assert any("还是没修好" in t for t in chat.texts(LONGQUAN_GROUP))


async def test_other_problems_in_one_message_are_named_back(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区2栋门口路灯坏了好几天，楼下还有人天天晚上跳广场舞吵死了，"
                           "还有电瓶车在楼道里充电")
    tickets = await _tickets(chat)
    if not tickets:  # unsure between close categories: the resident picks one
        await chat.presses(ZHANG, chat.last(ZHANG.id).buttons[0][1])
        tickets = await _tickets(chat)
    [ticket] = tickets
    note = chat.last(ZHANG.id).text
    assert f"工单 #{ticket.number}" in note and "分开各发一条" in note
    assert CATEGORIES[ticket.category] not in note.split("您还提到了")[1]


async def test_saying_how_dangerous_one_problem_is_names_no_other(chat: Conversation) -> None:
    await chat.says(CHEN, "龍泉小區3棟門口的井蓋不見了，很危險")
    [ticket] = await _tickets(chat)
    assert ticket.category == "road"
    assert all("您還提到了" not in t for t in chat.texts(CHEN.id))


async def test_asking_about_one_kind_of_problem_shows_that_ticket(chat: Conversation) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    chat.later(hours=1)
    await chat.says(ZHANG, "龙泉小区5号楼门口的路灯坏了，晚上一片漆黑")
    light = (await _tickets(chat))[1]
    await chat.says(ZHANG, "我上周报的路灯修了吗")
    shown = chat.last(ZHANG.id).text
    assert f"工单 #{light.number}" in shown and "状态：" in shown
    await chat.says(ZHANG, "我反映的噪音问题处理了吗")
    assert "没有找到您反映的噪音扰民问题" in chat.last(ZHANG.id).text


async def test_the_list_shows_each_tickets_latest_note_but_not_the_residents_own(
    chat: Conversation,
) -> None:
    await chat.says(ZHANG, "龙泉小区3号楼门口的垃圾三天没人清运了")
    await chat.says(ZHANG, "团结西路的路灯不亮了，晚上很黑")
    rubbish, lamp = sorted(await _tickets(chat), key=lambda t: t.id)
    at = datetime.now(UTC)
    async with chat.database.sessionmaker() as session, session.begin():
        session.add_all([
            TicketEvent(ticket_id=rubbish.id, kind="note", note="已安排清运", data={}, at=at),
            TicketEvent(ticket_id=rubbish.id, kind="note", note="清运车明早到", data={}, at=at),
            TicketEvent(ticket_id=lamp.id, kind="note", note="电工已派出", data={}, at=at),
            TicketEvent(ticket_id=lamp.id, kind="resident_info", note="灯在3号杆", data={}, at=at),
        ])
    await chat.says(ZHANG, "/my")
    text = chat.last(ZHANG.id).text
    assert text.count("最新进展") == 2
    assert "最新进展：清运车明早到" in text and "已安排清运" not in text
    assert "最新进展：电工已派出" in text and "灯在3号杆" not in text
