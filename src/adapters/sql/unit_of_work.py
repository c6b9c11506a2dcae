from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.pool import PoolProxiedConnection

from adapters.sql.database import Database
from adapters.sql.outage import DATABASE, database_error, reusable_after
from adapters.sql.statements import ReadQuery, WriteStatement
from application.errors import DependencyUnavailable
from application.ports.transaction import TransactionManager

logger = logging.getLogger("chirp.database")
T = TypeVar("T")


class SqlUnitOfWork(TransactionManager):
    """One use case's transaction: every SQL repository of a request shares this object.

    ``first``, ``all``, ``scalar`` and ``execute`` run in the transaction, which begins (on
    a connection checked out for it) at the first of them, so a use case that only reads
    through the read connections (committed state, outside any transaction) never holds one.
    ``commit`` ends it and gives the connection back; ``close``, at the end of the request,
    rolls back what was not committed and gives the connection back (or discards it if a
    failure left it unfit).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._driver = database.driver
        self._dialect = database.dialect
        self.dialect_name: str = database.dialect.name
        self._connection: PoolProxiedConnection | None = None
        self._in_transaction = False
        self._failure: BaseException | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]:
        compiled = query.compiled(self._dialect)
        return compiled.rows(await self._run(compiled, params))

    async def scalar(self, statement: WriteStatement, **params: Any) -> Any | None:
        """The first column of the first row the statement returns (``RETURNING``), or None."""
        records = await self._run(statement.compiled(self._dialect, tuple(params)), params)
        return records[0][0] if records else None

    async def returned(self, statement: WriteStatement, **params: Any) -> list[Any]:
        """Every row the statement returns (``RETURNING``)."""
        compiled = statement.compiled(self._dialect, tuple(params))
        return compiled.rows(await self._run(compiled, params))

    async def execute(self, statement: WriteStatement, **params: Any) -> int:
        """Runs a statement without ``RETURNING``: how many rows it changed."""
        changed: int = await self._run(statement.compiled(self._dialect, tuple(params)), params)
        return changed

    async def on_driver(self, call: Callable[[Any], Awaitable[T]]) -> T:
        """Runs ``call`` with the transaction's driver connection (asyncpg's or aiosqlite's),
        for a library that works on it (the job queue's); its failures leave as
        ``outage.database_error`` says, as the statements' do."""
        connection = await self._transaction()
        try:
            result: T = await self._guarded(call(connection))
        except Exception as error:
            raise database_error(error) from error
        return result

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Calls ``callback`` once this transaction has committed (never if it does not)."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        if self._connection is None or not self._in_transaction:
            return  # nothing was written
        self._in_transaction = False
        await self._guarded(self._driver.commit(self._connection.driver_connection))
        # Back to the pool at once: what the use case does next (read back what it wrote)
        # runs on the read connections.
        connection, self._connection = self._connection, None
        await self._database.release(connection, None)
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def close(self) -> None:
        """End the request's use of the database. Never raises: a failure here comes after
        the response was decided (its cause, if any, was raised to the use case)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        self._after_commit.clear()
        failure = self._failure
        if failure is None and self._in_transaction:
            try:
                await self._driver.rollback(connection.driver_connection)
            except BaseException as error:  # the server is gone: it rolled back itself
                logger.warning("rollback failed: %s", type(error).__name__)
                failure = error
        self._in_transaction = False
        try:
            await self._database.release(connection, failure)
        except Exception as error:
            logger.warning("could not give a connection back: %s", type(error).__name__)

    async def _run(self, compiled: Any, params: dict[str, Any]) -> Any:
        connection = await self._transaction()
        return await self._guarded(
            self._driver.run(connection, compiled, compiled.arguments(params))
        )

    async def _transaction(self) -> Any:
        """The driver connection of the transaction, begun if it was not."""
        if self._failure is not None:
            # What this transaction did is lost with its connection.
            raise DependencyUnavailable(DATABASE, "the transaction was lost") from self._failure
        if self._connection is None:
            self._connection = await self._database.connect()
        driver_connection = self._connection.driver_connection
        if not self._in_transaction:
            await self._guarded(self._driver.begin(driver_connection))
            self._in_transaction = True
        return driver_connection

    async def _guarded(self, call: Any) -> Any:
        try:
            return await call
        except BaseException as error:
            if not reusable_after(error):
                self._failure = error
            raise


@asynccontextmanager
async def transaction(database: Database) -> AsyncIterator[SqlUnitOfWork]:
    """A unit of work of its own, outside any request (a worker's bookkeeping): committed
    when the block ends, rolled back if it raises."""
    uow = SqlUnitOfWork(database)
    try:
        yield uow
        await uow.commit()
    finally:
        await uow.close()
