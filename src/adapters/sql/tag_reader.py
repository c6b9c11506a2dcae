"""Hashtag pages: a range scan of ``tweet_hashtags``' (tag, tweet_id) index, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam

from adapters.sql.database import Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.relationships import unmuted
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import Id, UtcDateTime, tweet_hashtags, tweets
from adapters.sql.tweet_reader import _tweet_views, keyed_views
from application.ports.clock import Clock
from application.ports.tag_reader import TagReader
from application.ports.tweet_reader import KeyedTweets


def _tagged(signed_in: bool, paged: bool) -> Select[Any]:
    """For a signed-in viewer, without the tweets of accounts the viewer mutes (at
    ``:now``) or that a block separates from the viewer (``_tweet_views``)."""
    statement = (
        _tweet_views(signed_in)
        .join(tweet_hashtags, tweet_hashtags.c.tweet_id == tweets.c.id)
        .where(tweet_hashtags.c.tag == bindparam("tag"))
    )
    if signed_in:
        now = bindparam("now", type_=UtcDateTime)
        statement = statement.where(unmuted(bindparam("viewer", type_=Id), tweets.c.author_id, now))
    return newest_first(statement, tweet_hashtags.c.tweet_id, paged)


_TAGGED = {
    (signed_in, paged): ReadQuery(_tagged(signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}


class SqlTagReader(TagReader):
    def __init__(self, connections: Reads, clock: Clock) -> None:
        self._reads = connections
        self._clock = clock

    async def tweets(
        self, tag: str, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        rows = await self._reads.all(
            _TAGGED[viewer_id is not None, before is not None],
            tag=tag,
            **({} if viewer_id is None else {"viewer": viewer_id, "now": self._clock.now()}),
            **page_params(before, limit),
        )
        return await keyed_views(self._reads, [row.id for row in rows], rows, viewer_id)
