from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, update

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import follows, users
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


def _add_to(column: str) -> WriteStatement:
    return WriteStatement(
        update(users)
        .where(users.c.id == bindparam("user"))
        .values({column: users.c[column] + bindparam("change")})
    )


_ADD_TO_FOLLOWING = _add_to("following_count")
_ADD_TO_FOLLOWERS = _add_to("followers_count")


class SqlFollowRepository(FollowRepository):
    """Follows and the two counts they move, in the use case's transaction."""

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
        # Rows are locked in id order, so A-follows-B racing B-follows-A cannot deadlock.
        for user_id in sorted((follower_id, followee_id)):
            counter = _ADD_TO_FOLLOWING if user_id == follower_id else _ADD_TO_FOLLOWERS
            await self._statements.execute(counter, user=user_id, change=change)
