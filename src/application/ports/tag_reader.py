from __future__ import annotations

from typing import Protocol

from application.ports.tweet_reader import KeyedTweets


class TagReader(Protocol):
    """Read models of hashtags, as committed, one query per call (no N+1)."""

    async def tweets(
        self, tag: str, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        """The tweets with the (folded) hashtag ``tag``, newest first, keyed by tweet id."""
        ...
