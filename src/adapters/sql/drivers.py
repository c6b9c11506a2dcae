"""The two drivers Chirp runs on, behind one small interface: run a compiled statement,
begin, commit or roll back a transaction. Every failure leaves as ``outage.database_error``
says."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Dialect

from adapters.sql.outage import database_error
from adapters.sql.statements import Compiled

# Every read is an index-driven keyset page whose plan does not depend on its parameters, so
# the read connections plan each statement once. Left to choose, PostgreSQL re-plans the feed
# on every call: a generic plan's estimate for ``LIMIT $n`` (a tenth of the rows) looks too
# costly next to a custom plan for 21 rows. Planning then took more of the server's CPU than
# running the query (size L feed: 1.9k -> 2.7k req/s with this).
GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"


class Driver:
    """What Chirp does with a driver's connection (``PoolProxiedConnection.driver_connection``)."""

    async def run(self, connection: Any, compiled: Compiled, arguments: list[Any]) -> Any:
        """The rows, or for a statement that returns none, how many rows it changed."""
        try:
            return await self._run(connection, compiled, arguments)
        except Exception as error:
            raise database_error(error, compiled.sql) from error

    async def begin(self, connection: Any) -> None:
        await self._command(connection, self.BEGIN)

    async def commit(self, connection: Any) -> None:
        await self._command(connection, "COMMIT")

    async def rollback(self, connection: Any) -> None:
        await self._command(connection, "ROLLBACK")

    async def prepare_for_reads(self, connection: Any) -> None:
        """Set up a connection kept for reads outside transactions."""

    def is_closed(self, connection: Any) -> bool:
        """Whether the server closed the connection (seen without a round trip)."""
        return False

    BEGIN = "BEGIN"

    async def _command(self, connection: Any, sql: str) -> None:
        try:
            await self._execute(connection, sql)
        except Exception as error:
            raise database_error(error, sql) from error

    async def _run(self, connection: Any, compiled: Compiled, arguments: list[Any]) -> Any:
        raise NotImplementedError

    async def _execute(self, connection: Any, sql: str) -> None:
        raise NotImplementedError


class AsyncpgDriver(Driver):
    async def prepare_for_reads(self, connection: Any) -> None:
        await self._command(connection, GENERIC_PLANS)

    def is_closed(self, connection: Any) -> bool:
        return bool(connection.is_closed())

    async def _run(self, connection: Any, compiled: Compiled, arguments: list[Any]) -> Any:
        if compiled.returns_rows:
            return await connection.fetch(compiled.sql, *arguments)
        status: str = await connection.execute(compiled.sql, *arguments)  # "UPDATE 1"
        return int(status.rpartition(" ")[2] or 0)

    async def _execute(self, connection: Any, sql: str) -> None:
        await connection.execute(sql)


class AiosqliteDriver(Driver):
    # The write lock is taken at BEGIN (waiting up to the busy timeout), not at the first
    # write: a transaction that read first would pin a snapshot that another writer's
    # commit can outdate, and its write would then fail at once ("database is locked").
    BEGIN = "BEGIN IMMEDIATE"

    async def _run(self, connection: Any, compiled: Compiled, arguments: list[Any]) -> Any:
        async with connection.execute(compiled.sql, arguments) as cursor:
            return await cursor.fetchall() if compiled.returns_rows else cursor.rowcount

    async def _execute(self, connection: Any, sql: str) -> None:
        async with connection.execute(sql):
            pass


_DRIVERS: dict[str, Driver] = {"asyncpg": AsyncpgDriver(), "aiosqlite": AiosqliteDriver()}
SUPPORTED_DRIVERS = frozenset(_DRIVERS)


def driver_for(dialect: Dialect) -> Driver:
    """The driver of an engine's dialect; only these two are supported."""
    driver = _DRIVERS.get(dialect.driver)
    if driver is None:
        supported = " or ".join(sorted(_DRIVERS))
        raise ValueError(f"Chirp runs on {supported}, not {dialect.driver}")
    return driver
