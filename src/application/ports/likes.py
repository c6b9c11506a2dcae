from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LikeChange:
    """What a like did: whether it made a new like, and the tweet's like count after it."""

    created: bool
    like_count: int


class LikeRepository(Protocol):
    """Who likes which tweet; keeps each tweet's ``like_count`` exact under concurrency."""

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> LikeChange:
        """Make ``user_id`` like the tweet (no change if it already does).

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        """Make ``user_id`` not like the tweet (no change if it does not); the like count.

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...
