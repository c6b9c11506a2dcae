from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol


class TrendingTag(NamedTuple):
    tag: str
    tweets: int
    accounts: int


class TagUses(Protocol):
    """The hashtags of recent tweets, with author and time, kept in step with the tweets'
    own (``tweet_hashtags``) by the workers, in the handler's transaction."""

    async def sync(self, tweet_id: int) -> None:
        """Make the tweet's uses match its hashtags as they are now: none if it is gone.
        Idempotent, whatever the order in which repeated or late calls come."""
        ...

    async def forget(self, before: datetime, limit: int) -> int:
        """Remove the uses of up to ``limit`` of the oldest tweets posted at ``before`` or
        earlier; how many uses it removed."""
        ...


class TrendingTags(Protocol):
    """Read model of the tags in use (as committed)."""

    async def since(self, start: datetime, limit: int) -> list[TrendingTag]:
        """The tags of tweets posted after ``start``: used by the most distinct
        accounts first, then in the most tweets, then by tag (code point order); at most
        ``limit``."""
        ...
