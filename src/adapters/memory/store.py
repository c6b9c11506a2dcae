from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from application.ports.job_queue import Job
from domain.media import Media
from domain.notifications import Notice
from domain.relationships import Mute
from domain.sessions import RefreshToken, Session
from domain.tweets import Tweet, TweetVersion
from domain.users import User


@dataclass
class MemoryStore:
    """Everything the in-memory adapters hold; share one between them like one database."""

    users: dict[int, User] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    refresh_tokens: dict[int, RefreshToken] = field(default_factory=dict)
    settings: dict[str, int] = field(default_factory=dict)
    tweets: dict[int, Tweet] = field(default_factory=dict)
    # (user_id, tweet_id) -> like id; (follower_id, followee_id) -> follow id
    likes: dict[tuple[int, int], int] = field(default_factory=dict)
    follows: dict[tuple[int, int], int] = field(default_factory=dict)
    timelines: dict[int, set[int]] = field(default_factory=dict)
    # (user_id, tweet_id) -> (repost id, position); reader -> tweet_id -> (position, reposter):
    # the feed entries reposts made
    reposts: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    repost_entries: dict[int, dict[int, tuple[int, int]]] = field(default_factory=dict)
    # tweet_id -> the versions its edits replaced, oldest first
    tweet_versions: dict[int, list[TweetVersion]] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    # tweet_id -> the user ids it mentions, and its folded hashtags, in order (none: no key)
    tweet_mentions: dict[int, list[int]] = field(default_factory=dict)
    tweet_hashtags: dict[int, list[str]] = field(default_factory=dict)
    # (tweet_id, tag) -> (author_id, used_at): what /tags/trending counts (workers keep it)
    tag_uses: dict[tuple[int, str], tuple[int, datetime]] = field(default_factory=dict)
    # tweet_id -> (version, words): what /search/tweets matches (workers keep it)
    search_index: dict[int, tuple[int, frozenset[str]]] = field(default_factory=dict)
    # (user_id, tweet_id) -> bookmark id
    bookmarks: dict[tuple[int, int], int] = field(default_factory=dict)
    # (blocker_id, blocked_id) -> block id; (muter_id, muted_id) -> (mute id, the mute)
    blocks: dict[tuple[int, int], int] = field(default_factory=dict)
    mutes: dict[tuple[int, int], tuple[int, Mute]] = field(default_factory=dict)
    # notification id -> what it says; user_id -> [read_up_to, unread]
    notifications: dict[int, Notice] = field(default_factory=dict)
    notification_times: dict[int, datetime] = field(default_factory=dict)
    notification_marks: dict[int, list[int]] = field(default_factory=dict)
    # Jobs waiting for a worker, oldest first; and those parked after failing too often.
    jobs: deque[Job] = field(default_factory=deque)
    failed_jobs: list[Job] = field(default_factory=list)
    commits: int = 0
    _last_id: int = 0

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def blocked_between(self, user_id: int, other_id: int) -> bool:
        return (user_id, other_id) in self.blocks or (other_id, user_id) in self.blocks

    def muting(self, viewer_id: int, other_id: int, now: datetime) -> bool:
        found = self.mutes.get((viewer_id, other_id))
        return found is not None and found[1].in_force(now)
