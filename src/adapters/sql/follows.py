from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.tables import follows, users
from application.ports.follows import FollowRepository


class SqlFollowRepository(FollowRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def follow(self, follower_id: int, followee_id: int, now: datetime) -> bool:
        inserted = await self._db.scalar(
            insert_or_ignore(self._db, follows)
            .values(follower_id=follower_id, followee_id=followee_id, created_at=now)
            .returning(follows.c.id)
        )
        if inserted is None:
            return False
        await self._count(follower_id, followee_id, +1)
        return True

    async def unfollow(self, follower_id: int, followee_id: int) -> bool:
        deleted = await self._db.scalar(
            delete(follows)
            .where(follows.c.follower_id == follower_id, follows.c.followee_id == followee_id)
            .returning(follows.c.id)
        )
        if deleted is None:
            return False
        await self._count(follower_id, followee_id, -1)
        return True

    async def _count(self, follower_id: int, followee_id: int, change: int) -> None:
        # Rows are locked in id order, so A-follows-B racing B-follows-A cannot deadlock.
        for user_id in sorted((follower_id, followee_id)):
            column = "following_count" if user_id == follower_id else "followers_count"
            await self._db.execute(
                update(users)
                .where(users.c.id == user_id)
                .values({column: users.c[column] + change})
            )
