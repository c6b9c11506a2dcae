from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from application.ports.user_reader import UserSummary


class TweetEntities(Protocol):
    """The mentions and hashtags of tweets, stored for lookups, in the use case's
    transaction."""

    async def active_users(self, usernames: Sequence[str]) -> Mapping[str, UserSummary]:
        """The active users among ``usernames`` (canonical), keyed by canonical username: one
        lookup for all of them."""
        ...

    async def add(self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]) -> None:
        """Store a new tweet's mentions (user ids) and folded hashtags, each in order."""
        ...

    async def replace(
        self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]
    ) -> None:
        """As ``add``, for a tweet that may have some already (an edit): those go."""
        ...

    async def mentioned(self, tweet_id: int) -> list[int]:
        """The ids of the users the tweet mentions, in order."""
        ...
