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

`sqlite_connections` caps SQLite's pool (default: SQLAlchemy's). One connection makes sessions
queue in the pool instead of in SQLite's busy handler, which sleeps; but a session opened while
another is held then waits for it, so it is not the default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
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
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine, busy_timeout_ms, sqlite_synchronous)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

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


def _tune_sqlite(engine: AsyncEngine, busy_timeout_ms: int, synchronous: str) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode survives a killed process; only a power cut can lose the last
        # commits. FULL fsyncs every commit.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
