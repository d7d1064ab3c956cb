"""Core statements on the hot path, run on SQLite without SQLAlchemy's per-call machinery.

`session.execute` costs about 100 µs per statement on this machine before the database does
anything (greenlet spawn, execution context, result object, events), while the statement itself
on a local SQLite file takes a few µs; an update runs about ten, so half of an update's time went
to that machinery (`bench/pipeline.py`). `execute` here runs a prebuilt Core statement on the
session's own connection, in its transaction, as SQLAlchemy would: compiled once per statement
and set of parameter names, the types' bind and result processors applied (UTC datetimes, JSON),
SQLITE_BUSY handled by the connection (`storage.db`). On other backends (PostgreSQL) it is
`session.execute`. Both give back a `Rows`.

For statements built once (at import): the compiled form is kept per statement object. The
session's pending changes are flushed first, as `session.execute` would (autoflush); rows read
here become ORM objects only through `loaded` / `attach`, and an UPDATE here does not refresh
objects the session holds, so it is not for rows loaded as objects in the same transaction. A
statement whose execution needs SQLAlchemy (Python-side column defaults to prefetch) is refused
when first compiled: run it with `session.execute`.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Executable, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers, make_transient_to_detached

from storage.db import _OneTripConnection

_Model = TypeVar("_Model")


@dataclass(slots=True)
class Rows:
    """The rows of a statement (named tuples: `row.chat_id`, or SQLAlchemy's `Row` on other
    backends) and its counts."""

    rows: Sequence[Any] = ()
    rowcount: int = -1
    lastrowid: int | None = None
    _result: Any = field(default=None, repr=False)  # SQLAlchemy's result, other backends

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def all(self) -> list[Any]:
        return list(self.rows)

    def first(self) -> Any | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any | None:
        return self.rows[0][0] if self.rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]

    @property
    def inserted_primary_key(self) -> tuple[Any, ...]:
        """The new row's key, of a one-row INSERT."""
        if self._result is not None:
            return tuple(self._result.inserted_primary_key)
        return (self.lastrowid,)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the order of the statement's ?s
    binds: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the columns that need processing
    constants: Mapping[str, Any]  # values the statement carries itself (IN lists, literals)
    expanding: Any = None  # SQLAlchemy's compiled statement, when it must expand on every call
    row: Any = tuple  # rows as named tuples (row.chat_id), as SQLAlchemy's rows read


_CACHE_SIZE = 500
_compiled: dict[tuple[int, frozenset[str]], tuple[Executable, _Compiled]] = {}


def _compile(stmt: Executable, keys: frozenset[str], dialect: Dialect) -> _Compiled:
    compiled: Any = stmt.compile(dialect=dialect, column_keys=sorted(keys))
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a statement with Python-side defaults to prefetch needs "
                         "session.execute")
    # Expanding parameters (IN lists) the statement carries are rendered once; one given as a
    # parameter is rendered on every call (`_expanded`).
    if {param.key for param in compiled.post_compile_params} & keys:
        return _Compiled("", (), (), _results(stmt, dialect), {}, compiled, _row_type(stmt))
    expanded = compiled.construct_expanded_state(
        {key: None for key in keys}, escape_names=False)
    names = tuple(expanded.positiontup or ())
    processors = {**compiled._bind_processors, **expanded.processors}
    binds = tuple(processors.get(name) for name in names)
    constants = {name: value for name, value in expanded.parameters.items()
                 if name not in keys}
    return _Compiled(expanded.statement, names, binds, _results(stmt, dialect), constants,
                     row=_row_type(stmt))


def _row_type(stmt: Executable) -> Any:
    keys = [column.key for column in getattr(stmt, "exported_columns", ()) or ()]
    return namedtuple("Row", keys, rename=True) if keys else tuple  # type: ignore[misc]  # noqa: PYI024


def _results(stmt: Executable, dialect: Dialect) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    columns = list(getattr(stmt, "exported_columns", ()) or ())
    found = ((index, column.type.dialect_impl(dialect).result_processor(dialect, None))
             for index, column in enumerate(columns))
    return tuple((index, process) for index, process in found if process is not None)


