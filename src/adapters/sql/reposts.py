from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError

from adapters.sql.counts import REPOSTS, current, record
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.positions import next_position
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import reposts
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.reposts import RepostChange, RepostRepository
from domain.errors import TweetNotFound

_REPOST = WriteStatement(
    build=lambda dialect: (
        insert_or_ignore(dialect, reposts)
        .values(position=next_position(dialect))
        .returning(reposts.c.id, reposts.c.position)
    )
)
_UNDO = WriteStatement(
    delete(reposts)
    .where(reposts.c.user_id == bindparam("user"), reposts.c.tweet_id == bindparam("tweet"))
    .returning(reposts.c.id, reposts.c.position)
)


class SqlRepostRepository(RepostRepository):
    """A repost row and, only when one really appears or disappears, a recorded change to
    the tweet's count (``counts.py``), as likes do."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def repost(self, user_id: int, tweet_id: int, now: datetime) -> RepostChange:
        try:
            made = await self._statements.returned(
                _REPOST, user_id=user_id, tweet_id=tweet_id, created_at=now
            )
        except IntegrityError as error:
            raise TweetNotFound from error  # deleted since the use case found it
        if not made:
            return RepostChange(await self._count(tweet_id))
        await record(self._statements, REPOSTS, tweet_id, +1)
        return RepostChange(await self._count(tweet_id), made[0].id, made[0].position)

    async def undo(self, user_id: int, tweet_id: int) -> RepostChange:
        removed = await self._statements.returned(_UNDO, user=user_id, tweet=tweet_id)
        if not removed:
            return RepostChange(await self._count(tweet_id))
        await record(self._statements, REPOSTS, tweet_id, -1)
        return RepostChange(await self._count(tweet_id), removed[0].id, removed[0].position)

    async def _count(self, tweet_id: int) -> int:
        count = await current(self._statements, REPOSTS, tweet_id)
        if count is None:
            raise TweetNotFound
        return count
