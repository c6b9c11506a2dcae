from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.thread_reader import ThreadReader
from application.ports.tweet_reader import TweetReader, TweetView
from domain.errors import TweetNotFound
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class ListRepliesQuery:
    tweet_id: int
    page: PageRequest
    viewer_id: int | None = None


class ListReplies:
    """A tweet's direct replies, oldest first, keyset-paged (``tweet_not_found`` if the tweet
    does not exist; the replies of a deleted tweet are not listed)."""

    def __init__(self, reader: TweetReader, threads: ThreadReader) -> None:
        self._reader = reader
        self._threads = threads

    async def __call__(self, query: ListRepliesQuery) -> Page[TweetView]:
        if not (
            is_id(query.tweet_id) and await self._reader.exists(query.tweet_id, query.viewer_id)
        ):
            raise TweetNotFound
        page = query.page
        rows = await self._threads.replies(query.tweet_id, query.viewer_id, page.after, page.fetch)
        return page_of(rows, page)
