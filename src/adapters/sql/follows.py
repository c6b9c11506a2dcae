from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete

from adapters.sql.counts import FOLLOWERS, FOLLOWING, record
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import follows
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.follows import FollowRepository

_FOLLOW = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, follows).returning(follows.c.id)
)
_UNFOLLOW = WriteStatement(
    delete(follows)
    .where(
        follows.c.follower_id == bindparam("follower"),
        follows.c.followee_id == bindparam("followee"),
    )
    .returning(follows.c.id)
)


class SqlFollowRepository(FollowRepository):
    """Follows, in the use case's transaction, with recorded changes to the two counts they
    move (``counts.py``): no follow waits for another on a user's row."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def follow(self, follower_id: int, followee_id: int, now: datetime) -> bool:
        inserted = await self._statements.scalar(
            _FOLLOW, follower_id=follower_id, followee_id=followee_id, created_at=now
        )
        if inserted is None:
            return False
        await self._count(follower_id, followee_id, +1)
        return True

    async def unfollow(self, follower_id: int, followee_id: int) -> bool:
        deleted = await self._statements.scalar(
            _UNFOLLOW, follower=follower_id, followee=followee_id
        )
        if deleted is None:
            return False
        await self._count(follower_id, followee_id, -1)
        return True

    async def _count(self, follower_id: int, followee_id: int, change: int) -> None:
        await record(self._statements, FOLLOWING, follower_id, change)
        await record(self._statements, FOLLOWERS, followee_id, change)
