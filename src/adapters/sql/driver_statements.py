"""Hot statements run on the database driver's own connection, past SQLAlchemy's execution
layer.

Measured on this project's machine (``bench/``): one primary-key SELECT through an
``AsyncSession`` costs about 400 µs of a worker's time, through asyncpg directly about 130 µs;
a login's three writes with their BEGIN and COMMIT about 770 µs through the session, 440 µs
on its connection's driver. The statements stay SQLAlchemy Core, compiled once per dialect,
with SQLAlchemy's own type processing on the way in and out (UTC datetimes, SQLite's integer
booleans), so SQLite and PostgreSQL run the same code (other drivers go through SQLAlchemy).
Reads run without BEGIN/ROLLBACK on connections kept for them (``ReadConnections``); a
repository's writes, and its reads once its session's transaction has begun, run on the
session's connection, inside the session's transaction (``SessionStatements``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Delete, Dialect, Insert, Select, Update
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from adapters.sql.outage import DRIVER_CONFLICT, UNAVAILABLE, database_unavailable

Processor = Callable[[Any], Any]
DIRECT_DRIVERS = frozenset({"asyncpg", "aiosqlite"})
# Every read is an index-driven keyset page whose plan does not depend on its parameters, so
# the read connections plan each statement once. Left to choose, PostgreSQL re-plans the feed
# on every call: a generic plan's estimate for ``LIMIT $n`` (a tenth of the rows) looks too
# costly next to a custom plan for 21 rows. Planning then took more of the server's CPU than
# running the query (size L feed: 1.9k -> 2.7k req/s with this).
GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"
# A broken constraint, as each driver reports it (SQLAlchemy's IntegrityError wraps it).
_DRIVER_INTEGRITY = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
Writing = Insert | Update | Delete
Builder = Callable[[str], Writing]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    binders: tuple[Processor | None, ...]
    returns_rows: bool
    row: Callable[..., Any]
    processors: tuple[tuple[int, Processor], ...]

    @classmethod
    def of(
        cls, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> _Compiled:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        names = tuple(compiled.positiontup or ())
        columns = list(statement.exported_columns)  # a SELECT's columns, or RETURNING's
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        return cls(
            sql=compiled.string,
            names=names,
            # Constants the compiler made binds of (SQLite's OFFSET); named binds are required.
            defaults={
                name: value
                for name, value in compiled.params.items()
                if not compiled.binds[name].required
            },
            binders=tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            ),
            returns_rows=bool(columns),
            row=namedtuple("Row", [column.key for column in columns] or ["_"], rename=True),
            processors=tuple((i, p) for i, p in enumerate(processors) if p is not None),
        )

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        values = self.defaults | params
        return [
            value if bind is None else bind(value)
            for value, bind in zip([values[name] for name in self.names], self.binders, strict=True)
        ]

    def rows(self, records: Sequence[Any]) -> list[Any]:
        if not self.processors:
            return [self.row(*record) for record in records]
        rows = []
        for record in records:
            fields = list(record)
            for index, process in self.processors:
                fields[index] = process(fields[index])
            rows.append(self.row(*fields))
        return rows


class ReadQuery:
    """A Core SELECT with named ``bindparam``s, compiled once per dialect.

    Rows come back as named tuples with the statement's column keys.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled.of(self.statement, dialect)
        return compiled

    def sql(self, dialect: Dialect) -> str:
        """The statement's text in ``dialect``, as the database receives it (for EXPLAIN,
        pgbench)."""
        return self.compiled(dialect).sql


