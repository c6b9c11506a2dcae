"""In-memory tag uses and trends, in the MemoryStore."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.trending_tags import TagUses, TrendingTag, TrendingTags


class InMemoryTagUses(TagUses):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def sync(self, tweet_id: int) -> None:
        tweet = self._store.tweets.get(tweet_id)
        current = set(self._store.tweet_hashtags.get(tweet_id, [])) if tweet else set()
        for key in [key for key in self._store.tag_uses if key[0] == tweet_id]:
            if key[1] not in current:
                del self._store.tag_uses[key]
        if tweet is not None:
            for tag in current:
                self._store.tag_uses[tweet_id, tag] = (tweet.author_id, tweet.created_at)

    async def forget(self, before: datetime, limit: int) -> int:
        old = sorted(
            (used_at, use)
            for use, (_, used_at) in self._store.tag_uses.items()
            if used_at <= before
        )[:limit]
        for _, use in old:
            del self._store.tag_uses[use]
        return len(old)


class InMemoryTrendingTags(TrendingTags):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def since(self, start: datetime, limit: int) -> list[TrendingTag]:
        authors: dict[str, set[int]] = defaultdict(set)
        tweets: dict[str, int] = defaultdict(int)
        for (_, tag), (author_id, used_at) in self._store.tag_uses.items():
            if used_at > start:
                authors[tag].add(author_id)
                tweets[tag] += 1
        trends = [TrendingTag(tag, tweets[tag], len(authors[tag])) for tag in tweets]
        trends.sort(key=lambda trend: (-trend.accounts, -trend.tweets, trend.tag))
        return trends[:limit]
