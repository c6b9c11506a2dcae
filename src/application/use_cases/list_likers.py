from __future__ import annotations

from dataclasses import dataclass

from application.lookups import existing_tweet
from application.pagination import Page, PageRequest, page_of
from application.ports.tweet_reader import TweetReader
from application.ports.tweets import TweetRepository
from application.ports.user_reader import UserSummary


@dataclass(frozen=True, slots=True)
class ListLikersQuery:
    tweet_id: int
    page: PageRequest


class ListLikers:
    """Who liked a tweet, most recent like first, keyset-paged."""

    def __init__(self, tweets: TweetRepository, reader: TweetReader) -> None:
        self._tweets = tweets
        self._reader = reader

    async def __call__(self, query: ListLikersQuery) -> Page[UserSummary]:
        await existing_tweet(self._tweets, query.tweet_id)
        rows = await self._reader.likers(query.tweet_id, query.page.before, query.page.fetch)
        return page_of(rows, query.page)
