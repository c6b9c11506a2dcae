from __future__ import annotations

from adapters.memory.store import MemoryStore
from application.ports.tweet_history import TweetHistory
from domain.tweets import TweetVersion


class InMemoryTweetHistory(TweetHistory):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def versions(self, tweet_id: int) -> list[TweetVersion] | None:
        tweet = self._store.tweets.get(tweet_id)
        if tweet is None:
            return None
        return [*self._store.tweet_versions.get(tweet_id, []), tweet.current_version]
