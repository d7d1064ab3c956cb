"""Alembic environment: runs on a connection handed in by `storage.db.Database`, or, from the
alembic command line, on an engine built from DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    schema = config.attributes.get("schema")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite = copy table
        version_table_schema=schema,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    from storage.db import Database

    database = Database(url)
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_from_url(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///intake.db")))
