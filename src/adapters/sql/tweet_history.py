from __future__ import annotations

from sqlalchemy import bindparam, func, select, union_all

from adapters.sql.database import Reads
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import tweet_versions, tweets
from application.ports.tweet_history import TweetHistory
from domain.tweets import TweetVersion

# The versions the edits replaced, then the current one: none at all if there is no tweet.
_every_version = union_all(
    select(tweet_versions.c.number, tweet_versions.c.text, tweet_versions.c.created_at).where(
        tweet_versions.c.tweet_id == bindparam("tweet")
    ),
    select(
        tweets.c.edit_count.label("number"),
        tweets.c.text,
        func.coalesce(tweets.c.edited_at, tweets.c.created_at).label("created_at"),
    ).where(tweets.c.id == bindparam("tweet")),
).subquery()
_VERSIONS = ReadQuery(
    select(_every_version.c.text, _every_version.c.created_at).order_by(_every_version.c.number)
)


class SqlTweetHistory(TweetHistory):
    """A tweet's versions in one statement (one snapshot: never a version twice or none)."""

    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def versions(self, tweet_id: int) -> list[TweetVersion] | None:
        rows = await self._reads.all(_VERSIONS, tweet=tweet_id)
        return [TweetVersion(row.text, row.created_at) for row in rows] or None
