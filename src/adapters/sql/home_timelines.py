from __future__ import annotations

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.tables import follows, timeline_entries, tweets
from application.ports.home_timelines import HomeTimelines
from domain.tweets import Tweet


class SqlHomeTimelines(HomeTimelines):
    """Fan-out on write: one INSERT ... SELECT per event, done by the database.

    A post racing a follow of its author cannot lose the tweet: both have already updated
    the author's row in ``users`` (tweets_count, followers_count) before they get here, so
    the second waits for the first to commit, and its statement then sees the other's rows.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add_tweet(self, tweet: Tweet) -> None:
        readers = union_all(
            select(follows.c.follower_id, literal(tweet.id)).where(
                follows.c.followee_id == tweet.author_id
            ),
            select(literal(tweet.author_id), literal(tweet.id)),
        )
        await self._db.execute(
            insert_or_ignore(self._db, timeline_entries).from_select(
                ["user_id", "tweet_id"], readers
            )
        )

    async def add_author(self, reader_id: int, author_id: int) -> None:
        await self._db.execute(
            insert_or_ignore(self._db, timeline_entries).from_select(
                ["user_id", "tweet_id"],
                select(literal(reader_id), tweets.c.id).where(tweets.c.author_id == author_id),
            )
        )

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        await self._db.execute(
            delete(timeline_entries).where(
                timeline_entries.c.user_id == reader_id,
                timeline_entries.c.tweet_id.in_(
                    select(tweets.c.id).where(tweets.c.author_id == author_id)
                ),
            )
        )
