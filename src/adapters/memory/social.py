"""In-memory tweets, likes, follows and home timelines, sharing one MemoryStore."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.follows import FollowRepository
from application.ports.home_timelines import FannedOut, HomeTimelines
from application.ports.likes import LikeRepository
from application.ports.tweets import TweetRepository
from domain.errors import TweetNotFound
from domain.tweets import Tweet, TweetVersion, fans_out


class InMemoryTweetRepository(TweetRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, tweet: Tweet) -> Tweet:
        tweet.id = self._store.next_id()
        self._store.tweets[tweet.id] = dataclasses.replace(tweet)
        self._store.users[tweet.author_id].tweets_count += 1
        quoted = self._store.tweets.get(tweet.quoted_tweet_id or 0)
        if quoted is not None:
            quoted.quote_count += 1
        return tweet

    async def get(self, tweet_id: int) -> Tweet | None:
        tweet = self._store.tweets.get(tweet_id)
        return None if tweet is None else dataclasses.replace(tweet)

    async def record_edit(self, tweet: Tweet, replaced: TweetVersion) -> bool:
        stored = self._store.tweets.get(tweet.id)
        if stored is None or stored.edit_count != tweet.edit_count - 1:
            return False
        stored.text, stored.edited_at = tweet.text, tweet.edited_at
        stored.edit_count = tweet.edit_count
        self._store.tweet_versions.setdefault(tweet.id, []).append(replaced)
        return True

    async def delete(self, tweet: Tweet) -> None:
        if self._store.tweets.pop(tweet.id, None) is None:
            return
        self._store.users[tweet.author_id].tweets_count -= 1
        quoted = self._store.tweets.get(tweet.quoted_tweet_id or 0)
        if quoted is not None:
            quoted.quote_count -= 1
        self._store.tweet_versions.pop(tweet.id, None)
        self._store.tweet_mentions.pop(tweet.id, None)
        self._store.tweet_hashtags.pop(tweet.id, None)
        for use in [use for use in self._store.tag_uses if use[0] == tweet.id]:
            del self._store.tag_uses[use]
        for key in [key for key in self._store.likes if key[1] == tweet.id]:
            del self._store.likes[key]
        for timeline in self._store.timelines.values():
            timeline.discard(tweet.id)

    async def quote_count(self, tweet_id: int) -> int | None:
        tweet = self._store.tweets.get(tweet_id)
        return None if tweet is None else tweet.quote_count


class InMemoryLikeRepository(LikeRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> int:
        tweet = self._tweet(tweet_id)
        if (user_id, tweet_id) not in self._store.likes:
            self._store.likes[user_id, tweet_id] = self._store.next_id()
            tweet.like_count += 1
        return tweet.like_count

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        tweet = self._tweet(tweet_id)
        if self._store.likes.pop((user_id, tweet_id), None) is not None:
            tweet.like_count -= 1
        return tweet.like_count

    def _tweet(self, tweet_id: int) -> Tweet:
        tweet = self._store.tweets.get(tweet_id)
        if tweet is None:
            raise TweetNotFound
        return tweet


class InMemoryFollowRepository(FollowRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def follow(self, follower_id: int, followee_id: int, now: datetime) -> bool:
        if (follower_id, followee_id) in self._store.follows:
            return False
        self._store.follows[follower_id, followee_id] = self._store.next_id()
        self._store.users[follower_id].following_count += 1
        self._store.users[followee_id].followers_count += 1
        return True

    async def unfollow(self, follower_id: int, followee_id: int) -> bool:
        if self._store.follows.pop((follower_id, followee_id), None) is None:
            return False
        self._store.users[follower_id].following_count -= 1
        self._store.users[followee_id].followers_count -= 1
        return True


class InMemoryHomeTimelines(HomeTimelines):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def fan_out(
        self, tweet_id: int, author_id: int, after: int, limit: int, max_followers: int
    ) -> FannedOut:
        tweet = self._store.tweets.get(tweet_id)
        if tweet is None or tweet.fanned_out:
            return FannedOut(None)
        author = self._store.users.get(author_id)
        if after == 0 and not fans_out(author.followers_count if author else 0, max_followers):
            return FannedOut(None)
        if after == 0:
            self._store.timelines.setdefault(author_id, set()).add(tweet_id)
        batch = sorted(
            (follow_id, follower)
            for (follower, followee), follow_id in self._store.follows.items()
            if followee == author_id and follow_id > after
        )[:limit]
        for _, follower in batch:
            self._store.timelines.setdefault(follower, set()).add(tweet_id)
        if len(batch) == limit:
            return FannedOut(batch[-1][0])
        tweet.fanned_out = True
        return FannedOut(None)

    async def trim(self, reader_id: int) -> None:
        pass  # an in-memory timeline keeps every entry

    async def add_author(self, reader_id: int, author_id: int) -> None:
        if (reader_id, author_id) not in self._store.follows:
            return
        authored = {t.id for t in self._store.tweets.values() if t.author_id == author_id}
        self._store.timelines.setdefault(reader_id, set()).update(authored)

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        if (reader_id, author_id) in self._store.follows:
            return
        authored = {t.id for t in self._store.tweets.values() if t.author_id == author_id}
        self._store.timelines.get(reader_id, set()).difference_update(authored)
