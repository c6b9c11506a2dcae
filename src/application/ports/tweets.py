from __future__ import annotations

from typing import Protocol

from domain.tweets import Tweet, TweetVersion


class TweetRepository(Protocol):
    """Stores tweets; keeps the author's ``tweets_count`` and the quoted tweet's
    ``quote_count`` in step."""

    async def add(self, tweet: Tweet) -> Tweet:
        """Store a new tweet, give it its id and count it for its author (and, for a quote,
        for the tweet it quotes)."""
        ...

    async def get(self, tweet_id: int) -> Tweet | None: ...

    async def record_edit(self, tweet: Tweet, replaced: TweetVersion) -> bool:
        """Save an edit (``Tweet.edit``): the text, ``edited_at`` and ``edit_count``, and keep
        the version it replaced. Only if no other edit was saved since ``tweet`` was read
        (its ``edit_count`` is still one less): False, and nothing saved, otherwise (read it
        again and retry). Concurrent edits thus never pass the limit."""
        ...

    async def delete(self, tweet: Tweet) -> None:
        """Remove a tweet with its likes and timeline entries; uncount it for its author (and
        the tweet it quotes). Its quotes stay."""
        ...

    async def quote_count(self, tweet_id: int) -> int | None:
        """How many tweets quote it, as this transaction sees it (its own quote counted at
        once, though the workers fold it later); None if it does not exist."""
        ...
