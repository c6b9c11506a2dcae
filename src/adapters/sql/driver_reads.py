"""Hot reads run on the database driver's own connection, past SQLAlchemy's execution layer.

Measured on this project's machine (``bench/``): one primary-key SELECT through an
``AsyncSession`` costs about 400 µs of a worker's time, through asyncpg directly about 130 µs.
The statements stay SQLAlchemy Core, compiled once per dialect, and their rows go through
SQLAlchemy's own type processing (UTC datetimes, SQLite's integer booleans), so SQLite and
PostgreSQL run the same code. Outside a transaction a read takes a pooled connection for one
statement, without BEGIN/ROLLBACK; once the request's session has begun a transaction, reads
use its connection, so they see its writes.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Dialect, Select
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any]

# Errors that mean the database cannot answer now (a 503), not that the statement is wrong.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    sqlite3.OperationalError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    binders: tuple[Processor | None, ...]
    row: Callable[..., Any]
    processors: tuple[tuple[int, Processor], ...]

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        columns = list(statement.selected_columns)
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
            row=namedtuple("Row", [column.key for column in columns], rename=True),  # type: ignore[misc]
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
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled.of(self._statement, dialect)
        return compiled


async def _fetch(driver: Any, dialect: Dialect, compiled: _Compiled, arguments: list[Any]) -> Any:
    if dialect.driver == "asyncpg":
        return await driver.fetch(compiled.sql, *arguments)
    async with driver.execute(compiled.sql, arguments) as cursor:  # aiosqlite
        return await cursor.fetchall()


class DriverReads:
    """Runs ``ReadQuery``s for one request (see the module docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        engine = session.bind
        if not isinstance(engine, AsyncEngine):
            raise TypeError("the session must be bound to an AsyncEngine")
        self._engine = engine
        self._dialect = engine.dialect
        self._direct = self._dialect.driver in {"asyncpg", "aiosqlite"}

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]:
        if not self._direct:  # another driver: SQLAlchemy runs the same statement
            result = await self._session.execute(query._statement, params)
            return list(result.tuples())
        compiled = query.compiled(self._dialect)
        arguments = compiled.arguments(params)
        if self._session.in_transaction():
            connection = await (await self._session.connection()).get_raw_connection()
            return compiled.rows(await self._run(connection, compiled, arguments))
        try:
            connection = await self._engine.raw_connection()
        except UNAVAILABLE as error:
            raise _unavailable(error) from error
        try:
            records = await self._run(connection, compiled, arguments)
        except BaseException as error:
            await greenlet_spawn(connection.invalidate, error)
            raise
        await greenlet_spawn(connection.close)
        return compiled.rows(records)

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    async def _run(
        self, connection: PoolProxiedConnection, compiled: _Compiled, arguments: list[Any]
    ) -> Any:
        try:
            return await _fetch(connection.driver_connection, self._dialect, compiled, arguments)
        except UNAVAILABLE as error:
            raise _unavailable(error) from error


def _unavailable(error: BaseException) -> DisconnectionError:
    return DisconnectionError(f"database unavailable: {type(error).__name__}")
