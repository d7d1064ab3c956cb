"""Migrations: the stairway (up, down, up) and that they build exactly what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import Database, alembic_config
from storage.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_stairway_each_revision_up_down_up(empty_database: Database) -> None:
    db = empty_database
    previous = "base"
    for revision in _revisions():
        await db.upgrade(revision)
        await db.downgrade(previous)
        await db.upgrade(revision)
        assert await db.current_revision() == revision
        previous = revision
    assert {"tickets", "outbox", "processed_updates"} <= await _tables(db)
    await db.downgrade("base")
    assert await _tables(db) <= {"alembic_version"}


async def test_upgrade_twice_changes_nothing(empty_database: Database) -> None:
    await empty_database.upgrade()
    await empty_database.upgrade()
    assert await empty_database.current_revision() == _revisions()[-1]


async def test_migrations_match_the_models(empty_database: Database) -> None:
    await empty_database.upgrade()

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with empty_database.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []
