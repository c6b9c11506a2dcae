from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.tweet_reader import TweetReader
from application.ports.user_reader import UserSummary
from domain.errors import TweetNotFound
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class ListRepostersQuery:
    tweet_id: int
    page: PageRequest
    viewer_id: int | None = None


class ListReposters:
    """Who reposted a tweet, most recent repost first, keyset-paged."""

    def __init__(self, reader: TweetReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListRepostersQuery) -> Page[UserSummary]:
        if not (
            is_id(query.tweet_id) and await self._reader.exists(query.tweet_id, query.viewer_id)
        ):
            raise TweetNotFound
        rows = await self._reader.reposters(
            query.tweet_id, query.page.before, query.page.fetch, query.viewer_id
        )
        return page_of(rows, query.page)
