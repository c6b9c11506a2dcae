from __future__ import annotations

from typing import Protocol

from domain.tweets import TweetVersion


class TweetHistory(Protocol):
    """Every version of a tweet, as committed, in one read."""

    async def versions(self, tweet_id: int) -> list[TweetVersion] | None:
        """The original first, then one per edit, the current text last; None if there is
        no such tweet."""
        ...
