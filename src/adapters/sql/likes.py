from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import likes, tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.likes import LikeRepository
from domain.errors import TweetNotFound

_LIKE = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, likes).returning(likes.c.id))
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
    transaction, as an increment the database applies atomically.

    Lock order: a tweet's row before its likes' rows, as deleting a tweet takes them (the
    tweet, then its likes by cascade); the other order deadlocks with a deletion.
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> int:
        # The new like row is no one else's to lock; its foreign key holds the tweet.
        try:
            inserted = await self._statements.scalar(
                _LIKE, user_id=user_id, tweet_id=tweet_id, created_at=now
            )
        except IntegrityError as error:
            # The tweet was deleted since the use case found it (users are never deleted).
            raise TweetNotFound from error
        if inserted is None:
            row = await self._statements.first(_COUNT, tweet=tweet_id)
            count = None if row is None else row.like_count
        else:
            count = await self._add(tweet_id, +1)
        if count is None:
            raise TweetNotFound
        return int(count)

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        count = await self._add(tweet_id, -1)  # locks the tweet's row first
        if count is None:
            raise TweetNotFound
        deleted = await self._statements.scalar(_UNLIKE, user=user_id, tweet=tweet_id)
        if deleted is None:  # it was not liked: take the decrement back
            count = await self._add(tweet_id, +1)
        return int(count or 0)

    async def _add(self, tweet_id: int, change: int) -> int | None:
        """Adds ``change`` to the tweet's count: the new count, or None if it is gone."""
        count: int | None = await self._statements.scalar(
            _ADD_TO_COUNT, tweet=tweet_id, change=change
        )
        return count
