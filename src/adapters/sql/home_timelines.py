from __future__ import annotations

from sqlalchemy import Integer, bindparam, delete, select, union_all

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import follows, timeline_entries, tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.home_timelines import HomeTimelines
from domain.tweets import Tweet

_ENTRY = ["user_id", "tweet_id"]
# The author and every follower of the author.
_ADD_TWEET = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        union_all(
            select(follows.c.follower_id, bindparam("tweet", type_=Integer)).where(
                follows.c.followee_id == bindparam("author")
            ),
            select(
                bindparam("author_again", type_=Integer), bindparam("tweet_again", type_=Integer)
            ),
        ),
    )
)
_ADD_AUTHOR = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        select(bindparam("reader", type_=Integer), tweets.c.id).where(
            tweets.c.author_id == bindparam("author")
        ),
    )
)
_REMOVE_AUTHOR = WriteStatement(
    delete(timeline_entries).where(
        timeline_entries.c.user_id == bindparam("reader"),
        timeline_entries.c.tweet_id.in_(
            select(tweets.c.id).where(tweets.c.author_id == bindparam("author"))
        ),
    )
)


class SqlHomeTimelines(HomeTimelines):
    """Fan-out on write: one INSERT ... SELECT per event, done by the database, in the use
    case's transaction.

    A post racing a follow of its author cannot lose the tweet: both have already updated
    the author's row in ``users`` (tweets_count, followers_count) before they get here, so
    the second waits for the first to commit, and its statement then sees the other's rows.
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def add_tweet(self, tweet: Tweet) -> None:
        await self._statements.execute(
            _ADD_TWEET,
            tweet=tweet.id,
            author=tweet.author_id,
            author_again=tweet.author_id,
            tweet_again=tweet.id,
        )

    async def add_author(self, reader_id: int, author_id: int) -> None:
        await self._statements.execute(_ADD_AUTHOR, reader=reader_id, author=author_id)

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        await self._statements.execute(_REMOVE_AUTHOR, reader=reader_id, author=author_id)