class WriteStatement:
    """A Core INSERT, UPDATE or DELETE, compiled once per dialect and set of parameters.

    As with SQLAlchemy's ``execute(statement, params)``, parameters named after columns are
    the values to write; the others fill the statement's ``bindparam``s (its WHERE).
    ``build`` makes the statement for a dialect's name when it differs between dialects
    (``ON CONFLICT DO NOTHING``).
    """

    def __init__(self, statement: Writing | None = None, *, build: Builder | None = None) -> None:
        if build is None:
            if statement is None:
                raise TypeError("give a statement or a builder")
            fixed = statement
            build = lambda _dialect: fixed  # noqa: E731
        self._build = build
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def statement(self, dialect: Dialect) -> Writing:
        return self._build(dialect.name)

    def compiled(self, dialect: Dialect, names: tuple[str, ...]) -> _Compiled:
        key = (dialect.name, names)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self.statement(dialect)
            compiled = self._compiled[key] = _Compiled.of(statement, dialect, names)
        return compiled


async def _fetch(driver: Any, dialect: Dialect, compiled: _Compiled, arguments: list[Any]) -> Any:
    """The rows, or for a statement that returns none, how many rows it changed."""
    try:
        if dialect.driver == "asyncpg":
            if compiled.returns_rows:
                return await driver.fetch(compiled.sql, *arguments)
            status: str = await driver.execute(compiled.sql, *arguments)  # "UPDATE 1"
            return int(status.rpartition(" ")[2] or 0)
        async with driver.execute(compiled.sql, arguments) as cursor:  # aiosqlite
            return await cursor.fetchall() if compiled.returns_rows else cursor.rowcount
    except _DRIVER_INTEGRITY as error:
        # Values stay out of the error's text (and so of logs), as on the engine.
        raise IntegrityError(compiled.sql, arguments, error, hide_parameters=True) from error
    except DRIVER_CONFLICT as error:  # a deadlock or serialization failure: a 503 to retry
        raise OperationalError(compiled.sql, None, error, hide_parameters=True) from error
    except Exception as error:
        _raise_if_unavailable(error)
        raise


async def _run(
    query: ReadQuery, connection: PoolProxiedConnection, dialect: Dialect, params: dict[str, Any]
) -> list[Any]:
    compiled = query.compiled(dialect)
    records = await _fetch(
        connection.driver_connection, dialect, compiled, compiled.arguments(params)
    )
    return compiled.rows(records)


def _first(rows: list[Any]) -> Any | None:
    return rows[0] if rows else None


def _raise_if_unavailable(error: BaseException) -> None:
    """A 503's error in place of ``error`` when it means the database cannot answer."""
    if isinstance(error, UNAVAILABLE) or database_unavailable(error):
        raise DisconnectionError(f"database unavailable: {type(error).__name__}") from error


def _closed(connection: PoolProxiedConnection) -> bool:
    is_closed = getattr(connection.driver_connection, "is_closed", None)  # asyncpg's
    return bool(is_closed and is_closed())


class ReadConnections:
    """Runs ``ReadQuery``s outside any transaction, on connections it keeps.

    Checking a connection out of SQLAlchemy's pool and back costs about 40 µs of CPU, more
    than a primary-key query on asyncpg, so these connections stay checked out, at most
    ``size`` of them (half the pool, leaving the rest to sessions), and go back to the pool
    when the app shuts down. A connection the server closed (a restart) is replaced before
    use; one that fails a query is discarded.
    """

    def __init__(self, engine: AsyncEngine, size: int | None = None) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        pool = engine.sync_engine.pool
        if size is None:
            pool_size = getattr(pool, "size", None)
            size = max(1, pool_size() // 2) if callable(pool_size) else 1
        self._slots = asyncio.Semaphore(size)
        # Waiting for a free one is bounded as waiting for a pooled connection is.
        pool_timeout = getattr(pool, "timeout", None)
        self._wait: float | None = pool_timeout() if callable(pool_timeout) else None
        self._idle: list[PoolProxiedConnection] = []

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]:
        if self._dialect.driver not in DIRECT_DRIVERS:  # SQLAlchemy runs the same statement
            async with self._engine.connect() as sqlalchemy_connection:
                return list(await sqlalchemy_connection.execute(query.statement, params))
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError as error:
            raise DisconnectionError("no read connection came free in time") from error
        try:
            connection = await self._connection()
            try:
                rows = await _run(query, connection, self._dialect, params)
            except BaseException as error:
                await greenlet_spawn(connection.invalidate, error)
                raise
            self._idle.append(connection)
        finally:
            self._slots.release()
        return rows

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        return _first(await self.all(query, **params))

    async def close(self) -> None:
        while self._idle:
            await greenlet_spawn(self._idle.pop().close)

    async def _connection(self) -> PoolProxiedConnection:
        while self._idle:
            connection = self._idle.pop()
            if not _closed(connection):
                return connection
            await greenlet_spawn(connection.invalidate)
        try:
            connection = await self._engine.raw_connection()
        except Exception as error:
            # A refused connect comes as the driver's error, SQLAlchemy's or the dialect's
            # emulated DB-API one ("the database system is starting up").
            _raise_if_unavailable(error)
            raise
        if self._dialect.driver == "asyncpg":
            driver: Any = connection.driver_connection
            try:
                await driver.execute(GENERIC_PLANS)
            except BaseException as error:
                await greenlet_spawn(connection.invalidate, error)
                _raise_if_unavailable(error)
                raise
        return connection


