from __future__ import annotations

from typing import Protocol

from domain.tweets import Tweet


class HomeTimelines(Protocol):
    """Each user's home feed, kept ready as tweets are posted and follows change.

    Fan-out on write: reading a page of a feed then costs the same however many tweets
    exist and however many accounts the reader follows.
    """

    async def add_tweet(self, tweet: Tweet) -> None:
        """Put a new tweet in its author's feed and in every follower's."""
        ...

    async def add_author(self, reader_id: int, author_id: int) -> None:
        """Put every tweet of ``author_id`` in ``reader_id``'s feed (a new follow)."""
        ...

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        """Take every tweet of ``author_id`` out of ``reader_id``'s feed (an unfollow)."""
        ...
