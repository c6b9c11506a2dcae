"""In-memory mentions and hashtags, in the MemoryStore, and the tweets of a hashtag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.memory.readers import InMemoryTweetReader
from adapters.memory.store import MemoryStore
from application.ports.clock import Clock
from application.ports.tag_reader import TagReader
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_reader import KeyedTweets
from application.ports.user_reader import UserSummary
from domain.users import canonical_username


class InMemoryTweetEntities(TweetEntities):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def active_users(self, usernames: Sequence[str]) -> Mapping[str, UserSummary]:
        wanted = set(usernames)
        return {
            canonical_username(user.username): UserSummary(user.id, user.username, user.avatar)
            for user in self._store.users.values()
            if user.is_active and canonical_username(user.username) in wanted
        }

    async def add(self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]) -> None:
        if mentions:
            self._store.tweet_mentions[tweet_id] = list(mentions)
        if hashtags:
            self._store.tweet_hashtags[tweet_id] = list(hashtags)

    async def replace(
        self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]
    ) -> None:
        self._store.tweet_mentions.pop(tweet_id, None)
        self._store.tweet_hashtags.pop(tweet_id, None)
        await self.add(tweet_id, mentions, hashtags)

    async def mentioned(self, tweet_id: int) -> list[int]:
        return list(self._store.tweet_mentions.get(tweet_id, []))


class InMemoryTagReader(TagReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._reader = InMemoryTweetReader(store, clock)

    async def tweets(
        self, tag: str, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        ids = sorted(
            (
                tweet_id
                for tweet_id, tags in self._store.tweet_hashtags.items()
                if tag in tags
                and (before is None or tweet_id < before)
                and self._reader.visible(tweet := self._store.tweets[tweet_id], viewer_id)
                and self._reader.unmuted(tweet, viewer_id)
            ),
            reverse=True,
        )[:limit]
        rows = []
        for tweet_id in ids:
            view = await self._reader.tweet(tweet_id, viewer_id)
            if view is not None:
                rows.append((tweet_id, view))
        return rows
