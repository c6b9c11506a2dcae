from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from application.ports.media import MediaView
from application.ports.user_reader import UserSummary


class TweetView(NamedTuple):
    """A tweet as a reader sees it; ``liked_by_me`` is None for an anonymous reader.

    ``quoted`` is the tweet it quotes as the same reader sees it, one level deep (its own
    ``quoted`` is None); None as well when that tweet was deleted (``quoted_tweet_id`` stays).
    """

    id: int
    text: str
    image: str | None
    author: UserSummary
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    liked_by_me: bool | None
    media: tuple[MediaView, ...] = ()  # in order; ``image`` is the first one's name
    mentions: tuple[UserSummary, ...] = ()  # in order of first appearance
    hashtags: tuple[str, ...] = ()  # folded, in order of first appearance
    quote_count: int = 0
    quoted_tweet_id: int | None = None
    quoted: TweetView | None = None


# Lists come back as (key, item) rows, newest (largest key) first, at most ``limit`` rows,
# keys below ``before`` when it is given.
KeyedTweets = list[tuple[int, TweetView]]
KeyedUsers = list[tuple[int, UserSummary]]


class TweetReader(Protocol):
    """Read models of tweets, one query per call (no N+1)."""

    async def exists(self, tweet_id: int) -> bool:
        """Whether the tweet exists (as committed)."""
        ...

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None: ...

    async def by_author(
        self, author_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        """The author's tweets, keyed by tweet id."""
        ...

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        """The reader's home feed (own tweets and followees'), keyed by tweet id."""
        ...

    async def likers(self, tweet_id: int, before: int | None, limit: int) -> KeyedUsers:
        """Who liked the tweet, most recent like first, keyed by the like."""
        ...
