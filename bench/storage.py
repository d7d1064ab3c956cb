"""Tickets opened per second end to end through `handlers.tickets.open_ticket`.

Each ticket is one transaction: the ticket, its reporter, the 'opened' event, the card for the
grid's group and the resident's confirmation in the outbox, committed. Sequential (one use case
at a time, as one bot process does) and with several concurrent tasks.
Target (issue 3): >= 500 tickets/s on SQLite on a 2-core machine.

    .venv/bin/python bench/storage.py [--tickets N] [--concurrency C] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.tickets import open_ticket  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Grid, GroupChat, Person  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


async def prepare(database: Database) -> tuple[Grid, list[Person]]:
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.sessionmaker() as session, session.begin():
        grid = Grid(name="龙泉网格", places=["龙泉小区"], is_default=True, created_at=T0)
        session.add(grid)
        await session.flush()
        session.add(GroupChat(chat_id=-100, role="grid", grid_id=grid.id, bound_at=T0))
        people = [Person(telegram_id=1000 + i, display_name=f"居民{i}", created_at=T0)
                  for i in range(50)]
        session.add_all(people)
    return grid, people


async def run(database: Database, tickets: int, concurrency: int) -> tuple[float, float]:
    """(tickets per second, CPU milliseconds per ticket, all threads of this process)."""
    grid, people = await prepare(database)
    counter = iter(range(tickets))

    async def worker() -> None:
        for i in counter:
            async with database.sessionmaker() as session, session.begin():
                await open_ticket(
                    session, reporter=people[i % len(people)], category="sanitation",
                    text=f"龙泉小区{i % 30 + 1}号楼下垃圾三天没人收", location_text="龙泉小区",
                    grid=grid, now=datetime.now(UTC), confidence=0.9)

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return tickets / elapsed, cpu / tickets * 1000


async def bench_sqlite(tickets: int, concurrency: int, connections: int | None,
                       repeats: int) -> None:
    for tasks in sorted({1, concurrency}):
        rates = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                database = Database(f"sqlite+aiosqlite:///{tmp}/bench.db",
                                    sqlite_connections=connections)
                try:
                    rates.append(await run(database, tickets, tasks))
                finally:
                    await database.dispose()
        best, cpu = max(rates)
        verdict = "ok" if best >= 500 else "below the 500/s target"
        print(f"SQLite (file, WAL)   {tasks:>2} task(s): best {best:6.0f} tickets/s, "
              f"{cpu:.2f} ms CPU/ticket (runs: {', '.join(f'{r:.0f}' for r, _ in rates)})"
              f"   {verdict}")


async def bench_postgres(url: str, tickets: int, concurrency: int) -> None:
    for tasks in sorted({1, concurrency}):
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        database = Database(url, schema=schema, pool_size=max(5, tasks))
        try:
            async with database.engine.begin() as conn:
                await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        except Exception as exc:  # noqa: BLE001
            await database.dispose()
            print(f"PostgreSQL skipped: {url} unreachable ({type(exc).__name__}: {exc})")
            return
        try:
            rate, cpu = await run(database, tickets, tasks)
            print(f"PostgreSQL (asyncpg) {tasks:>2} task(s): {rate:6.0f} tickets/s, "
                  f"{cpu:.2f} ms CPU/ticket in this process")
        finally:
            async with database.engine.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="SQLite runs; the best counts")
    parser.add_argument("--sqlite-connections", type=int, default=None,
                        help="SQLite pool size (default: storage.db's)")
    parser.add_argument("--postgres", default=os.environ.get("INTAKE_TEST_POSTGRES_URL",
                                                             DEFAULT_POSTGRES))
    args = parser.parse_args()
    print(f"open_ticket end to end, {args.tickets} tickets, one transaction each "
          "(ticket + reporter + event + card + confirmation); "
          f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    asyncio.run(bench_sqlite(args.tickets, args.concurrency, args.sqlite_connections,
                             args.repeats))
    asyncio.run(bench_postgres(args.postgres, args.tickets, args.concurrency))


if __name__ == "__main__":
    main()
