"""The database: an async engine and session factory built from a URL, and migrations.

SQLite (the default) is tuned for one bot process: WAL so readers never wait for the writer,
a busy timeout instead of instant "database is locked", foreign keys on, and every transaction
opened with `BEGIN IMMEDIATE`. The last one matters: a deferred transaction that reads and then
writes fails at once with SQLITE_BUSY when another writer committed in between (the busy timeout
does not apply to that upgrade), so two concurrent use cases would break each other. Taking the
write lock at BEGIN serialises writers cleanly; readers that want no lock pass the execution
option `sqlite_begin="DEFERRED"` (see `read_only`).

PostgreSQL (asyncpg) is for deployments with several bot processes; `schema` puts every table
in one schema (tests use a fresh schema each).

SQLite statements run on the event loop's thread, and only wait in aiosqlite's thread. A call
into that thread costs a thread switch with the GIL handed over twice, which costs more than
the statement itself (about a quarter of an update's CPU, `bench/pipeline.py`): a statement
on a local file takes microseconds unless it has to wait for another connection's lock. So the
connection's own busy timeout is 0 and `_OneTrip` runs each statement (and COMMIT, ROLLBACK) at
once; when SQLite answers "database is locked" it runs it again in the connection's thread with
the configured busy timeout, so waiting for a lock never blocks the loop. Running it again is
safe because with WAL and `BEGIN IMMEDIATE` only BEGIN meets another writer's lock, and a BEGIN
that failed began nothing; `executemany` always goes to the thread (a lock met half-way would
leave part of it done). What this trades: everything else SQLite does now runs on the loop's
thread too: long read-only queries (statistics) and, every 1,000 WAL pages, the automatic
checkpoint that a COMMIT runs, with its fsync. On a bot's small, cached database these take
milliseconds; moving COMMIT to the thread cost up to 0.5 ms of CPU per update when tried, so it is
not done.

`sqlite_connections` caps SQLite's pool (default: SQLAlchemy's). One connection makes sessions
queue in the pool instead of in SQLite's busy handler, which sleeps; but a session opened while
another is held then waits for it, so it is not the default.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"

# Read-only work (statistics, listings) on SQLite: no write lock at BEGIN.
READ_ONLY = {"sqlite_begin": "DEFERRED"}

_T = TypeVar("_T")


class Database:
    """One engine and one session factory per process, built by the composition root."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        schema: str | None = None,
        busy_timeout_ms: int = 10_000,
        sqlite_synchronous: str = "NORMAL",
        pool_size: int = 5,
        sqlite_connections: int | None = None,
    ) -> None:
        self.url = make_url(url)
        self.schema = schema
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._busy_timeout_ms = busy_timeout_ms
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database or ""
            if database in ("", ":memory:"):
                raise ValueError(
                    "SQLite needs a file (WAL mode, several connections): "
                    "sqlite+aiosqlite:///intake.db"
                )
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            if sqlite_connections is not None:
                kwargs["pool_size"] = sqlite_connections
                kwargs["max_overflow"] = 0
        else:
            kwargs["pool_size"] = pool_size
            kwargs["pool_pre_ping"] = True
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        if self.is_sqlite:
            kwargs["async_creator"] = self._connect_sqlite
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine, sqlite_synchronous)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    async def _connect_sqlite(self) -> aiosqlite.Connection:
        """aiosqlite's connection with `_OneTrip` cursors, opened as the URL says."""
        args, options = self.engine.dialect.create_connect_args(self.url)
        # Opened in aiosqlite's thread, used from the loop's: one at a time (see _OneTrip).
        options = {**options, "check_same_thread": False}
        connection = _OneTripConnection(lambda: sqlite3.connect(*args, **options), 64)
        connection.busy_timeout_ms = self._busy_timeout_ms
        return await connection

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def upgrade(self, revision: str = "head") -> None:
        """Create or upgrade the schema to `revision` with Alembic (the app calls it on start)."""
        await self._alembic("upgrade", revision)

    async def downgrade(self, revision: str) -> None:
        await self._alembic("downgrade", revision)

    async def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        def current(sync_conn: Connection) -> str | None:
            opts = {"version_table_schema": self.schema} if self.schema else {}
            return MigrationContext.configure(sync_conn, opts=opts).get_current_revision()

        async with self.engine.connect() as conn:
            return await conn.run_sync(current)

    async def _alembic(self, command_name: str, revision: str) -> None:
        from alembic import command

        config = alembic_config()

        def run(sync_conn: Connection) -> None:
            config.attributes["connection"] = sync_conn
            config.attributes["schema"] = self.schema
            getattr(command, command_name)(config, revision)

        async with self.engine.begin() as conn:
            await conn.run_sync(run)

    async def dispose(self) -> None:
        await self.engine.dispose()



def alembic_config() -> Any:
    """Alembic's Config for the packaged migrations, wherever the package is installed."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


class _OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection, its statements run at once and only waits for a lock sent to
    its thread (see the module's docstring). The sqlite3 connection is used by one thread at
    a time: the loop's, or the worker's while the loop awaits it; while anything of the
    connection is in the worker's queue, everything after it goes there too, in order."""

    busy_timeout_ms = 0  # how long a statement that met a lock waits for it, in the thread
    _queued = 0  # calls of this connection in the worker's queue

    def cursor(self) -> _OneTrip:  # type: ignore[override]
        return _OneTrip(self)

    async def commit(self) -> None:
        await self.run(lambda: self._conn.commit())

    async def rollback(self) -> None:
        await self.run(lambda: self._conn.rollback())

    async def run(self, work: Callable[[], _T], *, wait_only: bool = False) -> _T:
        """`work()` on the loop's thread; if SQLite answers that the database is locked, again
        in the connection's thread, waiting up to the busy timeout for the lock there."""
        if self._connection is None:
            raise ValueError("Connection closed")
        if not wait_only and not self._queued:
            try:
                return work()
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
        self._queued += 1
        try:
            return await self._execute(self._waiting, work)
        finally:
            self._queued -= 1

    def _waiting(self, work: Callable[[], _T]) -> _T:
        self._conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        try:
            return work()
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")


class _OneTrip:
    """The aiosqlite cursor SQLAlchemy drives, doing each statement in one go: execute, fetch
    every row, close; the rows wait here for `fetch*`. SQLAlchemy fetches every row of a
    statement at once anyway (not for `stream()`, which this makes buffered)."""

    arraysize = 1

    def __init__(self, connection: _OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> _OneTrip:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = None) -> _OneTrip:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> _OneTrip:
        return await self._run(sql, parameters, many=True)

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> _OneTrip:
        connection = self._connection

        def run() -> tuple[Any, list[Any], int, int | None]:
            cursor = connection._conn.cursor()
            try:
                if many:
                    cursor.executemany(sql, parameters)
                else:
                    cursor.execute(sql, parameters)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows, self.rowcount, self.lastrowid = (
            await connection.run(run, wait_only=many)
        )
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._rows = []


def _tune_sqlite(engine: AsyncEngine, synchronous: str) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Statements run at once on the loop's thread; a locked one waits in the connection's
        # thread, with the configured timeout (_OneTripConnection.run).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode survives a killed process; only a power cut can lose the last
        # commits. FULL fsyncs every commit.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # On the driver's cursor, not `exec_driver_sql`: every transaction begins here, and
        # SQLAlchemy's execution machinery costs ten times the statement (storage.core).
        # Its errors are SQLAlchemy's, as they would be through exec_driver_sql: "database is
        # locked" past the busy timeout must read as the database away (handlers.app).
        statement = f"BEGIN {mode}"
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc
        finally:
            cursor.close()
