from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RepostChange:
    """What a repost or its undoing did: ``repost_id`` and ``position`` of the repost made
    or removed (None: nothing changed), and the tweet's repost count after it."""

    repost_count: int
    repost_id: int | None = None
    position: int | None = None


class RepostRepository(Protocol):
    """Who reposted which tweet; keeps each tweet's ``repost_count`` exact under
    concurrency. A repost takes a position from the sequence tweets are numbered by, so it
    orders among tweets by when it was made."""

    async def repost(self, user_id: int, tweet_id: int, now: datetime) -> RepostChange:
        """Make ``user_id`` repost the tweet (no change if it already does).

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...

    async def undo(self, user_id: int, tweet_id: int) -> RepostChange:
        """Make ``user_id`` not repost the tweet (no change if it does not).

        ``TweetNotFound`` if the tweet is gone (deleted since it was looked up)."""
        ...
