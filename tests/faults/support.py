"""What the fault tests share: residents' reports as events, a SQLite write lock held by another
connection, and counts of what the database holds."""

from __future__ import annotations

import contextlib
import itertools
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.app import IntakeBot, Webhook
from bot.pacing import Limits
from handlers.events import Incoming, Person
from storage.db import READ_ONLY, Database
from storage.models import OutboxRow, ProcessedUpdate, Ticket, TicketEvent, TicketReporter
from tests.e2e.support import serving, settings_for

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def running_bot(fake, framework, tmp_path, classifier,
                      webhook: Webhook | None = None) -> AsyncIterator[IntakeBot]:
    """The real bot on the fake Bot API server, on a SQLite file with a 50 ms busy timeout."""
    path = tmp_path / "bot.db"
    settings = settings_for(fake.base_url, fake.token, path, framework)
    database = Database(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=50)
    bot = IntakeBot(settings, classifier=classifier, limits=Limits.unlimited(),
                    dispatcher_options={"sweep_every": 0.2, "backoff_base": 0.05},
                    database=database)
    async with serving(bot, fake, webhook):
        yield bot
