from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.quote_reader import QuoteReader
from application.ports.tweet_reader import TweetReader, TweetView
from domain.errors import TweetNotFound
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class ListQuotesQuery:
    tweet_id: int
    page: PageRequest
    viewer_id: int | None = None


class ListQuotes:
    """The tweets quoting a tweet, newest first, keyset-paged; each embeds the quoted tweet.

    ``tweet_not_found`` when the tweet does not exist (its quotes outlive it, but are then
    no longer listed here).
    """

    def __init__(self, reader: TweetReader, quotes: QuoteReader) -> None:
        self._reader = reader
        self._quotes = quotes

    async def __call__(self, query: ListQuotesQuery) -> Page[TweetView]:
        if not (
            is_id(query.tweet_id) and await self._reader.exists(query.tweet_id, query.viewer_id)
        ):
            raise TweetNotFound
        page = query.page
        rows = await self._quotes.quotes(query.tweet_id, query.viewer_id, page.before, page.fetch)
        return page_of(rows, page)
