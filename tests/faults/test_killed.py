"""The real bot killed with SIGKILL in the middle of a burst of reports, and started again.

What Telegram was told is what counts: an update is acknowledged once a getUpdates asked for an
offset past it. Every acknowledged report already has its ticket when the process dies; after
the restart every report has one, and none has two."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Person, ProcessedUpdate, TicketReporter
from tests.e2e.test_restart import ROOT, start_bot
from tests.fakebotapi import message_update
from tests.faults.support import report_text

pytestmark = pytest.mark.faults
RESIDENTS = range(5001, 5241)


async def reports_by_resident(db_url: str) -> tuple[Counter[int], set[int]]:
    """How many tickets each resident reported, and the update ids that were processed."""
    database = Database(db_url)
    try:
        async with database.sessionmaker() as session:
            reporters = Counter((await session.scalars(
                select(Person.telegram_id).join(TicketReporter,
                                                TicketReporter.person_id == Person.id)
            )).all())
            processed = set((await session.scalars(select(ProcessedUpdate.update_id))).all())
    finally:
        await database.dispose()
    return reporters, processed


async def test_every_acknowledged_report_has_its_ticket_and_none_has_two(fake, tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TELEGRAM_"))},
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
        "DATABASE_URL": db_url, "INTAKE_PACING": "false", "INTAKE_OUTBOX_LEASE": "1",
        "INTAKE_TEST_HANDLER": "real", "PYTHONPATH": str(ROOT),
    }
    fake.latency = 0.005
    update_of = {chat: fake.add_update(message_update(chat, text=report_text(i)))
                 for i, chat in enumerate(RESIDENTS)}

    first = await start_bot(env)
    await fake.wait_for(lambda: fake.confirmed_offset > min(update_of.values()), timeout=30,
                        what="a first batch acknowledged")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    acknowledged = {chat for chat, uid in update_of.items() if uid < fake.confirmed_offset}
    assert acknowledged and len(acknowledged) < len(RESIDENTS), "the kill missed the burst"

    reporters, processed = await reports_by_resident(db_url)
    assert {update_of[chat] for chat in acknowledged} <= processed
    assert all(reporters[chat] == 1 for chat in acknowledged), "acknowledged, yet no ticket"

    second = await start_bot(env)
    await fake.wait_for(lambda: fake.confirmed_offset > max(update_of.values()), timeout=60,
                        what="every update acknowledged")
    await fake.wait_for(
        lambda: all(any("#" in (d.text or "") for d in fake.to_chat(chat)) for chat in RESIDENTS),
        timeout=30, what="every resident told their ticket number")
    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), 15) == 0

    reporters, processed = await reports_by_resident(db_url)
    assert set(update_of.values()) <= processed
    assert {chat: reporters[chat] for chat in RESIDENTS} == dict.fromkeys(RESIDENTS, 1)
