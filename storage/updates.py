"""Idempotency: a Telegram update is processed once, however often it is delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import core
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
    stmt = _FIRST_TIME[session.get_bind().dialect.name == "postgresql"]
    result = await core.execute(session, stmt, {"update_id": update_id, "at": now})
    return result.first() is not None


def _first_time(module: Any) -> Any:
    table: Any = ProcessedUpdate.__table__
    return (module.insert(table).on_conflict_do_nothing(index_elements=["update_id"])
            .returning(table.c.update_id))


# Built once: every update runs it (False: SQLite, True: PostgreSQL).
_FIRST_TIME = {False: _first_time(sqlite), True: _first_time(postgresql)}
