"""The uses of hashtags that ``/tags/trending`` counts (``tag_uses``), and the count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, desc, func, select

from adapters.sql.database import Reads
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import tag_uses, tweet_hashtags, tweets
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.trending_tags import TagUses, TrendingTag, TrendingTags

_CURRENT_TAGS = select(tweet_hashtags.c.tag).where(tweet_hashtags.c.tweet_id == bindparam("tweet"))
_DROP_STALE = WriteStatement(
    delete(tag_uses).where(
        tag_uses.c.tweet_id == bindparam("tweet"), tag_uses.c.tag.not_in(_CURRENT_TAGS)
    )
)
# Two jobs of one tweet at once insert the same rows: the second's are ignored.
_ADD_CURRENT = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, tag_uses).from_select(
        ["tweet_id", "tag", "author_id", "used_at"],
        select(tweets.c.id, tweet_hashtags.c.tag, tweets.c.author_id, tweets.c.created_at)
        .join(tweet_hashtags, tweet_hashtags.c.tweet_id == tweets.c.id)
        .where(tweets.c.id == bindparam("tweet")),
    )
)

_OLDEST = (
    select(tag_uses.c.tweet_id)
    .where(tag_uses.c.used_at <= bindparam("before"))
    .order_by(tag_uses.c.used_at)
    .limit(bindparam("n"))
)
# By tweet (a tweet's uses share its time): the uses of at most ``n`` tweets.
_FORGET = WriteStatement(
    delete(tag_uses)
    .where(tag_uses.c.tweet_id.in_(_OLDEST), tag_uses.c.used_at <= bindparam("before"))
    .returning(tag_uses.c.tweet_id)
)

_accounts = func.count(tag_uses.c.author_id.distinct())
_tweets = func.count()
_TRENDING = ReadQuery(
    select(tag_uses.c.tag, _tweets.label("tweets"), _accounts.label("accounts"))
    .where(tag_uses.c.used_at > bindparam("start"))
    .group_by(tag_uses.c.tag)
    .order_by(desc(_accounts), desc(_tweets), tag_uses.c.tag)
    .limit(bindparam("limit"))
)


class SqlTagUses(TagUses):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def sync(self, tweet_id: int) -> None:
        await self._statements.execute(_DROP_STALE, tweet=tweet_id)
        await self._statements.execute(_ADD_CURRENT, tweet=tweet_id)

    async def forget(self, before: datetime, limit: int) -> int:
        return len(await self._statements.returned(_FORGET, before=before, n=limit))


class SqlTrendingTags(TrendingTags):
    """One statement over the uses of the window, through ``ix_tag_uses_used_at``."""

    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def since(self, start: datetime, limit: int) -> list[TrendingTag]:
        rows = await self._reads.all(_TRENDING, start=start, limit=limit)
        return [TrendingTag(row.tag, row.tweets, row.accounts) for row in rows]
