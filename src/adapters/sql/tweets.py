from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import tweets, users
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.tweets import TweetRepository
from domain.tweets import Tweet

_INSERT = WriteStatement(insert(tweets).returning(tweets.c.id))
_BY_ID = ReadQuery(select(tweets).where(tweets.c.id == bindparam("tweet")))
_ADD_TO_AUTHOR_COUNT = WriteStatement(
    update(users)
    .where(users.c.id == bindparam("author"))
    .values(tweets_count=users.c.tweets_count + bindparam("change"))
)
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
    """Tweets, in the use case's transaction."""

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
        await self._count_for_author(tweet.author_id, +1)
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
        # Lock order: the author's row before the tweet's, as posting takes them; the other
        # order deadlocks with it. So the count goes first, and comes back if another
        # request deleted the tweet meanwhile.
        await self._count_for_author(tweet.author_id, -1)
        deleted = await self._statements.scalar(_DELETE, tweet=tweet.id)
        if deleted is None:
            await self._count_for_author(tweet.author_id, +1)

    async def _count_for_author(self, author_id: int, change: int) -> None:
        await self._statements.execute(_ADD_TO_AUTHOR_COUNT, author=author_id, change=change)
