from __future__ import annotations

from collections import Counter

from adapters.memory.store import MemoryStore
from application.ports.counts import CountDrift, Counts


class InMemoryCounts(Counts):
    """The in-memory repositories change the counts at once: nothing is left to fold."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def fold(self, limit: int) -> int:
        return 0

    async def repair(self) -> list[CountDrift]:
        store = self._store
        followers = Counter(followee for _, followee in store.follows)
        following = Counter(follower for follower, _ in store.follows)
        tweets = Counter(tweet.author_id for tweet in store.tweets.values())
        likes = Counter(tweet_id for _, tweet_id in store.likes)
        reposts = Counter(tweet_id for _, tweet_id in store.reposts)
        replies = Counter(tweet.in_reply_to_id for tweet in store.tweets.values())
        quotes = Counter(tweet.quoted_tweet_id for tweet in store.tweets.values())
        drifts = []
        for user in store.users.values():
            for counter, actual in (
                ("users.followers_count", followers[user.id]),
                ("users.following_count", following[user.id]),
                ("users.tweets_count", tweets[user.id]),
            ):
                field = counter.removeprefix("users.")
                if getattr(user, field) != actual:
                    drifts.append(CountDrift(counter, user.id, getattr(user, field), actual))
                    setattr(user, field, actual)
        for tweet in store.tweets.values():
            for counter, actual in (
                ("tweets.like_count", likes[tweet.id]),
                ("tweets.repost_count", reposts[tweet.id]),
                ("tweets.reply_count", replies[tweet.id]),
                ("tweets.quote_count", quotes[tweet.id]),
            ):
                field = counter.removeprefix("tweets.")
                if getattr(tweet, field) != actual:
                    drifts.append(CountDrift(counter, tweet.id, getattr(tweet, field), actual))
                    setattr(tweet, field, actual)
        return drifts
