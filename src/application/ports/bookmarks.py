from __future__ import annotations

from datetime import datetime
from typing import Protocol


class BookmarkRepository(Protocol):
    """A user's private bookmarks, in the use case's transaction."""

    async def bookmark(self, user_id: int, tweet_id: int, now: datetime) -> None:
        """Bookmark the tweet (nothing changes if it already is)."""
        ...

    async def remove(self, user_id: int, tweet_id: int) -> None:
        """Remove the bookmark (nothing changes if there is none)."""
        ...
