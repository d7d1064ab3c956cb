"""Through the real adapters, over HTTP, against the fake Bot API: the same suite on aiogram
and on python-telegram-bot (the `framework` fixture)."""

from __future__ import annotations

import socket

from aiohttp import ClientSession

from bot.app import Webhook
from handlers.app import BUSY_TEXT
from tests.fakebotapi import album_updates, callback_update, message_update

RESIDENT = 1001
GROUP = -100200


async def test_a_residents_message_gets_a_reply(fake, make_bot, replier):
    async with make_bot():
        fake.add_update(message_update(RESIDENT, text="楼下垃圾三天没人收 <b>急</b>"))
        await fake.wait_for(lambda: fake.to_chat(RESIDENT), what="the reply")
    [event] = replier.events
    assert event.kind == "text" and event.text == "楼下垃圾三天没人收 <b>急</b>"
    [reply] = fake.to_chat(RESIDENT)
    assert reply.text == "收到：楼下垃圾三天没人收 &lt;b&gt;急&lt;/b&gt;"
    assert reply.params["parse_mode"] == "HTML"
    assert fake.confirmed_offset > 0, "the update was confirmed after it was handled"


async def test_a_pressed_button_is_answered(fake, make_bot, replier):
    async with make_bot():
        fake.add_update(callback_update(GROUP, "claim:42", message_id=7, user_id=2001,
                                        query_id="q-1"))
        await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery"), what="the answer")
    [answer] = fake.calls_of("answerCallbackQuery")
    assert answer.params["callback_query_id"] == "q-1"
    assert answer.params["text"] == "已收到 claim:42"
    [event] = replier.events
    assert (event.kind, event.chat_id, event.sender.id) == ("callback", GROUP, 2001)


async def test_an_album_arrives_as_one_report(fake, make_bot, replier):
    async with make_bot():
        for update in album_updates(RESIDENT, ["P1", "P2", "P3"], caption="井盖丢了",
                                    group="alb-1"):
            fake.add_update(update)
        await fake.wait_for(lambda: fake.to_chat(RESIDENT), what="the reply")
    [event] = replier.events
    assert event.photos == ("P1", "P2", "P3") and event.text == "井盖丢了"
    [reply] = fake.to_chat(RESIDENT)
    assert reply.text == "收到：井盖丢了（3 张照片）"


async def test_one_chats_updates_are_handled_in_order(fake, make_bot, replier):
    async with make_bot():
        for i in range(10):
            fake.add_update(message_update(RESIDENT, text=f"第{i}条"))
            fake.add_update(message_update(RESIDENT + 1, text=f"第{i}条"))
        await fake.wait_for(lambda: len(fake.to_chat(RESIDENT)) == 10, what="10 replies")
    mine = [e.text for e in replier.events if e.chat_id == RESIDENT]
    assert mine == [f"第{i}条" for i in range(10)]
    assert [d.text for d in fake.to_chat(RESIDENT)] == [f"收到：第{i}条" for i in range(10)]


async def test_a_command_in_a_group_with_privacy_mode(fake, make_bot, replier):
    """With privacy mode on, a group sends the bot only commands and replies to it."""
    async with make_bot():
        fake.add_update(message_update(GROUP, text="/list@intake_test_bot", user_id=2001))
        fake.add_update(message_update(GROUP, text="已处理", user_id=2001, reply_to=5))
        await fake.wait_for(lambda: len(fake.to_chat(GROUP)) == 2, what="2 replies")
    assert replier.events[0].command == ("list", "")
    assert replier.events[1].reply_to_message_id == 5


async def test_the_database_away_gets_the_busy_reply(fake, make_bot, replier):
    replier.unavailable = True
    async with make_bot():
        fake.add_update(message_update(RESIDENT, text="路灯坏了"))
        await fake.wait_for(lambda: fake.to_chat(RESIDENT) or [
            c for c in fake.calls_of("sendMessage") if c.params.get("text") == BUSY_TEXT
        ], what="the busy reply")
    [busy] = fake.calls_of("sendMessage")
    assert busy.params["chat_id"] == RESIDENT and busy.params["text"] == BUSY_TEXT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_takes_updates_with_the_secret_only(fake, make_bot, replier):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with make_bot(webhook=Webhook(url, "127.0.0.1", port)):
        assert fake.webhook["url"] == url
        secret = fake.webhook["secret_token"]
        assert secret and fake.token not in secret
        assert fake.webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]

        assert await fake.post_webhook(message_update(RESIDENT, text="没有暗号"),
                                       secret=None) == 401
        assert await fake.post_webhook(message_update(RESIDENT, text="错的暗号"),
                                       secret="wrong") == 401
        assert replier.events == []

        assert await fake.post_webhook(message_update(RESIDENT, text="电梯坏了")) == 200
        await fake.wait_for(lambda: fake.to_chat(RESIDENT), what="the reply")
        async with ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}/healthz"
        ) as response:
            assert response.status == 200
            assert (await response.json())["ok"] is True
    assert [e.text for e in replier.events] == ["电梯坏了"]
    assert [d.text for d in fake.to_chat(RESIDENT)] == ["收到：电梯坏了"]


async def test_polling_survives_a_failing_bot_api(fake, make_bot, replier):
    fake.fault("500", calls=1, methods=["deleteWebhook"])
    fake.fault("drop", calls=1, methods=["getUpdates"])
    async with make_bot():
        fake.add_update(message_update(RESIDENT, text="还在吗"))
        await fake.wait_for(lambda: fake.to_chat(RESIDENT), timeout=10, what="the reply")
    assert [c.outcome for c in fake.calls_of("deleteWebhook")][:2] == ["error 500", "ok"]
