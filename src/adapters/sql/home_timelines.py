from __future__ import annotations

from sqlalchemy import Integer, bindparam, delete, select, true, update
from sqlalchemy.exc import IntegrityError

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import follows, timeline_entries, tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.home_timelines import HomeTimelines
from domain.tweets import Tweet

_ENTRY = ["user_id", "tweet_id"]
# Past every follow id: the last batch of a fan-out goes to the end.
_END = 2**62

_ADD_OWN = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, timeline_entries))
_FANNED_OUT = ReadQuery(select(tweets.c.fanned_out).where(tweets.c.id == bindparam("tweet")))
# A batch of followers is the follows with ids in (after, batch end]: the end is the
# ``limit``-th follow past ``after`` (on the (followee_id, id) index), none when fewer are
# left.
_BATCH_END = ReadQuery(
    select(follows.c.id)
    .where(follows.c.followee_id == bindparam("author"), follows.c.id > bindparam("after"))
    .order_by(follows.c.id)
    .limit(1)
    .offset(bindparam("skip"))
)
_FAN_OUT = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        select(follows.c.follower_id, tweets.c.id)
        .join(tweets, tweets.c.id == bindparam("tweet", type_=Integer))
        .where(
            follows.c.followee_id == bindparam("author"),
            follows.c.id > bindparam("after"),
            follows.c.id <= bindparam("upto"),
        ),
    )
)
# Whether the reader follows the author now: a job about a follow acts on what is true when
# it runs, so jobs of a follow, unfollow and follow again done in any order end up right.
_FOLLOWING = (
    select(follows.c.id)
    .where(
        follows.c.follower_id == bindparam("reader"),
        follows.c.followee_id == bindparam("author"),
    )
    .exists()
)
_ADD_AUTHOR = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        select(bindparam("reader", type_=Integer), tweets.c.id).where(
            tweets.c.author_id == bindparam("author"), _FOLLOWING
        ),
    )
)
# Feeds stop merging the tweet in when they are read.
_DONE = WriteStatement(
    update(tweets).where(tweets.c.id == bindparam("tweet")).values(fanned_out=true())
)
_REMOVE_AUTHOR = WriteStatement(
    delete(timeline_entries).where(
        timeline_entries.c.user_id == bindparam("reader"),
        timeline_entries.c.tweet_id.in_(
            select(tweets.c.id).where(tweets.c.author_id == bindparam("author"))
        ),
        ~_FOLLOWING,
    )
)


class SqlHomeTimelines(HomeTimelines):
    """Fan-out on write, done by the database: each batch is one ``INSERT ... SELECT``.

    Nothing here updates a row another request needs: entries are per reader, and a
    repeated insert is ignored, so a job that runs twice changes nothing more.
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def add_own(self, tweet: Tweet) -> None:
        await self._statements.execute(_ADD_OWN, user_id=tweet.author_id, tweet_id=tweet.id)

    async def fan_out(self, tweet_id: int, author_id: int, after: int, limit: int) -> int | None:
        tweet = await self._statements.first(_FANNED_OUT, tweet=tweet_id)
        if tweet is None or tweet.fanned_out:
            return None  # deleted, or done already
        end = await self._statements.first(
            _BATCH_END, author=author_id, after=after, skip=limit - 1
        )
        upto = _END if end is None else end.id
        try:
            await self._statements.execute(
                _FAN_OUT, tweet=tweet_id, author=author_id, after=after, upto=upto
            )
        except IntegrityError:
            return None  # the tweet was deleted meanwhile: its entries go with it
        if end is not None:
            return int(end.id)
        await self._statements.execute(_DONE, tweet=tweet_id)
        return None

    async def add_author(self, reader_id: int, author_id: int) -> None:
        await self._statements.execute(_ADD_AUTHOR, reader=reader_id, author=author_id)

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        await self._statements.execute(_REMOVE_AUTHOR, reader=reader_id, author=author_id)
