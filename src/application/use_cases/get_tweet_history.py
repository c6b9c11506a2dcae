from __future__ import annotations

from dataclasses import dataclass

from application.lookups import seen_tweet
from application.ports.tweet_history import TweetHistory
from application.ports.tweet_reader import TweetReader
from domain.errors import TweetNotFound
from domain.ids import is_id
from domain.tweets import TweetVersion


@dataclass(frozen=True, slots=True)
class GetTweetHistoryQuery:
    tweet_id: int
    viewer_id: int | None = None


class GetTweetHistory:
    """Every version of a tweet's text: the original first (at the tweet's ``created_at``),
    then each edit's (at when it was made); the last is the current text. A tweet never
    edited has one version. Hidden by a block as the tweet is (``tweet_not_found``)."""

    def __init__(self, history: TweetHistory, reader: TweetReader) -> None:
        self._history = history
        self._reader = reader

    async def __call__(self, query: GetTweetHistoryQuery) -> list[TweetVersion]:
        if query.viewer_id is not None:
            await seen_tweet(self._reader, query.tweet_id, query.viewer_id)
        versions = await self._history.versions(query.tweet_id) if is_id(query.tweet_id) else None
        if versions is None:
            raise TweetNotFound
        return versions
