"""The database as the adapters see it: an engine's pool, its dialect and driver, and the
connections kept for reads."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from adapters.sql.drivers import Driver, driver_for
from adapters.sql.outage import database_error, reusable_after
from adapters.sql.statements import ReadQuery


class Reads(Protocol):
    """Runs ``ReadQuery``s outside any transaction: ``ReadConnections``, or ``RoutedReads``
    (replicas.py) for reads that may lag."""

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]: ...

    async def first(self, query: ReadQuery, **params: Any) -> Any | None: ...


class Database:
    """One per process: connections come from ``engine``'s pool, statements run on
    ``driver``; ``reads`` runs reads outside any transaction (with half the pool, the rest
    left to transactions; all of it on a replica, ``reads_only``)."""

    def __init__(self, engine: AsyncEngine, *, reads_only: bool = False) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.driver: Driver = driver_for(engine.dialect)
        pool = engine.sync_engine.pool
        pool_size = getattr(pool, "size", None)
        pool_timeout = getattr(pool, "timeout", None)
        # Waiting for a free connection is bounded as waiting for a pooled one is.
        self.wait: float | None = pool_timeout() if callable(pool_timeout) else None
        size = pool_size() if callable(pool_size) else 1
        self.reads = ReadConnections(self, size if reads_only else max(1, size // 2))

    async def connect(self) -> PoolProxiedConnection:
        """A connection checked out of the pool, one the server has not closed."""
        try:
            return await self.engine.raw_connection()
        except Exception as error:
            # A refused connect comes as the driver's error, SQLAlchemy's, or the dialect's
            # emulated DB-API one ("the database system is starting up").
            raise database_error(error) from error

    async def release(self, connection: PoolProxiedConnection, error: BaseException | None) -> None:
        """Give ``connection`` back to the pool; discard it if ``error`` left it unfit."""
        if error is None or reusable_after(error):
            await greenlet_spawn(connection.close)
        else:
            await greenlet_spawn(connection.invalidate, error)

    async def close(self) -> None:
        await self.reads.close()


class ReadConnections:
    """Runs ``ReadQuery``s outside any transaction, on connections it keeps checked out
    (checking one out of the pool and back costs more than a primary-key query), at most
    ``size`` of them; they go back to the pool when the app shuts down. A connection the
    server closed (a restart) is replaced before use; one that fails a query is discarded.
    """

    def __init__(self, database: Database, size: int) -> None:
        self._database = database
        self._driver = database.driver
        self._dialect = database.dialect
        self._slots = asyncio.Semaphore(size)
        self._idle: list[PoolProxiedConnection] = []

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]:
        try:
            async with asyncio.timeout(self._database.wait):
                await self._slots.acquire()
        except TimeoutError as error:
            raise database_error(error) from error
        try:
            connection = await self._connection()
            compiled = query.compiled(self._dialect)
            try:
                records = await self._driver.run(
                    connection.driver_connection, compiled, compiled.arguments(params)
                )
            except BaseException as error:
                await self._database.release(connection, error)
                raise
            self._idle.append(connection)
        finally:
            self._slots.release()
        return compiled.rows(records)

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    async def close(self) -> None:
        while self._idle:
            await greenlet_spawn(self._idle.pop().close)

    async def _connection(self) -> PoolProxiedConnection:
        while self._idle:
            connection = self._idle.pop()
            if not self._driver.is_closed(connection.driver_connection):
                return connection
            await greenlet_spawn(connection.invalidate)
        connection = await self._database.connect()
        try:
            await self._driver.prepare_for_reads(connection.driver_connection)
        except BaseException as error:
            await self._database.release(connection, error)
            raise
        return connection
