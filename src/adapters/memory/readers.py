"""In-memory read models, computed from the MemoryStore on each call."""

from __future__ import annotations

from typing import TypeVar

from adapters.memory.media import media_of
from adapters.memory.relationships import profile_view
from adapters.memory.social import reaches
from adapters.memory.store import MemoryStore
from adapters.memory.users import InMemoryUserRepository
from application.ports.clock import Clock
from application.ports.quote_reader import QuoteReader
from application.ports.tweet_reader import KeyedTweets, KeyedUsers, TweetReader, TweetView
from application.ports.user_reader import ActiveUser, ProfileView, UserReader, UserSummary
from domain.tweets import Tweet
from domain.users import User

T = TypeVar("T")


def _summary(user: User) -> UserSummary:
    return UserSummary(id=user.id, username=user.username, avatar=user.avatar)


def _newest(rows: list[tuple[int, T]], before: int | None, limit: int) -> list[tuple[int, T]]:
    kept = [row for row in rows if before is None or row[0] < before]
    return sorted(kept, key=lambda row: row[0], reverse=True)[:limit]


class InMemoryTweetReader(TweetReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def visible(self, tweet: Tweet, viewer_id: int | None) -> bool:
        """Whether no block separates the viewer from the tweet's author."""
        return viewer_id is None or not self._store.blocked_between(viewer_id, tweet.author_id)

    def unmuted(self, tweet: Tweet, viewer_id: int | None, reposter: int | None = None) -> bool:
        """Whether the viewer mutes neither the tweet's author nor the reposter, at ``now``."""
        if viewer_id is None:
            return True
        now = self._clock.now()
        return not any(
            self._store.muting(viewer_id, user_id, now)
            for user_id in (tweet.author_id, reposter)
            if user_id is not None
        )

    async def exists(self, tweet_id: int, viewer_id: int | None = None) -> bool:
        tweet = self._store.tweets.get(tweet_id)
        return tweet is not None and self.visible(tweet, viewer_id)

    def _view(
        self,
        tweet: Tweet,
        viewer_id: int | None,
        reposted_by: int | None = None,
        *,
        embed: bool = True,
    ) -> TweetView:
        quoted = self._store.tweets.get(tweet.quoted_tweet_id or 0) if embed else None
        if quoted is not None and not self.visible(quoted, viewer_id):
            quoted = None
        return TweetView(
            id=tweet.id,
            text=tweet.text,
            image=tweet.image,
            author=_summary(self._store.users[tweet.author_id]),
            created_at=tweet.created_at,
            edited_at=tweet.edited_at,
            like_count=tweet.like_count,
            liked_by_me=None if viewer_id is None else (viewer_id, tweet.id) in self._store.likes,
            media=media_of(self._store, tweet.id),
            mentions=tuple(
                _summary(self._store.users[user_id])
                for user_id in self._store.tweet_mentions.get(tweet.id, [])
                if user_id in self._store.users
            ),
            hashtags=tuple(self._store.tweet_hashtags.get(tweet.id, [])),
            repost_count=tweet.repost_count,
            reposted_by_me=(
                None if viewer_id is None else (viewer_id, tweet.id) in self._store.reposts
            ),
            reposted_by=None if reposted_by is None else _summary(self._store.users[reposted_by]),
            in_reply_to_id=tweet.in_reply_to_id,
            in_reply_to_username=(
                None
                if (parent_author := self._store.users.get(tweet.in_reply_to_user_id or 0)) is None
                else parent_author.username
            ),
            reply_count=tweet.reply_count,
            quote_count=tweet.quote_count,
            quoted_tweet_id=tweet.quoted_tweet_id,
            quoted=None if quoted is None else self._view(quoted, viewer_id, embed=False),
            bookmarked_by_me=(
                None if viewer_id is None else (viewer_id, tweet.id) in self._store.bookmarks
            ),
        )

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None:
        tweet = self._store.tweets.get(tweet_id)
        if tweet is None or not self.visible(tweet, viewer_id):
            return None
        return self._view(tweet, viewer_id)

    async def by_author(
        self,
        author_id: int,
        viewer_id: int | None,
        before: int | None,
        limit: int,
        *,
        include_reposts: bool = False,
        exclude_replies: bool = False,
    ) -> KeyedTweets:
        rows = [
            (t.id, self._view(t, viewer_id))
            for t in self._store.tweets.values()
            if t.author_id == author_id and not (exclude_replies and t.in_reply_to_id is not None)
        ]
        if include_reposts:
            rows += [
                (position, self._view(self._store.tweets[tweet_id], viewer_id, author_id))
                for (user_id, tweet_id), (_, position) in self._store.reposts.items()
                if user_id == author_id and self.visible(self._store.tweets[tweet_id], viewer_id)
            ]
        return _newest(rows, before, limit)

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        followed = {followee for follower, followee in self._store.follows if follower == reader_id}
        merged = {
            t.id
            for t in self._store.tweets.values()
            if not t.fanned_out
            and (t.author_id in followed or t.author_id == reader_id)
            and reaches(self._store, t, reader_id)
        }
        reposted = self._store.repost_entries.get(reader_id, {})
        entries = (self._store.timelines.get(reader_id, set()) | merged) - set(reposted)
        found: list[tuple[int, Tweet, int | None]] = [
            (i, self._store.tweets[i], None) for i in entries
        ]
        found += [
            (position, self._store.tweets[i], reposter)
            for i, (position, reposter) in reposted.items()
        ]
        rows = [
            (position, self._view(tweet, reader_id, reposter))
            for position, tweet, reposter in found
            if self.visible(tweet, reader_id)
            and (reposter is None or not self._store.blocked_between(reader_id, reposter))
            and self.unmuted(tweet, reader_id, reposter)
        ]
        return _newest(rows, before, limit)

    async def bookmarked(self, user_id: int, before: int | None, limit: int) -> KeyedTweets:
        rows = [
            (bookmark_id, self._view(tweet, user_id))
            for (owner, tweet_id), bookmark_id in self._store.bookmarks.items()
            if owner == user_id
            and (tweet := self._store.tweets.get(tweet_id)) is not None
            and self.visible(tweet, user_id)
        ]
        return _newest(rows, before, limit)

    async def likers(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        made = [
            (like_id, user_id)
            for (user_id, liked), like_id in self._store.likes.items()
            if liked == tweet_id
        ]
        return self._users_who(made, before, limit, viewer_id)

    async def reposters(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        made = [
            (repost_id, user_id)
            for (user_id, reposted), (repost_id, _) in self._store.reposts.items()
            if reposted == tweet_id
        ]
        return self._users_who(made, before, limit, viewer_id)

    def _users_who(
        self, made: list[tuple[int, int]], before: int | None, limit: int, viewer_id: int | None
    ) -> KeyedUsers:
        rows = [
            (key, _summary(self._store.users[user_id]))
            for key, user_id in made
            if viewer_id is None or not self._store.blocked_between(viewer_id, user_id)
        ]
        return _newest(rows, before, limit)


class InMemoryQuoteReader(QuoteReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._reader = InMemoryTweetReader(store, clock)

    async def quotes(
        self, tweet_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        rows = [
            (tweet.id, self._reader._view(tweet, viewer_id))
            for tweet in self._store.tweets.values()
            if tweet.quoted_tweet_id == tweet_id and self._reader.visible(tweet, viewer_id)
        ]
        return _newest(rows, before, limit)


class InMemoryUserReader(UserReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._users = InMemoryUserRepository(store)

    async def get(self, user_id: int) -> User | None:
        return await self._users.get(user_id)

    async def get_by_username(self, username: str) -> User | None:
        return await self._users.get_by_username(username)

    async def profile(self, user_id: int, viewer_id: int | None) -> ProfileView | None:
        user = self._store.users.get(user_id)
        if user is None:
            return None
        return profile_view(self._store, user, viewer_id, self._clock.now())

    async def followers(
        self, user_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> list[tuple[int, UserSummary]]:
        rows = [
            (follow_id, _summary(self._store.users[follower]))
            for (follower, followee), follow_id in self._store.follows.items()
            if followee == user_id and self._shown(follower, viewer_id)
        ]
        return _newest(rows, before, limit)

    async def following(
        self, user_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> list[tuple[int, UserSummary]]:
        rows = [
            (follow_id, _summary(self._store.users[followee]))
            for (follower, followee), follow_id in self._store.follows.items()
            if follower == user_id and self._shown(followee, viewer_id)
        ]
        return _newest(rows, before, limit)

    def _shown(self, user_id: int, viewer_id: int | None) -> bool:
        return viewer_id is None or not self._store.blocked_between(viewer_id, user_id)

    async def recently_active(self, limit: int) -> list[ActiveUser]:
        logged_in = [
            u for u in self._store.users.values() if u.is_active and u.last_login is not None
        ]
        logged_in.sort(key=lambda u: (u.last_login, u.id), reverse=True)
        return [ActiveUser(u.username, u.last_login) for u in logged_in[:limit] if u.last_login]

    async def newest(self, before: int | None, limit: int) -> list[tuple[int, User]]:
        return _newest([(u.id, u) for u in self._store.users.values()], before, limit)
