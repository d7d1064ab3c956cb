"""The same Telegram update twice changes nothing the second time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage.db import Database
from storage.updates import first_time

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


async def test_an_update_is_new_once(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        assert await first_time(session, 1001, T0) is True
        assert await first_time(session, 1001, T0) is False
    async with database.sessionmaker() as session, session.begin():
        assert await first_time(session, 1001, T0) is False
        assert await first_time(session, 1002, T0) is True


async def test_a_rolled_back_update_is_processed_again(database: Database) -> None:
    async with database.sessionmaker() as session:
        assert await first_time(session, 7, T0) is True
        await session.rollback()
    async with database.sessionmaker() as session, session.begin():
        assert await first_time(session, 7, T0) is True


async def test_two_concurrent_deliveries_one_wins(database: Database) -> None:
    async def deliver() -> bool:
        async with database.sessionmaker() as session, session.begin():
            seen = await first_time(session, 42, T0)
            await asyncio.sleep(0.05)  # hold the transaction open while the other tries
            return seen

    results = await asyncio.gather(deliver(), deliver())
    assert sorted(results) == [False, True]
