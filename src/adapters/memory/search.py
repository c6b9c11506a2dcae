"""In-memory search: the index the workers keep, and the two searches."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.readers import InMemoryTweetReader
from adapters.memory.relationships import profile_view
from adapters.memory.store import MemoryStore
from application.ports.clock import Clock
from application.ports.search_index import SearchIndex
from application.ports.tweet_reader import KeyedTweets
from application.ports.tweet_search import TweetSearch
from application.ports.user_reader import ProfileView
from application.ports.user_search import UserSearch
from domain.search import fold
from domain.users import canonical_username


class InMemorySearchIndex(SearchIndex):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def put(self, tweet_id: int, version: int, words: Sequence[str]) -> None:
        held = self._store.search_index.get(tweet_id)
        if tweet_id in self._store.tweets and (held is None or held[0] <= version):
            self._store.search_index[tweet_id] = (version, frozenset(words))

    async def remove(self, tweet_id: int) -> None:
        self._store.search_index.pop(tweet_id, None)


class InMemoryTweetSearch(TweetSearch):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._reader = InMemoryTweetReader(store, clock)

    async def tweets(
        self,
        words: Sequence[str],
        author_id: int | None,
        tags: Sequence[str],
        viewer_id: int | None,
        before: int | None,
        limit: int,
    ) -> KeyedTweets:
        def matches(tweet_id: int) -> bool:
            tweet = self._store.tweets.get(tweet_id)
            held = self._store.search_index.get(tweet_id)
            return (
                tweet is not None
                and (before is None or tweet_id < before)
                and (not words or (held is not None and held[1].issuperset(words)))
                and (author_id is None or tweet.author_id == author_id)
                and set(tags) <= set(self._store.tweet_hashtags.get(tweet_id, ()))
                and self._reader.visible(tweet, viewer_id)
                and self._reader.unmuted(tweet, viewer_id)
            )

        ids = sorted(filter(matches, self._store.tweets), reverse=True)[:limit]
        rows = []
        for tweet_id in ids:
            view = await self._reader.tweet(tweet_id, viewer_id)
            if view is not None:
                rows.append((tweet_id, view))
        return rows


class InMemoryUserSearch(UserSearch):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def by_prefix(
        self, prefix: str, upper: str | None, viewer_id: int | None, limit: int
    ) -> list[ProfileView]:
        def within(value: str) -> bool:
            return prefix <= value and (upper is None or value < upper)

        found = [
            user
            for user in self._store.users.values()
            if user.is_active
            and (
                within(canonical_username(user.username))
                or within(fold(user.first_name))
                or within(fold(user.last_name))
            )
        ]
        found.sort(
            key=lambda u: (canonical_username(u.username) != prefix, -u.followers_count, u.id)
        )
        now = self._clock.now()
        return [profile_view(self._store, user, viewer_id, now) for user in found[:limit]]
