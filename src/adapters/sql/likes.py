from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import insert_or_ignore_in
from adapters.sql.driver_statements import (
    ReadConnections,
    ReadQuery,
    SessionStatements,
    WriteStatement,
)
from adapters.sql.tables import likes, tweets
from application.ports.likes import LikeRepository

_LIKE = WriteStatement(
    build=lambda dialect: insert_or_ignore_in(dialect, likes).returning(likes.c.id)
)
_UNLIKE = WriteStatement(
    delete(likes)
    .where(likes.c.user_id == bindparam("user"), likes.c.tweet_id == bindparam("tweet"))
    .returning(likes.c.id)
)
_COUNT = ReadQuery(select(tweets.c.like_count).where(tweets.c.id == bindparam("tweet")))
_ADD_TO_COUNT = WriteStatement(
    update(tweets)
    .where(tweets.c.id == bindparam("tweet"))
    .values(like_count=tweets.c.like_count + bindparam("change"))
    .returning(tweets.c.like_count)
)


class SqlLikeRepository(LikeRepository):
    """The count moves only when a like row really appears or disappears, in the same
    transaction, as an increment the database applies atomically."""

    def __init__(self, session: AsyncSession, connections: ReadConnections) -> None:
        self._statements = SessionStatements(session, connections)

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> int:
        inserted = await self._statements.scalar(
            _LIKE, user_id=user_id, tweet_id=tweet_id, created_at=now
        )
        return await self._count(tweet_id, +1 if inserted is not None else 0)

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        deleted = await self._statements.scalar(_UNLIKE, user=user_id, tweet=tweet_id)
        return await self._count(tweet_id, -1 if deleted is not None else 0)

    async def _count(self, tweet_id: int, change: int) -> int:
        if change == 0:
            row = await self._statements.first(_COUNT, tweet=tweet_id)
            count = row.like_count if row is not None else None
        else:
            count = await self._statements.scalar(_ADD_TO_COUNT, tweet=tweet_id, change=change)
        return count or 0
