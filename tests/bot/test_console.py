"""`intake console`: typing as a resident or staff, seeing replies and pressing buttons."""

from __future__ import annotations

import io

import pytest

from bot.console import DEMO_BIND, RESIDENT, STAFF, Console, run_console
from handlers.app import Handled, Services
from storage import outbox
from storage.db import Database
from storage.updates import first_time


class Bot:
    """Answers every message with two buttons, and every press with a toast."""

    def __init__(self) -> None:
        self.events = []

    async def __call__(self, event, services):
        self.events.append(event)
        now = services.clock()
        async with services.sessionmaker() as session, session.begin():
            if not await first_time(session, event.update_id, now):
                return Handled()
            if event.kind == "callback":
                await outbox.enqueue(session, chat_id=event.chat_id, method="sendMessage",
                                     payload={"text": f"您选了 {event.callback_data}"}, now=now)
                return Handled(callback_answer="谢谢评价")
            markup = {"inline_keyboard": [[{"text": "满意", "callback_data": "rate:5"},
                                           {"text": "不满意", "callback_data": "rate:1"}]]}
            await outbox.enqueue(session, chat_id=event.chat_id, method="sendMessage",
                                 payload={"text": f"<b>收到</b>：{event.text or event.kind}"
                                                  " &amp; 已登记", "reply_markup": markup},
                                 now=now)
        return Handled()


@pytest.fixture
async def services(tmp_path, classifier):
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/console.db")
    await database.upgrade()
    yield Services(database.sessionmaker, classifier)
    await database.dispose()


async def test_a_resident_types_and_presses_a_button(services):
    out: list[str] = []
    bot = Bot()
    console = Console(services, bot, out.append)
    await console.say("楼下路灯坏了")
    assert bot.events[0].chat_id == RESIDENT.chat_id and bot.events[0].text == "楼下路灯坏了"
    shown = "\n".join(out)
    assert "收到：楼下路灯坏了 & 已登记" in shown and "<b>" not in shown
    assert "[1] 满意   [2] 不满意" in shown
    out.clear()
    await console.say("2")
    press = bot.events[-1]
    assert (press.kind, press.callback_data) == ("callback", "rate:1")
    assert press.message_id == console.buttons[2].message_id
    assert any("谢谢评价" in line for line in out) and any("您选了 rate:1" in line for line in out)


async def test_switching_sides_and_buttons_of_the_other_side(services):
    out: list[str] = []
    bot = Bot()
    console = Console(services, bot, out.append)
    await console.say("/as staff")
    await console.say("/claim 1")
    assert bot.events[-1].chat_id == STAFF.chat_id and bot.events[-1].chat_type == "supergroup"
    assert bot.events[-1].command == ("claim", "1")
    await console.say("/as resident")
    await console.say("1")  # a button of the staff group's message
    assert len(bot.events) == 1
    assert "先输入 /as staff" in out[-1]


async def test_photos_albums_locations_and_replies(services):
    bot = Bot()
    console = Console(services, bot, lambda _: None)
    await console.say("/photo 井盖丢了")
    await console.say("/album 3 垃圾堆")
    await console.say("/location 30.5 104.1")
    await console.say("/reply 42 补充一下")
    photo, album, location, reply = bot.events
    assert photo.kind == "photo" and photo.text == "井盖丢了" and len(photo.photos) == 1
    assert len(album.photos) == 3 and album.media_group_id
    assert (location.latitude, location.longitude) == (30.5, 104.1)
    assert reply.reply_to_message_id == 42 and reply.text == "补充一下"


async def test_run_console_reads_lines_until_the_end(services):
    out: list[str] = []
    bot = Bot()
    await run_console(services, bot, stdin=io.StringIO("你好\n/quit\n不会发出\n"),
                      write=out.append)
    # On a fresh database the staff group is bound to a sample grid first, as its admin.
    assert [e.text for e in bot.events] == [DEMO_BIND, "你好"]
    assert bot.events[0].chat_id == STAFF.chat_id
    assert any("离线控制台" in line for line in out)
