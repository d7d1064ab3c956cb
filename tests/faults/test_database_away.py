"""The database taken away for a moment: `handle` writes nothing and raises `Unavailable`, and the
same update handled again after the database is back is processed, once.

SQLite: another connection holds the write lock beyond the busy timeout. PostgreSQL: a port
nothing listens on, and our own connections terminated in the middle of a transaction (the
machine's server is never stopped)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy import event

from handlers.app import Services, Unavailable, handle
from storage.db import Database
from tests.faults.support import counts, report, report_text, sqlite_write_locked
from tests.storage.backends import close_database, open_database

pytestmark = pytest.mark.faults
RESIDENT = 4001


async def test_sqlite_locked_beyond_the_busy_timeout_writes_nothing_and_retries_cleanly(
    tmp_path, classifier
):
    path = tmp_path / "locked.db"
    database = Database(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=50)
    await database.upgrade()
    services = Services.build(database.sessionmaker, classifier)
    try:
        event_ = report(RESIDENT, report_text(0))
        with sqlite_write_locked(path), pytest.raises(Unavailable):
            await handle(event_, services)
        assert await counts(database) == dict(updates=0, tickets=0, events=0, outbox=0,
                                              reporters=0)

        await handle(event_, services)  # Telegram delivers it again
        after = await counts(database)
        assert after["updates"] == 1 and after["tickets"] == 1
        await handle(event_, services)  # and once more: nothing changes
        assert await counts(database) == after
    finally:
        await database.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


async def test_sqlite_locked_until_the_apology_could_write_is_still_unavailable(
    tmp_path, classifier
):
    """The lock outlasts the update's wait and is gone by the time an apology would wait for
    it: the update must still read as the database away (not be recorded with an apology)."""
    path = tmp_path / "locked-briefly.db"
    database = Database(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=200)
    await database.upgrade()
    services = Services.build(database.sessionmaker, classifier)
    try:
        with sqlite_write_locked(path):
            loop = asyncio.get_running_loop()
            handled = loop.create_task(handle(report(RESIDENT, report_text(1)), services))
            await asyncio.sleep(0.3)  # the update's BEGIN gave up at 0.2 s...
        with pytest.raises(Unavailable):  # ...and nothing was written after the lock went
            await handled
        assert await counts(database) == dict(updates=0, tickets=0, events=0, outbox=0,
                                              reporters=0)
    finally:
        await database.dispose()


async def test_postgresql_unreachable_is_unavailable(classifier):
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/test")
    services = Services.build(database.sessionmaker, classifier)
    try:
        with pytest.raises(Unavailable):
            await handle(report(RESIDENT, report_text(1)), services)
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_postgresql_connection_killed_mid_transaction_loses_nothing(tmp_path, classifier):
    """pg_terminate_backend on our own connection, in the middle of the update's transaction:
    what a restarted server does to every open connection."""
    database = await open_database("postgres", str(tmp_path))
    services = Services.build(database.sessionmaker, classifier)
    kills = {"left": 1}

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def terminate_once(conn, cursor, statement, parameters, context, executemany):
        if kills["left"] and "INSERT INTO tickets" in statement.replace('"', ""):
            kills["left"] -= 1
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    try:
        event_ = report(RESIDENT, report_text(2))
        with pytest.raises(Unavailable):
            await handle(event_, services)
        assert kills["left"] == 0, "the transaction never reached the ticket"
        assert (await counts(database))["updates"] == 0

        await handle(event_, services)  # the redelivery, on a fresh connection
        await handle(event_, services)
        after = await counts(database)
        assert after["updates"] == 1 and after["tickets"] == 1
    finally:
        await close_database(database)
