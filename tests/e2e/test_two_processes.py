"""Two bot processes behind one webhook URL on one PostgreSQL, as a city deployment runs them.

Each report is POSTed to one process, and a third of them to the other as well (Telegram
redelivers an update whose answer it missed, possibly to another process): no ticket is opened
twice, no outbox row is sent twice, every update is processed once."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import uuid
from collections import Counter

import aiohttp
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import OutboxRow, Person, ProcessedUpdate, Ticket, TicketReporter
from tests.e2e.test_restart import ROOT
from tests.fakebotapi import message_update
from tests.faults.support import free_port, report_text
from tests.storage.backends import require_postgres
from tests.storage.builders import LONGQUAN_GROUP, seed_street

pytestmark = pytest.mark.postgres
RESIDENTS = range(6001, 6081)
SECRET = "two-processes-secret"


async def start(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.botproc", cwd=ROOT,
        env={**env, "INTAKE_TEST_WEBHOOK_PORT": str(port)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    if line.strip() != b"ready":
        _, err = await process.communicate()
        raise AssertionError(f"the bot did not start: {err.decode()[-2000:]}")
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise AssertionError("the webhook never answered")


async def test_two_processes_on_one_postgresql_do_everything_once(fake, tmp_path):
    url = await require_postgres()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    database = Database(url, schema=schema, pool_size=2)
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TELEGRAM_"))},
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
        "DATABASE_URL": url, "INTAKE_TEST_SCHEMA": schema, "INTAKE_TEST_HANDLER": "real",
        "INTAKE_PACING": "false", "INTAKE_WEBHOOK_SECRET": SECRET, "PYTHONPATH": str(ROOT),
    }
    processes: list[asyncio.subprocess.Process] = []
    try:
        ports = [free_port(), free_port()]
        processes.append(await start(env, ports[0]))  # the first creates the tables
        async with database.sessionmaker() as session, session.begin():
            await seed_street(session)
        processes.append(await start(env, ports[1]))
        hooks = [f"http://127.0.0.1:{port}/hook" for port in ports]

        fake.latency = 0.002
        rng = random.Random(9)
        posts = []
        for i, chat in enumerate(RESIDENTS):
            update = message_update(chat, text=report_text(i))
            update["update_id"] = 70_000 + i
            first = rng.randrange(2)
            posts.append((update, hooks[first]))
            if i % 3 == 0:
                posts.append((update, hooks[1 - first]))
        rng.shuffle(posts)
        limit = asyncio.Semaphore(16)

        async def post(update, hook):
            async with limit:
                return await fake.post_webhook(update, url=hook, secret=SECRET)

        statuses = await asyncio.gather(*(post(u, h) for u, h in posts))
        assert set(statuses) == {200}

        def told_ticket(chat: int) -> bool:
            return any("#" in (d.text or "") for d in fake.to_chat(chat))

        await fake.wait_for(lambda: all(told_ticket(chat) for chat in RESIDENTS), timeout=60,
                            what="every resident told their ticket number")
        for _ in range(300):  # the cards in the groups too
            async with database.sessionmaker() as session:
                statuses = set((await session.scalars(select(OutboxRow.status))).all())
            if statuses == {"sent"}:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything sent twice would arrive by now
        assert fake.to_chat(LONGQUAN_GROUP), "no card reached the grid's group"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), 15)

    try:
        async with database.sessionmaker() as session:
            processed = (await session.scalars(select(ProcessedUpdate.update_id))).all()
            reporters = Counter((await session.scalars(
                select(Person.telegram_id).join(TicketReporter,
                                                TicketReporter.person_id == Person.id))).all())
            tickets = (await session.scalars(select(Ticket.id))).all()
            outbox = (await session.scalars(select(OutboxRow))).all()
    finally:
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await database.dispose()

    assert sorted(processed) == [70_000 + i for i in range(len(RESIDENTS))]
    assert {chat: reporters[chat] for chat in RESIDENTS} == dict.fromkeys(RESIDENTS, 1)
    assert len(tickets) == len(RESIDENTS), "a ticket opened twice, or two reports merged"
    assert {row.status for row in outbox} == {"sent"}
    sends = Counter((d.chat_id, d.method, d.text) for d in fake.delivered
                    if d.method.startswith("send"))
    twice = {key: n for key, n in sends.items() if n > 1}
    assert not twice, f"sent twice: {twice}"
    assert sum(sends.values()) == sum(1 for row in outbox if row.method.startswith("send"))
