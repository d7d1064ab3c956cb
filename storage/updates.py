"""Idempotency: a Telegram update is processed once, however often it is delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


def insert_ignoring_conflicts(
    session: AsyncSession, table: Table | Any, index_elements: list[str]
) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's backend."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=index_elements)


async def first_time(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record `update_id` in the caller's transaction; False when it was already processed.

    Race-safe: of two concurrent transactions with the same id, one inserts and the other
    (on PostgreSQL after waiting for the first to commit) inserts nothing and gets False. If the
    caller's transaction rolls back, the id is not recorded and a redelivery is processed.
    """
    table = ProcessedUpdate.__table__
    stmt = insert_ignoring_conflicts(session, table, ["update_id"])
    stmt = stmt.values(update_id=update_id, at=now).returning(table.c.update_id)
    result = await session.execute(stmt)
    return result.first() is not None
