"""The real conversation core (`handlers.app.handle`) through both adapters, over HTTP: what a
resident sees in Telegram, from /start to a ticket number."""

from __future__ import annotations

import handlers.app
from tests.fakebotapi import callback_update, message_update

RESIDENT = 1001


async def test_a_resident_starts_presses_a_button_and_reports(fake, make_bot):
    async with make_bot(handle=handlers.app.handle):
        fake.add_update(message_update(RESIDENT, text="/start", name="王芳"))
        await fake.wait_for(lambda: fake.to_chat(RESIDENT), what="the welcome")
        welcome = fake.to_chat(RESIDENT)[0]
        assert welcome.params["parse_mode"] == "HTML" and welcome.buttons
        assert all(len(data.encode()) <= 64 for _, data in welcome.buttons)

        fake.add_update(callback_update(RESIDENT, welcome.buttons[-1][1],
                                        message_id=welcome.message_id, query_id="q-help"))
        await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery"), what="the answer")
        assert fake.calls_of("answerCallbackQuery")[0].params["callback_query_id"] == "q-help"

        fake.add_update(message_update(RESIDENT, text="龙泉小区3号楼楼下的垃圾三天没人收了"))
        await fake.wait_for(
            lambda: any("#" in (d.text or "") for d in fake.to_chat(RESIDENT)),
            timeout=10, what="a ticket number",
        )
