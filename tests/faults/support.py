"""What the fault tests share: residents' reports as events, a SQLite write lock held by another
connection, and counts of what the database holds."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from handlers.events import Incoming, Person
from storage.db import READ_ONLY, Database
from storage.models import OutboxRow, ProcessedUpdate, Ticket, TicketEvent, TicketReporter

_update_ids = itertools.count(50_000)

# Reports the classifier reads at once (a category and a place), so each opens a ticket.
PLACES = ["龙泉小区", "团结西路", "幸福花园", "光明小区", "和平里"]
PROBLEMS = ["楼道灯坏了", "垃圾三天没人收了", "井盖丢了很危险", "下水道堵了", "电梯坏了"]


def report_text(i: int) -> str:
    """A distinct report per `i`: its own building, so none is a duplicate of another."""
    return f"{PLACES[i % len(PLACES)]}{i + 1}号楼{PROBLEMS[(i // 5) % len(PROBLEMS)]}"


def report(chat_id: int, text: str, *, update_id: int | None = None) -> Incoming:
    return Incoming(
        update_id=next(_update_ids) if update_id is None else update_id, chat_id=chat_id,
        chat_type="private", sender=Person(chat_id, "张三"), kind="text",
        at=datetime.now(UTC), message_id=next(_update_ids), text=text,
    )


@contextlib.contextmanager
def sqlite_write_locked(path: Path) -> Iterator[None]:
    """Another connection holds SQLite's write lock (BEGIN EXCLUSIVE) until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


async def counts(database: Database) -> dict[str, int]:
    """Rows of what an update leaves behind."""
    async with database.sessionmaker() as session:
        if database.is_sqlite:  # a reader: no write lock at BEGIN (the lock may be held)
            await session.connection(execution_options=READ_ONLY)
        result = {}
        for name, model in (("updates", ProcessedUpdate), ("tickets", Ticket),
                            ("events", TicketEvent), ("outbox", OutboxRow),
                            ("reporters", TicketReporter)):
            result[name] = int((await session.execute(
                select(func.count()).select_from(model))).scalar_one())
        return result
