"""In-memory tweets, likes, follows and home timelines, sharing one MemoryStore."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.bookmarks import BookmarkRepository
from application.ports.follows import FollowRepository
from application.ports.home_timelines import FannedOut, HomeTimelines
from application.ports.likes import LikeChange, LikeRepository
from application.ports.reposts import RepostChange, RepostRepository
from application.ports.tweets import TweetRepository
from domain.errors import TweetNotFound
from domain.tweets import Tweet, TweetVersion, fans_out, reaches_feed_of


def reaches(store: MemoryStore, tweet: Tweet, reader_id: int) -> bool:
    """``domain.tweets.reaches_feed_of`` on the store's follows."""
    follows_parent_author = (reader_id, tweet.in_reply_to_user_id or 0) in store.follows
    return reaches_feed_of(
        reader_id, tweet.author_id, tweet.in_reply_to_user_id, follows_parent_author
    )


class InMemoryTweetRepository(TweetRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, tweet: Tweet) -> Tweet:
        tweet.id = self._store.next_id()
        self._store.tweets[tweet.id] = dataclasses.replace(tweet)
        self._store.users[tweet.author_id].tweets_count += 1
        if (parent := self._store.tweets.get(tweet.in_reply_to_id or 0)) is not None:
            parent.reply_count += 1
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
        if (parent := self._store.tweets.get(tweet.in_reply_to_id or 0)) is not None:
            parent.reply_count -= 1
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
        for key in [key for key in self._store.reposts if key[1] == tweet.id]:
            del self._store.reposts[key]
        for key in [key for key in self._store.bookmarks if key[1] == tweet.id]:
            del self._store.bookmarks[key]
        for timeline in self._store.timelines.values():
            timeline.discard(tweet.id)
        for entries in self._store.repost_entries.values():
            entries.pop(tweet.id, None)

    async def quote_count(self, tweet_id: int) -> int | None:
        tweet = self._store.tweets.get(tweet_id)
        return None if tweet is None else tweet.quote_count


class InMemoryLikeRepository(LikeRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> LikeChange:
        tweet = self._tweet(tweet_id)
        created = (user_id, tweet_id) not in self._store.likes
        if created:
            self._store.likes[user_id, tweet_id] = self._store.next_id()
            tweet.like_count += 1
        return LikeChange(created, tweet.like_count)

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


class InMemoryRepostRepository(RepostRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def repost(self, user_id: int, tweet_id: int, now: datetime) -> RepostChange:
        tweet = self._tweet(tweet_id)
        if (user_id, tweet_id) in self._store.reposts:
            return RepostChange(tweet.repost_count)
        made = self._store.reposts[user_id, tweet_id] = (
            self._store.next_id(),
            self._store.next_id(),
        )
        tweet.repost_count += 1
        return RepostChange(tweet.repost_count, *made)

    async def undo(self, user_id: int, tweet_id: int) -> RepostChange:
        tweet = self._tweet(tweet_id)
        removed = self._store.reposts.pop((user_id, tweet_id), None)
        if removed is None:
            return RepostChange(tweet.repost_count)
        tweet.repost_count -= 1
        return RepostChange(tweet.repost_count, *removed)

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
        batch = self._followers(author_id, after)[:limit]
        for _, follower in batch:
            if reaches(self._store, tweet, follower):
                self._store.timelines.setdefault(follower, set()).add(tweet_id)
        if len(batch) == limit:
            return FannedOut(batch[-1][0])
        tweet.fanned_out = True
        return FannedOut(None)

    async def fan_out_repost(
        self, repost_id: int, reposter_id: int, after: int, limit: int
    ) -> FannedOut:
        made = next(
            (
                (tweet_id, position)
                for (user_id, tweet_id), (made_id, position) in self._store.reposts.items()
                if made_id == repost_id and user_id == reposter_id
            ),
            None,
        )
        if made is None:
            return FannedOut(None)
        tweet_id, position = made
        tweet = self._store.tweets[tweet_id]
        author = tweet.author_id
        batch = self._followers(reposter_id, after)[:limit]
        for _, reader in batch:
            entries = self._store.repost_entries.setdefault(reader, {})
            if (
                reader != author
                and not (
                    (reader, author) in self._store.follows and reaches(self._store, tweet, reader)
                )
                and tweet_id not in self._store.timelines.get(reader, set())
                and entries.get(tweet_id, (position + 1, 0))[0] > position  # earliest stays
            ):
                entries[tweet_id] = (position, reposter_id)
        return FannedOut(batch[-1][0] if len(batch) == limit else None)

    async def remove_repost(self, reposter_id: int, tweet_id: int, position: int) -> None:
        for entries in self._store.repost_entries.values():
            if entries.get(tweet_id) == (position, reposter_id):
                del entries[tweet_id]

    def _followers(self, user_id: int, after: int) -> list[tuple[int, int]]:
        """(follow id, follower) of the user's followers past ``after``, in follow order."""
        return sorted(
            (follow_id, follower)
            for (follower, followee), follow_id in self._store.follows.items()
            if followee == user_id and follow_id > after
        )

    async def trim(self, reader_id: int) -> None:
        pass  # an in-memory timeline keeps every entry

    async def add_author(self, reader_id: int, author_id: int) -> None:
        if (reader_id, author_id) not in self._store.follows:
            return
        authored = {
            t.id
            for t in self._store.tweets.values()
            if t.author_id == author_id and reaches(self._store, t, reader_id)
        }
        self._store.timelines.setdefault(reader_id, set()).update(authored)

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        if (reader_id, author_id) in self._store.follows:
            return
        authored = {t.id for t in self._store.tweets.values() if t.author_id == author_id}
        self._store.timelines.get(reader_id, set()).difference_update(authored)
        entries = self._store.repost_entries.get(reader_id, {})
        for tweet_id in [t for t, (_, reposter) in entries.items() if reposter == author_id]:
            del entries[tweet_id]


class InMemoryBookmarkRepository(BookmarkRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def bookmark(self, user_id: int, tweet_id: int, now: datetime) -> None:
        self._store.bookmarks.setdefault((user_id, tweet_id), self._store.next_id())

    async def remove(self, user_id: int, tweet_id: int) -> None:
        self._store.bookmarks.pop((user_id, tweet_id), None)
