from __future__ import annotations

from dataclasses import dataclass

from application.ports.tweet_reader import TweetReader, TweetView
from domain.errors import TweetNotFound
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class GetTweetQuery:
    tweet_id: int
    viewer_id: int | None = None


class GetTweet:
    """One tweet; ``liked_by_me`` only for a signed-in viewer."""

    def __init__(self, reader: TweetReader) -> None:
        self._reader = reader

    async def __call__(self, query: GetTweetQuery) -> TweetView:
        view = (
            await self._reader.tweet(query.tweet_id, query.viewer_id)
            if is_id(query.tweet_id)
            else None
        )
        if view is None:
            raise TweetNotFound
        return view
