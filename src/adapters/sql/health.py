from __future__ import annotations

import asyncio

from sqlalchemy import literal_column, select

from adapters.sql.database import Database
from adapters.sql.statements import ReadQuery
from application.errors import DependencyUnavailable
from application.ports.health import DatabaseHealth

_SELECT_ONE = ReadQuery(select(literal_column("1")))

# A probe's answer comes within this many seconds: a database slower than that to run
# SELECT 1 is not ready, whatever the connect and statement timeouts of requests are.
READY_TIMEOUT = 1.0


class SqlDatabaseHealth(DatabaseHealth):
    """``SELECT 1`` on a read connection, answered within ``timeout`` seconds (``READY_TIMEOUT``).

    The query runs as a task of its own that the probe stops waiting for, rather than
    cancels: cancelling a query mid-flight would leave its connection to clean up against a
    server that may not answer. Probes meanwhile share the pending one, so a frozen server
    costs one waiting query, however often the probe asks; the engine's connect and
    statement timeouts end it.
    """

    timeout = READY_TIMEOUT

    def __init__(self, database: Database) -> None:
        self._reads = database.reads
        self._probe: asyncio.Task[bool] | None = None

    async def is_ready(self) -> bool:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._select_one())
        try:
            return await asyncio.wait_for(asyncio.shield(self._probe), self.timeout)
        except TimeoutError:
            return False

    async def _select_one(self) -> bool:
        try:
            await self._reads.first(_SELECT_ONE)
        except DependencyUnavailable:
            return False
        return True
