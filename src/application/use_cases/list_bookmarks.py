from __future__ import annotations

from application.pagination import Page, page_of
from application.ports.tweet_reader import TweetReader, TweetView
from application.use_cases.list_blocks import OwnListQuery


class ListBookmarks:
    """The user's bookmarks, most recently bookmarked first, keyset-paged; only their own
    (bookmarks are private)."""

    def __init__(self, reader: TweetReader) -> None:
        self._reader = reader

    async def __call__(self, query: OwnListQuery) -> Page[TweetView]:
        page = query.page
        return page_of(await self._reader.bookmarked(query.user_id, page.before, page.fetch), page)
