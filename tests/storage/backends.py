"""The `database` fixture: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the one named by INTAKE_TEST_POSTGRES_URL, or this machine's default; when it is
unreachable the PostgreSQL half is skipped, unless INTAKE_REQUIRE_POSTGRES=1 (CI) makes that a
failure. Each PostgreSQL test gets a fresh schema, dropped afterwards.

Test modules outside tests/storage import the fixture: `from tests.storage.backends import
database  # noqa: F401`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.models import Base

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
_reachable: dict[str, str | None] = {}  # url -> None when reachable, else the reason


def postgres_url() -> str:
    return os.environ.get("INTAKE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


async def _check_postgres(url: str) -> str | None:
    if url not in _reachable:
        engine = create_async_engine(url, connect_args={"timeout": 3})
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            _reachable[url] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not here"
            _reachable[url] = f"{type(exc).__name__}: {exc}"
        finally:
            await engine.dispose()
    return _reachable[url]


async def require_postgres() -> str:
    url = postgres_url()
    problem = await _check_postgres(url)
    if problem is not None:
        message = f"PostgreSQL at {url} is unreachable ({problem})"
        if os.environ.get("INTAKE_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + "; INTAKE_REQUIRE_POSTGRES=1 says it must run")
        pytest.skip(message + "; INTAKE_TEST_POSTGRES_URL names the PostgreSQL to use")
    return url


async def open_database(backend: str, tmp_dir: str, *, create: bool = True) -> Database:
    """A fresh, empty database of `backend` ('sqlite' | 'postgres'); tables made if `create`."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_dir}/intake-test.db")
    else:
        url = await require_postgres()
        schema = f"test_{uuid.uuid4().hex[:16]}"
        database = Database(url, schema=schema, pool_size=4)
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    if create:
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    return database


async def close_database(database: Database) -> None:
    if database.schema:
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE')
    await database.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Database]:
    db = await open_database(request.param, str(tmp_path))
    try:
        yield db
    finally:
        await close_database(db)


@pytest.fixture(params=BACKENDS)
async def empty_database(
    request: pytest.FixtureRequest, tmp_path: object
) -> AsyncIterator[Database]:
    """No tables: for migration tests."""
    db = await open_database(request.param, str(tmp_path), create=False)
    try:
        yield db
    finally:
        await close_database(db)
