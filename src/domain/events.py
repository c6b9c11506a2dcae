"""Facts the write path records: what happened, as committed by one use case.

Everything derived from a fact (other users' feeds, counts, notifications, search) is
done after the commit by workers that subscribe to these events. An event carries ids
only: a handler reads the current state of what they name, so a late or repeated
delivery acts on what is true now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class TweetPosted:
    kind: ClassVar[str] = "tweet_posted"
    tweet_id: int
    author_id: int


@dataclass(frozen=True, slots=True)
class UserFollowed:
    kind: ClassVar[str] = "user_followed"
    follower_id: int
    followee_id: int


@dataclass(frozen=True, slots=True)
class UserUnfollowed:
    kind: ClassVar[str] = "user_unfollowed"
    follower_id: int
    followee_id: int


@dataclass(frozen=True, slots=True)
class UserBlocked:
    kind: ClassVar[str] = "user_blocked"
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True, slots=True)
class TweetTagsChanged:
    """A tweet was posted or edited with hashtags, or an edit changed them."""

    kind: ClassVar[str] = "tweet_tags_changed"
    tweet_id: int


@dataclass(frozen=True, slots=True)
class TweetReposted:
    kind: ClassVar[str] = "tweet_reposted"
    repost_id: int
    user_id: int
    tweet_id: int = 0  # 0 in the jobs of an earlier version (the fan-out reads the repost)


@dataclass(frozen=True, slots=True)
class RepostUndone:
    """A repost was undone: the feed entries it made (at ``position``) go."""

    kind: ClassVar[str] = "repost_undone"
    user_id: int
    tweet_id: int
    position: int


@dataclass(frozen=True, slots=True)
class TweetLiked:
    """A like was made (not one repeated)."""

    kind: ClassVar[str] = "tweet_liked"
    user_id: int
    tweet_id: int


@dataclass(frozen=True, slots=True)
class TweetEdited:
    """A tweet's text was changed by an edit."""

    kind: ClassVar[str] = "tweet_edited"
    tweet_id: int


@dataclass(frozen=True, slots=True)
class TweetDeleted:
    kind: ClassVar[str] = "tweet_deleted"
    tweet_id: int
    author_id: int


Event = (
    TweetPosted
    | UserFollowed
    | UserUnfollowed
    | TweetTagsChanged
    | TweetReposted
    | RepostUndone
    | TweetEdited
    | TweetDeleted
    | TweetLiked
    | UserBlocked
)
