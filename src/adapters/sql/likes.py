from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError

from adapters.sql.counts import LIKES, current, record
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import likes
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.likes import LikeChange, LikeRepository
from domain.errors import TweetNotFound

_LIKE = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, likes).returning(likes.c.id))
_UNLIKE = WriteStatement(
    delete(likes)
    .where(likes.c.user_id == bindparam("user"), likes.c.tweet_id == bindparam("tweet"))
    .returning(likes.c.id)
)


class SqlLikeRepository(LikeRepository):
    """A like row and, only when it really appears or disappears, a recorded change to the
    tweet's count (``counts.py``): no like waits for another on the tweet's row. The count
    returned is the folded one plus the changes not folded yet, this one among them."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> LikeChange:
        try:
            inserted = await self._statements.scalar(
                _LIKE, user_id=user_id, tweet_id=tweet_id, created_at=now
            )
        except IntegrityError as error:
            # The tweet was deleted since the use case found it (users are never deleted).
            raise TweetNotFound from error
        if inserted is not None:
            await record(self._statements, LIKES, tweet_id, +1)
        return LikeChange(inserted is not None, await self._count(tweet_id))

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        if await self._statements.scalar(_UNLIKE, user=user_id, tweet=tweet_id) is not None:
            await record(self._statements, LIKES, tweet_id, -1)
        return await self._count(tweet_id)

    async def _count(self, tweet_id: int) -> int:
        count = await current(self._statements, LIKES, tweet_id)
        if count is None:
            raise TweetNotFound
        return count
