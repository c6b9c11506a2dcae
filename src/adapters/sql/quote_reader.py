"""A tweet's quotes: a range scan of the partial (quoted_tweet_id, id) index, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam

from adapters.sql.database import Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import tweets
from adapters.sql.tweet_reader import _tweet_views, _viewer, keyed_views
from application.ports.quote_reader import QuoteReader
from application.ports.tweet_reader import KeyedTweets


def _quotes(signed_in: bool, paged: bool) -> Select[Any]:
    statement = _tweet_views(signed_in).where(tweets.c.quoted_tweet_id == bindparam("tweet"))
    return newest_first(statement, tweets.c.id, paged)


_QUOTES = {
    (signed_in, paged): ReadQuery(_quotes(signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}


class SqlQuoteReader(QuoteReader):
    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def quotes(
        self, tweet_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        rows = await self._reads.all(
            _QUOTES[viewer_id is not None, before is not None],
            tweet=tweet_id,
            **_viewer(viewer_id),
            **page_params(before, limit),
        )
        return await keyed_views(self._reads, [row.id for row in rows], rows, viewer_id)
