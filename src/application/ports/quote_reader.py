from __future__ import annotations

from typing import Protocol

from application.ports.tweet_reader import KeyedTweets


class QuoteReader(Protocol):
    """Read models of quotes, as committed, a fixed number of queries per call (no N+1)."""

    async def quotes(
        self, tweet_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        """The tweets quoting ``tweet_id``, newest first, keyed by tweet id (each embeds the
        quoted tweet, as ``TweetReader``'s views do)."""
        ...
