from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Text, Update, bindparam, delete, insert, select, update

from adapters.sql.counts import QUOTES, REPLIES, TWEETS, current, record
from adapters.sql.positions import next_tweet_id
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import UtcDateTime, tweet_versions, tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.tweets import TweetRepository
from domain.tweets import Tweet, TweetVersion

_INSERT = WriteStatement(
    build=lambda dialect: insert(tweets).values(**next_tweet_id(dialect)).returning(tweets.c.id)
)
_BY_ID = ReadQuery(select(tweets).where(tweets.c.id == bindparam("tweet")))


def _edit() -> Update:
    """An edit, saved only while the tweet has the number of edits it was read with.
    (A new statement for each use: SQLAlchemy's copies share what it memoised.)"""
    return (
        update(tweets)
        .where(tweets.c.id == bindparam("tweet"), tweets.c.edit_count == bindparam("edits_read"))
        .values(
            text=bindparam("text"),
            edited_at=bindparam("edited_at"),
            edit_count=tweets.c.edit_count + 1,
        )
    )


_SQLITE_EDIT = WriteStatement(_edit())
_KEEP_VERSION = WriteStatement(insert(tweet_versions))


def _edit_keeping_version(_dialect: str) -> Any:
    """PostgreSQL: the edit and the version it replaced in one statement, so the tweet's row
    is locked for no round trip but the commit's."""
    edited = _edit().returning(tweets.c.id).cte("edited")
    replaced = select(
        edited.c.id,
        bindparam("edits_read", type_=Integer()),
        bindparam("replaced_text", type_=Text()),
        bindparam("replaced_at", type_=UtcDateTime()),
    )
    return (
        insert(tweet_versions)
        .add_cte(edited)
        .from_select(["tweet_id", "number", "text", "created_at"], replaced)
        .returning(tweet_versions.c.tweet_id)
    )


_POSTGRESQL_EDIT = WriteStatement(build=_edit_keeping_version)
# Likes, timeline entries and versions go by ON DELETE CASCADE; replies stay.
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
                in_reply_to_id=tweet.in_reply_to_id,
                in_reply_to_user_id=tweet.in_reply_to_user_id,
                quoted_tweet_id=tweet.quoted_tweet_id,
            )
            or 0
        )
        await record(self._statements, TWEETS, tweet.author_id, +1)
        if tweet.in_reply_to_id is not None:
            await record(self._statements, REPLIES, tweet.in_reply_to_id, +1)
        if tweet.quoted_tweet_id is not None:
            await record(self._statements, QUOTES, tweet.quoted_tweet_id, +1)
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
            repost_count=row.repost_count,
            fanned_out=row.fanned_out,
            edit_count=row.edit_count,
            in_reply_to_id=row.in_reply_to_id,
            in_reply_to_user_id=row.in_reply_to_user_id,
            reply_count=row.reply_count,
            quoted_tweet_id=row.quoted_tweet_id,
            quote_count=row.quote_count,
        )

    async def record_edit(self, tweet: Tweet, replaced: TweetVersion) -> bool:
        edits_read = tweet.edit_count - 1
        if self._statements.dialect_name == "postgresql":
            saved = await self._statements.scalar(
                _POSTGRESQL_EDIT,
                tweet=tweet.id,
                edits_read=edits_read,
                text=tweet.text,
                edited_at=tweet.edited_at,
                replaced_text=replaced.text,
                replaced_at=replaced.created_at,
            )
            return saved is not None
        # SQLite: the transaction holds the database's write lock from its start.
        changed = await self._statements.execute(
            _SQLITE_EDIT,
            tweet=tweet.id,
            edits_read=edits_read,
            text=tweet.text,
            edited_at=tweet.edited_at,
        )
        if not changed:
            return False
        await self._statements.execute(
            _KEEP_VERSION,
            tweet_id=tweet.id,
            number=edits_read,
            text=replaced.text,
            created_at=replaced.created_at,
        )
        return True

    async def delete(self, tweet: Tweet) -> None:
        if await self._statements.scalar(_DELETE, tweet=tweet.id) is not None:
            await record(self._statements, TWEETS, tweet.author_id, -1)
            if tweet.in_reply_to_id is not None:
                await record(self._statements, REPLIES, tweet.in_reply_to_id, -1)
            if tweet.quoted_tweet_id is not None:
                await record(self._statements, QUOTES, tweet.quoted_tweet_id, -1)

    async def quote_count(self, tweet_id: int) -> int | None:
        return await current(self._statements, QUOTES, tweet_id)
