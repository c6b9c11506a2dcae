from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.tweet_reader import TweetReader, TweetView


@dataclass(frozen=True, slots=True)
class BuildFeedQuery:
    reader_id: int
    page: PageRequest


class BuildFeed:
    """The reader's home feed: own tweets and followees', newest first, keyset-paged.

    A page costs the same at any depth and whatever the size of the data (see HomeTimelines).
    """

    def __init__(self, reader: TweetReader) -> None:
        self._reader = reader

    async def __call__(self, query: BuildFeedQuery) -> Page[TweetView]:
        page = query.page
        rows = await self._reader.home(query.reader_id, page.before, page.fetch)
        return page_of(rows, page)