def _expanded(compiled: _Compiled, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The SQL and its values for a statement with an IN list given as a parameter."""
    state = compiled.expanding.construct_expanded_state(dict(params), escape_names=False)
    processors = {**compiled.expanding._bind_processors, **state.processors}
    values = []
    for name in state.positiontup or ():
        process, value = processors.get(name), state.parameters[name]
        values.append(value if process is None else process(value))
    return state.statement, values


def _prepared(stmt: Executable, keys: frozenset[str], dialect: Dialect) -> _Compiled:
    key = (id(stmt), keys)
    cached = _compiled.get(key)
    if cached is None or cached[0] is not stmt:
        if len(_compiled) >= _CACHE_SIZE:  # statements built on every call: not for here
            _compiled.clear()
        cached = (stmt, _compile(stmt, keys, dialect))
        _compiled[key] = cached
    return cached[1]


async def _driver(session: AsyncSession) -> _OneTripConnection | None:
    """The SQLite connection behind the session's transaction (begun if it was not); None for
    a connection `storage.db` did not make."""
    transaction = session.sync_session.get_transaction()
    info = session.info
    held = info.get("core.driver")
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1]
    connection = await session.connection()
    driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    if not isinstance(driver, _OneTripConnection):  # an engine not made by storage.db
        driver = None
    info["core.driver"] = (session.sync_session.get_transaction(), driver)
    return driver


async def execute(session: AsyncSession, stmt: Executable,
                  params: Mapping[str, Any] | None = None) -> Rows:
    """Run `stmt` with `params` in the session's transaction; see the module's docstring."""
    params = params or {}
    dialect = (session.bind or session.get_bind()).dialect
    driver = await _driver(session) if dialect.name == "sqlite" else None
    if driver is None:
        result: Any = await session.execute(stmt, dict(params))
        # A SELECT comes back as the ORM's result (no rowcount), DML as a CursorResult.
        rows = result.all() if getattr(result, "returns_rows", True) else []
        return Rows(rows, getattr(result, "rowcount", -1), None, result)
    transaction = session.sync_session.get_transaction()
    if transaction is not None and not transaction.is_active:  # as session.execute refuses
        raise PendingRollbackError("the session's transaction was rolled back")
    if not session.sync_session._is_clean():  # autoflush, as session.execute does
        await session.flush()
    compiled = _prepared(stmt, frozenset(params), dialect)
    if compiled.expanding is not None:
        sql, values = _expanded(compiled, params)
    else:
        sql, values = compiled.sql, []
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            value = params[name] if name in params else compiled.constants.get(name)
            values.append(value if process is None else process(value))

    def run() -> tuple[list[Any], int, int | None]:
        cursor = driver._conn.cursor()
        try:
            cursor.execute(sql, values)
            fetched = cursor.fetchall() if cursor.description else []
            return fetched, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()

    try:
        fetched, rowcount, lastrowid = await driver.run(run)
    except sqlite3.Error as exc:  # as SQLAlchemy raises them (handlers.app reads them)
        raise DBAPIError.instance(sql, values, exc, sqlite3.Error) from exc
    if fetched:
        make = compiled.row._make if compiled.row is not tuple else tuple
        if compiled.results:
            fetched = [make(_processed(row, compiled.results)) for row in fetched]
        elif make is not tuple:
            fetched = [make(row) for row in fetched]
    return Rows(fetched, rowcount, lastrowid)


async def execute_many(session: AsyncSession, stmt: Executable,
                       rows: Sequence[Mapping[str, Any]]) -> None:
    """`stmt` once for each of `rows` (their keys alike), in the session's transaction. On
    SQLite one statement at a time on the loop's thread (each one alone is safe to run again on
    SQLITE_BUSY, which an executemany in the thread was not); elsewhere one executemany."""
    if not rows:
        return
    dialect = (session.bind or session.get_bind()).dialect
    if dialect.name == "sqlite" and await _driver(session) is not None:
        for row in rows:
            await execute(session, stmt, row)
        return
    await session.execute(stmt, [dict(row) for row in rows])


def _processed(row: tuple[Any, ...],
               processors: tuple[tuple[int, Callable[[Any], Any]], ...]) -> list[Any]:
    values = list(row)
    for index, process in processors:
        values[index] = process(values[index])
    return values


def attach(session: AsyncSession, model: type[_Model], values: Mapping[str, Any]) -> _Model:
    """The ORM object of a row inserted or read with Core, put into the session as persistent
    without a query: later changes to it are flushed as UPDATEs. Its attributes are set as a
    query's rows set them (no change history: building an object through its constructor cost
    more than the statement); a column missing from `values` is None (an unloaded one would
    need a lazy load, impossible here)."""
    mapper: Any = inspect(model)
    if not mapper.configured:  # a constructor would have configured the mappers
        configure_mappers()
    row = mapper.class_manager.new_instance()
    state = row.__dict__
    for key in mapper.columns.keys():
        state[key] = values.get(key)
    make_transient_to_detached(row)
    session.add(row)
    return row  # type: ignore[no-any-return]


def loaded(session: AsyncSession, model: type[_Model], columns: Sequence[str],
           row: Sequence[Any]) -> _Model:
    """The ORM object of a row read with Core (every column of `model`'s table, in `columns`'
    order): the one the session already holds, as an ORM query would give, else a new one
    attached (`attach`)."""
    values = dict(zip(columns, row, strict=True))
    mapper: Any = inspect(model)
    key = mapper.identity_key_from_primary_key(
        tuple(values[column.key] for column in mapper.primary_key))
    held = session.sync_session.identity_map.get(key)
    if held is not None:
        return held  # type: ignore[no-any-return]
    return attach(session, model, values)
