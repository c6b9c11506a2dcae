"""In-memory conversations, computed from the MemoryStore on each call."""

from __future__ import annotations

from adapters.memory.readers import InMemoryTweetReader
from adapters.memory.store import MemoryStore
from application.ports.clock import Clock
from application.ports.thread_reader import ThreadReader, TweetContext
from application.ports.tweet_reader import KeyedTweets, TweetView
from domain.tweets import MAX_ANCESTORS, MAX_DESCENDANT_DEPTH, MAX_DESCENDANTS


class InMemoryThreadReader(ThreadReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._reader = InMemoryTweetReader(store, clock)

    def _seen(self, ids: list[int], viewer_id: int | None) -> list[int]:
        return [i for i in ids if self._reader.visible(self._store.tweets[i], viewer_id)]

    def _children(self, tweet_id: int) -> list[int]:
        return sorted(t.id for t in self._store.tweets.values() if t.in_reply_to_id == tweet_id)

    async def _views(self, ids: list[int], viewer_id: int | None) -> list[TweetView]:
        views = [await self._reader.tweet(tweet_id, viewer_id) for tweet_id in ids]
        return [view for view in views if view is not None]

    async def replies(
        self, tweet_id: int, viewer_id: int | None, after: int | None, limit: int
    ) -> KeyedTweets:
        children = [i for i in self._children(tweet_id) if after is None or i > after]
        ids = self._seen(children, viewer_id)[:limit]
        return [(view.id, view) for view in await self._views(ids, viewer_id)]

    async def context(self, tweet_id: int, viewer_id: int | None) -> TweetContext | None:
        tweet = self._store.tweets.get(tweet_id)
        if tweet is None or not self._reader.visible(tweet, viewer_id):
            return None
        ancestors: list[int] = []
        parent = self._store.tweets.get(tweet.in_reply_to_id or 0)
        while parent is not None and len(ancestors) < MAX_ANCESTORS:
            ancestors.append(parent.id)
            parent = self._store.tweets.get(parent.in_reply_to_id or 0)
        descendants: list[int] = []
        # Depth-first, siblings oldest first: a stack of (id, depth), the oldest on top.
        stack = [(child, 1) for child in reversed(self._children(tweet_id))]
        while stack and len(descendants) < MAX_DESCENDANTS:
            current, depth = stack.pop()
            descendants += self._seen([current], viewer_id)
            if depth < MAX_DESCENDANT_DEPTH:
                stack += [(child, depth + 1) for child in reversed(self._children(current))]
        return TweetContext(
            await self._views(ancestors[::-1], viewer_id),
            await self._views(descendants, viewer_id),
        )
