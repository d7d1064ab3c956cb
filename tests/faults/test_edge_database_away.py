"""The database away behind the real bot: the resident is told 系统繁忙，请稍后再试 once, the
update is not confirmed to Telegram, and when the database is back the redelivered update
opens its ticket, once. Webhook and polling, on both frameworks."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Webhook
from handlers.app import BUSY_TEXT
from tests.fakebotapi import message_update
from tests.faults.support import (
    counts,
    free_port,
    report_text,
    running_bot,
    sqlite_write_locked,
)

pytestmark = pytest.mark.faults
RESIDENT = 4101


def busy_replies(fake) -> list[object]:
    return [c for c in fake.calls_of("sendMessage")
            if c.params.get("chat_id") == RESIDENT and c.params.get("text") == BUSY_TEXT]


def ticket_replies(fake) -> list[object]:
    return [d for d in fake.to_chat(RESIDENT) if "#" in (d.text or "")]


async def test_webhook_answers_503_while_locked_and_takes_the_redelivery(
    fake, framework, tmp_path, classifier
):
    port = free_port()
    webhook = Webhook(f"http://127.0.0.1:{port}/hook", "127.0.0.1", port)
    async with running_bot(fake, framework, tmp_path, classifier, webhook) as bot:
        update = message_update(RESIDENT, text=report_text(0))
        with sqlite_write_locked(tmp_path / "bot.db"):
            assert await fake.post_webhook(update) == 503
            assert await fake.post_webhook(update) == 503  # Telegram tries again
            assert (await counts(bot.database))["updates"] == 0
        assert len(busy_replies(fake)) == 1, "told busy once per update"

        assert await fake.post_webhook(update) == 200
        await fake.wait_for(lambda: ticket_replies(fake), timeout=10, what="the ticket number")
        assert await fake.post_webhook(update) == 200  # a late duplicate changes nothing
        assert (await counts(bot.database))["tickets"] == 1


async def test_polling_does_not_confirm_the_update_until_the_database_is_back(
    fake, framework, tmp_path, classifier
):
    async with running_bot(fake, framework, tmp_path, classifier) as bot:
        with sqlite_write_locked(tmp_path / "bot.db"):
            first = fake.add_update(message_update(RESIDENT, text=report_text(1)))
            second = fake.add_update(message_update(RESIDENT, text="谢谢"))
            await fake.wait_for(lambda: busy_replies(fake), timeout=5, what="the busy reply")
            await asyncio.sleep(0.3)
            assert fake.confirmed_offset <= first, "the update was confirmed while locked"
        await fake.wait_for(lambda: fake.confirmed_offset > second, timeout=10,
                            what="both updates confirmed")
        await fake.wait_for(lambda: len(fake.to_chat(RESIDENT)) >= 3, timeout=10,
                            what="the replies")
        assert len(busy_replies(fake)) == 1
        replies = [d.text or "" for d in fake.to_chat(RESIDENT)]
        assert replies[0] == BUSY_TEXT and "#" in replies[1], "the report keeps its place"
        assert (await counts(bot.database))["tickets"] == 1
