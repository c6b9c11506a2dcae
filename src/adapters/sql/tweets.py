from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from adapters.sql.counts import TWEETS, record
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.tweets import TweetRepository
from domain.tweets import Tweet

_INSERT = WriteStatement(insert(tweets).returning(tweets.c.id))
_BY_ID = ReadQuery(select(tweets).where(tweets.c.id == bindparam("tweet")))
_EDIT = WriteStatement(
    update(tweets)
    .where(tweets.c.id == bindparam("tweet"))
    .values(text=bindparam("text"), edited_at=bindparam("edited_at"))
)
# Likes and timeline entries go by ON DELETE CASCADE.
_DELETE = WriteStatement(
    delete(tweets).where(tweets.c.id == bindparam("tweet")).returning(tweets.c.id)
)


class SqlTweetRepository(TweetRepository):
    """Tweets, in the use case's transaction; the author's ``tweets_count`` changes by a
    recorded change (``counts.py``)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def add(self, tweet: Tweet) -> Tweet:
        tweet.id = (
            await self._statements.scalar(
                _INSERT,
                author_id=tweet.author_id,
                text=tweet.text,
                image=tweet.image,
                created_at=tweet.created_at,
                fanned_out=tweet.fanned_out,
            )
            or 0
        )
        await record(self._statements, TWEETS, tweet.author_id, +1)
        return tweet

    async def get(self, tweet_id: int) -> Tweet | None:
        row = await self._statements.first(_BY_ID, tweet=tweet_id)
        if row is None:
            return None
        return Tweet(
            id=row.id,
            author_id=row.author_id,
            text=row.text,
            image=row.image,
            created_at=row.created_at,
            edited_at=row.edited_at,
            like_count=row.like_count,
            fanned_out=row.fanned_out,
        )

    async def update(self, tweet: Tweet) -> None:
        await self._statements.execute(
            _EDIT, tweet=tweet.id, text=tweet.text, edited_at=tweet.edited_at
        )

    async def delete(self, tweet: Tweet) -> None:
        if await self._statements.scalar(_DELETE, tweet=tweet.id) is not None:
            await record(self._statements, TWEETS, tweet.author_id, -1)
