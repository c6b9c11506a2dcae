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
    repost_count: int = 0
    reposted_by_me: bool | None = None
    # On a feed or tweet list: the user whose repost put the tweet there (None: the tweet).
    reposted_by: UserSummary | None = None
    in_reply_to_id: int | None = None  # the tweet replied to, kept when it is deleted
    in_reply_to_username: str | None = None  # its author's (current) username
    reply_count: int = 0  # direct replies
    quote_count: int = 0
    quoted_tweet_id: int | None = None
    quoted: TweetView | None = None
    bookmarked_by_me: bool | None = None


# Lists come back as (key, item) rows, newest (largest key) first, at most ``limit`` rows,
# keys below ``before`` when it is given.
KeyedTweets = list[tuple[int, TweetView]]
KeyedUsers = list[tuple[int, UserSummary]]


class TweetReader(Protocol):
    """Read models of tweets, one query per call (no N+1)."""

    async def exists(self, tweet_id: int, viewer_id: int | None = None) -> bool:
        """Whether the tweet exists (as committed) and the viewer may see it: no block
        separates them from its author."""
        ...

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None: ...

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
        """The author's tweets (without their replies if ``exclude_replies``), keyed by
        tweet id; with ``include_reposts`` their reposts too (``reposted_by`` set), each
        keyed by its position, all in the order they were made."""
        ...

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        """The reader's home feed (own tweets and followees', and the tweets followees
        reposted), keyed by the position each entered it at."""
        ...

    async def bookmarked(self, user_id: int, before: int | None, limit: int) -> KeyedTweets:
        """The user's bookmarked tweets, most recently bookmarked first, keyed by the
        bookmark (without those a block hides from the user)."""
        ...

    async def likers(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        """Who liked the tweet, most recent like first, keyed by the like (without the
        accounts a block separates from the viewer)."""
        ...

    async def reposters(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        """Who reposted the tweet, most recent repost first, keyed by the repost (without
        the accounts a block separates from the viewer)."""
        ...