class SessionStatements:
    """A repository's statements, in its session's transaction.

    Writes run on the session's connection, in the session's transaction (committed or
    rolled back by the session). Reads run there too once that transaction has begun, so they
    see its writes; before, they run on ``ReadConnections``.
    """

    def __init__(self, session: AsyncSession, connections: ReadConnections) -> None:
        self._session = session
        self._connections = connections

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        if not self._session.in_transaction():
            return await self._connections.first(query, **params)
        dialect = self._dialect()
        if dialect.driver not in DIRECT_DRIVERS:
            result = await self._session.execute(query.statement, params)
            return result.first()
        sqlalchemy_connection = await self._session.connection()
        connection = await sqlalchemy_connection.get_raw_connection()
        try:
            return _first(await _run(query, connection, dialect, params))
        except DisconnectionError as error:
            await sqlalchemy_connection.invalidate(error)
            raise

    async def scalar(self, statement: WriteStatement, **params: Any) -> Any | None:
        """The first column of the first row the statement returns (``RETURNING``), or None."""
        dialect = self._dialect()
        if dialect.driver not in DIRECT_DRIVERS:
            return await self._session.scalar(statement.statement(dialect), params)
        records = await self._write(statement, dialect, params)
        return records[0][0] if records else None

    async def execute(self, statement: WriteStatement, **params: Any) -> int:
        """Runs a statement without ``RETURNING``: how many rows it changed."""
        dialect = self._dialect()
        if dialect.driver not in DIRECT_DRIVERS:
            result = await self._session.execute(statement.statement(dialect), params)
            return int(getattr(result, "rowcount", 0))
        changed: int = await self._write(statement, dialect, params)
        return changed

    async def _write(
        self, statement: WriteStatement, dialect: Dialect, params: dict[str, Any]
    ) -> Any:
        compiled = statement.compiled(dialect, tuple(params))
        sqlalchemy_connection = await self._session.connection()
        connection = await sqlalchemy_connection.get_raw_connection()
        driver: Any = connection.driver_connection
        try:
            if dialect.driver == "asyncpg" and not driver.is_in_transaction():
                # SQLAlchemy's asyncpg adapter sends BEGIN lazily, before its own first
                # statement: have it begin now, so this write is in the transaction the
                # session commits.
                try:
                    await connection.dbapi_connection._start_transaction()  # type: ignore[union-attr]
                except Exception as error:
                    _raise_if_unavailable(error)
                    raise
            return await _fetch(driver, dialect, compiled, compiled.arguments(params))
        except DisconnectionError as error:
            # SQLAlchemy did not see this failure: have it discard the connection (and not
            # hand it out again, in whatever state the driver left it).
            await sqlalchemy_connection.invalidate(error)
            raise

    def _dialect(self) -> Dialect:
        bind = self._session.bind
        if bind is None:
            raise RuntimeError("the session has no engine")
        return bind.dialect
