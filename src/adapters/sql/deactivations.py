from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from adapters.sql.database import ReadConnections
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import users
from application.ports.deactivations import Deactivations
from domain.users import Deactivation

# Through the partial index on deactivated_at: a few rows, whatever the number of users.
_SINCE = ReadQuery(
    select(users.c.id, users.c.deactivated_at, users.c.is_active).where(
        users.c.deactivated_at >= bindparam("since", type_=users.c.deactivated_at.type)
    )
)


class SqlDeactivations(Deactivations):
    def __init__(self, connections: ReadConnections) -> None:
        self._reads = connections

    async def since(self, moment: datetime) -> list[Deactivation]:
        rows = await self._reads.all(_SINCE, since=moment)
        return [Deactivation(row.id, row.deactivated_at, not row.is_active) for row in rows]
