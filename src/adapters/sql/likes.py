from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.tables import likes, tweets
from application.ports.likes import LikeRepository


class SqlLikeRepository(LikeRepository):
    """The count moves only when a like row really appears or disappears, in the same
    transaction, as an increment the database applies atomically."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> int:
        inserted = await self._db.scalar(
            insert_or_ignore(self._db, likes)
            .values(user_id=user_id, tweet_id=tweet_id, created_at=now)
            .returning(likes.c.id)
        )
        return await self._count(tweet_id, +1 if inserted is not None else 0)

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        deleted = await self._db.scalar(
            delete(likes)
            .where(likes.c.user_id == user_id, likes.c.tweet_id == tweet_id)
            .returning(likes.c.id)
        )
        return await self._count(tweet_id, -1 if deleted is not None else 0)

    async def _count(self, tweet_id: int, change: int) -> int:
        if change == 0:
            count = await self._db.scalar(
                select(tweets.c.like_count).where(tweets.c.id == tweet_id)
            )
        else:
            count = await self._db.scalar(
                update(tweets)
                .where(tweets.c.id == tweet_id)
                .values(like_count=tweets.c.like_count + change)
                .returning(tweets.c.like_count)
            )
        return count or 0
