from __future__ import annotations

from typing import Protocol

from domain.tweets import Tweet


class TweetRepository(Protocol):
    """Stores tweets; keeps the author's ``tweets_count`` in step."""

    async def add(self, tweet: Tweet) -> Tweet:
        """Store a new tweet, give it its id and count it for its author."""
        ...

    async def get(self, tweet_id: int) -> Tweet | None: ...

    async def update(self, tweet: Tweet) -> None:
        """Save the text and ``edited_at`` of a stored tweet."""
        ...

    async def delete(self, tweet: Tweet) -> None:
        """Remove a tweet with its likes and timeline entries; uncount it for its author."""
        ...
