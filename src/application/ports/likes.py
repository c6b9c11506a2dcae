from __future__ import annotations

from datetime import datetime
from typing import Protocol


class LikeRepository(Protocol):
    """Who likes which tweet; keeps each tweet's ``like_count`` exact under concurrency."""

    async def like(self, user_id: int, tweet_id: int, now: datetime) -> int:
        """Make ``user_id`` like the tweet (no change if it already does); the like count.

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...

    async def unlike(self, user_id: int, tweet_id: int) -> int:
        """Make ``user_id`` not like the tweet (no change if it does not); the like count.

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...
