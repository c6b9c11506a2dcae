from __future__ import annotations

from dataclasses import dataclass

from application.ports.tweet_history import TweetHistory
from domain.errors import TweetNotFound
from domain.ids import is_id
from domain.tweets import TweetVersion


@dataclass(frozen=True, slots=True)
class GetTweetHistoryQuery:
    tweet_id: int


class GetTweetHistory:
    """Every version of a tweet's text: the original first (at the tweet's ``created_at``),
    then each edit's (at when it was made); the last is the current text. A tweet never
    edited has one version."""

    def __init__(self, history: TweetHistory) -> None:
        self._history = history

    async def __call__(self, query: GetTweetHistoryQuery) -> list[TweetVersion]:
        versions = await self._history.versions(query.tweet_id) if is_id(query.tweet_id) else None
        if versions is None:
            raise TweetNotFound
        return versions
