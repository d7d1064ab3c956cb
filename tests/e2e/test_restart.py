"""The bot killed with SIGKILL in the middle of a burst, and started again: every update is
handled once, every reply is delivered, and only calls cut off by the kill may repeat."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import OutboxRow, ProcessedUpdate
from tests.fakebotapi import message_update

ROOT = Path(__file__).resolve().parents[2]
RESIDENTS = range(2001, 2031)
PER_RESIDENT = 10


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.botproc", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    if line.strip() != b"ready":
        _, err = await process.communicate()
        raise AssertionError(f"the bot did not start: {err.decode()[-2000:]}")
    return process


@pytest.mark.slow
async def test_killed_mid_burst_and_restarted_delivers_everything_once(fake, tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TELEGRAM_"))},
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
        "DATABASE_URL": db_url, "INTAKE_PACING": "false", "INTAKE_OUTBOX_LEASE": "1",
        "PYTHONPATH": str(ROOT),
    }
    fake.latency = 0.005
    expected = set()
    for i in range(PER_RESIDENT):
        for chat in RESIDENTS:
            fake.add_update(message_update(chat, text=f"{chat}-{i}"))
            expected.add(f"收到：{chat}-{i}")

    first = await start_bot(env)
    await fake.wait_for(lambda: len(fake.delivered) >= 60, timeout=30, what="60 replies")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    delivered_before = len(fake.delivered)
    assert delivered_before < len(expected), "the burst ended before the kill"

    second = await start_bot(env)
    await fake.wait_for(lambda: {d.text for d in fake.delivered} >= expected, timeout=60,
                        what="every reply")
    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), 15) == 0

    counts = Counter(d.text for d in fake.delivered)
    assert set(counts) == expected
    repeated = sum(n - 1 for n in counts.values())
    assert repeated <= 64, "only calls in flight at the kill (at most 64) may repeat"
    for chat in RESIDENTS:
        first_seen = list(dict.fromkeys(d.text for d in fake.to_chat(chat)))
        assert first_seen == [f"收到：{chat}-{i}" for i in range(PER_RESIDENT)]

    database = Database(db_url)
    try:
        async with database.sessionmaker() as session:
            rows = (await session.execute(select(func.count()).select_from(OutboxRow))).scalar()
            updates = (await session.execute(
                select(func.count()).select_from(ProcessedUpdate))).scalar()
            statuses = set((await session.scalars(select(OutboxRow.status))).all())
    finally:
        await database.dispose()
    assert rows == updates == len(expected), "each update handled once, one reply each"
    assert statuses == {"sent"}
